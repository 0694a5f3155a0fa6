"""The audit's public findings decided by the solver (issue 14, ``core/audit/public_proof.py``): a ``"*"`` limited
only by a condition the probes do not satisfy is found, with the solver's request replayed through the engine;
what the solver cannot decide is "not checked"; a policy that names its principals is never asked.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html (``"*"`` is everyone)
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, ORG_ID, audit_of, doc, export, organization, user

from parc.core.audit import Severity
from parc.core.audit.public_proof import may_admit_outsiders, named_accounts
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy_strict

BUCKET = "arn:aws:s3:::data-bucket"
OTHER = "210987654321"


def star(**cond: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}
    if cond:
        st["Condition"] = cond
    return st


def report_of(tmp: Path, *statements: dict[str, Any]) -> Any:
    return audit_of(tmp, export(users=[user("me")]), resource_policies=[{"arn": BUCKET, "policy": doc(*statements)}],
                    org=organization())


def public(report: Any) -> list[Any]:
    return [f for f in report.findings if f.rule == "RESOURCE_PUBLIC"]


# Rule: a "*" limited by a principal tag is open to every account whose principals carry the tag (anyone can tag
# their own role): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag
@pytest.mark.parametrize(("cond", "severity"), [
    ({"StringEquals": {"aws:PrincipalTag/team": "data"}}, Severity.HIGH),
    ({"StringLike": {"aws:userid": "AROA*:alice"}}, Severity.CRITICAL),
], ids=["principal-tag", "userid"])
def test_a_star_limited_only_by_a_condition_the_probes_miss_is_found(tmp_path: Path, cond: dict[str, Any],
                                                                      severity: Severity) -> None:
    report = report_of(tmp_path, star(**cond))
    (f,) = public(report)
    assert f.details["proved_by"] == "solver" and f.severity is severity, f.title
    assert f.details["actions"] == ["s3:GetObject"] and f.resource == BUCKET
    assert "proved by the solver" in f.title
    assert any(e.file and e.file.endswith("resource-policies.json") and e.line for e in f.evidence)
    assert not [n for n in report.not_checked if "solver" in n.check]


@pytest.mark.parametrize("cond", [
    {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
    {"StringEquals": {"aws:PrincipalAccount": ACCT}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/*"}},
], ids=["own-organization", "own-account", "own-roles"])
def test_a_star_limited_to_the_zone_of_trust_stays_closed(tmp_path: Path, cond: dict[str, Any]) -> None:
    report = report_of(tmp_path, star(**cond))
    assert public(report) == []
    assert not [n for n in report.not_checked if "solver" in n.check]


def test_an_rcp_perimeter_closes_what_the_policy_opens(tmp_path: Path) -> None:
    """RCPs bind outside callers to the account's resources
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html): the solver is
    asked with them, and proves the tag-limited "*" closed, without a "not checked" entry."""
    perimeter = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}})
    org = organization()
    org["levels"][0]["rcps"] = [{"name": "RCPFullAWSAccess", "document": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})},
        {"name": "Perimeter", "document": perimeter}]
    report = audit_of(tmp_path, export(users=[user("me")]), org=org, resource_policies=[
        {"arn": BUCKET, "policy": doc(star(StringEquals={"aws:PrincipalTag/team": "data"}))}])
    assert public(report) == []
    assert not [n for n in report.not_checked if "solver" in n.check]


def test_the_probes_finding_is_not_repeated_by_the_solver(tmp_path: Path) -> None:
    (f,) = public(report_of(tmp_path, star()))
    assert "proved_by" not in f.details


def test_a_named_other_account_stays_the_probes_cross_account_finding(tmp_path: Path) -> None:
    report = report_of(tmp_path, {**star(), "Principal": {"AWS": OTHER}})
    assert [f.rule for f in report.findings if f.rule.startswith("RESOURCE_")] == ["RESOURCE_CROSS_ACCOUNT"]


def test_what_the_solver_cannot_decide_is_not_checked(tmp_path: Path) -> None:
    # BinaryEquals is not encoded: UNKNOWN, so the resource is "not checked", never silently fine.
    report = report_of(tmp_path, star(BinaryEquals={"aws:PrincipalTag/k": "QUJD"}))
    assert public(report) == []
    (n,) = [n for n in report.not_checked if "solver" in n.check]
    assert BUCKET in n.reason and "Binary" in n.reason


def pol(*statements: dict[str, Any]) -> Any:
    return parse_policy_strict(doc(*statements), PolicyType.RESOURCE, "p")


def test_the_pre_filter_asks_only_policies_with_a_star_or_not_principal() -> None:
    assert may_admit_outsiders(pol(star()))
    assert may_admit_outsiders(pol({**star(), "Principal": {"AWS": "*"}}))
    named = {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}
    assert not may_admit_outsiders(pol(named))
    not_principal = {k: v for k, v in named.items() if k != "Principal"} | {"NotPrincipal": {"AWS": OTHER}}
    assert may_admit_outsiders(pol(not_principal))
    assert not may_admit_outsiders(pol({**star(), "Effect": "Deny"}))
    assert named_accounts(pol(named, star(StringEquals={"aws:PrincipalAccount": "444455556666"}))) == {
        OTHER, "444455556666"}


def test_the_action_catalog_is_read_only_for_a_policy_the_solver_is_asked(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranging over every action means reading every service's definition: the index is built when a policy needs
    the solver, once, and never for an account whose policies all name their principals. Without a catalog, such
    a policy is "not checked", said."""
    import parc.core.audit.public_proof as public_proof

    built: list[object] = []
    real = public_proof.action_index

    def counting(catalog: object | None) -> Any:
        built.append(catalog)
        return real(catalog)

    monkeypatch.setattr(public_proof, "action_index", counting)
    named = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "s3:GetObject",
             "Resource": f"{BUCKET}/*"}
    report_of(tmp_path / "named", named)
    assert built == []
    (tmp_path / "tag").mkdir()
    report = report_of(tmp_path / "tag", star(StringEquals={"aws:PrincipalTag/team": "data"}))
    assert len(built) == 1 and public(report)

    monkeypatch.setattr(public_proof, "action_index", lambda catalog: None)
    (tmp_path / "none").mkdir()
    report = report_of(tmp_path / "none", star(StringEquals={"aws:PrincipalTag/team": "data"}))
    assert public(report) == []
    assert [n.reason for n in report.not_checked if "solver" in n.check or "no action catalog" in n.reason] == [
        f"{BUCKET}: no action catalog to range over"]
