"""The audit's snapshot loader: every policy document with its position and the name the engine reports, the
optional inputs per account, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_helpers import ACCT, allow, arn, doc, export, managed, role, trust, user, write

from parc.core.audit.evidence import from_ref
from parc.core.authz.decision import StatementRef
from parc.core.policy.model import PolicyType
from parc.loaders.snapshot import SnapshotError, load_audit_snapshot


def test_documents_are_named_as_the_engine_names_them(tmp_path: Path) -> None:
    details = export(
        users=[user("u", policies={"inline": doc(allow("s3:GetObject"))}, attached=[arn("policy", "M")])],
        roles=[role("r", trust({"Service": "ec2.amazonaws.com"}))],
        policies=[managed("M", doc(allow("s3:ListBucket")), versions=[("v2", doc(allow("s3:*")))]),
                  managed("B", doc(allow("*")))],
    )
    details["UserDetailList"][0]["PermissionsBoundary"] = {"PermissionsBoundaryArn": arn("policy", "B")}
    inputs = load_audit_snapshot(write(tmp_path / ACCT, details,
                                       resource_policies=[{"arn": "arn:aws:s3:::b", "policy": json.dumps(doc(
                                           {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                            "Resource": "arn:aws:s3:::b/*"}))}]))
    docs = {d.name: d for d in inputs.accounts[0].documents}
    policy_names = {p.policy.name for a in inputs.estate.accounts for p in a.policies if p.policy is not None}
    assert set(docs) == {
        f"{arn('user', 'u')} inline inline", f"{arn('role', 'r')} trust policy", arn("policy", "M"),
        f"{arn('policy', 'M')} v2", arn("policy", "B"), "arn:aws:s3:::b"}
    assert policy_names <= set(docs)
    assert docs[arn("policy", "B")].policy_type is PolicyType.BOUNDARY  # used only as a boundary
    assert docs[arn("policy", "M")].policy_type is PolicyType.IDENTITY
    assert not docs[f"{arn('policy', 'M')} v2"].default_version
    rp = docs["arn:aws:s3:::b"]
    assert not rp.embedded and rp.node is not None and rp.path == "[0].policy"
    inline = docs[f"{arn('user', 'u')} inline inline"]
    assert inline.embedded and inline.statement_path(0) == "UserDetailList[0].UserPolicyList[0].PolicyDocument" \
        ".Statement[0]"


def test_evidence_from_an_engine_reference(tmp_path: Path) -> None:
    details = export(users=[user("u", policies={"p": doc(allow("s3:GetObject"), allow("s3:PutObject"))})])
    folder = write(tmp_path / ACCT, details)
    inputs = load_audit_snapshot(folder)
    ref = StatementRef("identity", f"{arn('user', 'u')} inline p", 0, None, 1, "Allow", None, None)
    e = from_ref(inputs, ref)
    assert e.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[1]"
    lines = (folder / "get-account-authorization-details.json").read_text().splitlines()
    assert e.line is not None and lines[e.line - 1].strip() == "{"
    assert '"s3:PutObject"' in "\n".join(lines[e.line - 1:e.line + 4])
    unknown = from_ref(inputs, StatementRef("scp", "Guardrail", 0, "NoLeave", 2, "Deny", None, None))
    assert unknown.file is None and "Guardrail" in unknown.text and "'NoLeave'" in unknown.text


def test_optional_inputs_are_none_when_absent(tmp_path: Path) -> None:
    inputs = load_audit_snapshot(write(tmp_path / ACCT, export()))
    a = inputs.accounts[0]
    assert (a.credential_report, a.password_policy, a.network) == (None, None, None)
    assert not a.problems


def test_a_folder_of_accounts(tmp_path: Path) -> None:
    write(tmp_path / "111111111111", export(users=[user("a")]))
    write(tmp_path / "222222222222", export(), files={"password-policy.json": "{}"})
    inputs = load_audit_snapshot(tmp_path)
    assert [a.account_id for a in inputs.accounts] == ["111111111111", "222222222222"]
    assert inputs.accounts[0].password_policy is None and inputs.accounts[1].password_policy is not None


@pytest.mark.parametrize("layout", ["missing", "empty"])
def test_no_snapshot_raises_a_clear_error(tmp_path: Path, layout: str) -> None:
    target = tmp_path / "nothing"
    if layout == "empty":
        target.mkdir()
    with pytest.raises(SnapshotError, match="nothing"):
        load_audit_snapshot(target)


def test_unreadable_optional_files_are_problems_not_exceptions(tmp_path: Path) -> None:
    inputs = load_audit_snapshot(write(tmp_path / ACCT, export(), files={
        "credential-report.csv": "who,what\n", "password-policy.json": "[1, 2"}))
    problems = inputs.accounts[0].problems
    assert {Path(p.file or "").name for p in problems} == {"credential-report.csv", "password-policy.json"}
    assert inputs.accounts[0].credential_report is None and inputs.accounts[0].password_policy is None
