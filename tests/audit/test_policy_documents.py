"""The audit's policy documents (parc.loaders.policy_documents): an IAM export is read with the standard library,
and each document with positions from its own span of the file, only when first asked for. Every document must be
exactly what reading the whole file with the positioned reader gives: the same documents, trees and positions
(generated exports of every layout, documents as objects and as JSON strings); a file that cannot be read that way
(a key given twice, a document nested past the reader's limit) is read whole, and says why; a copy of a document
with nothing to report is never read with positions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_helpers import ACCT, allow, arn, doc, export, managed, role, trust, user, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonwhere_checks import same_tree
from parc.core.audit.inputs import InFile
from parc.core.audit.policies import policy_checks
from parc.core.limits import MAX_DEPTH
from parc.core.lint import validate
from parc.core.policy.jsonpos import JNode, JsonLimitError, parse_json
from parc.core.policy.jsonshape import shape, value_content
from parc.core.policy.jsonwhere import path_parts
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import decode_text, packed_size
from parc.loaders.policy_documents import export_documents
from parc.loaders.snapshot import load_audit_snapshot

EXPORT = "get-account-authorization-details.json"
SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=6)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                      max_leaves=8)
policies = st.one_of(
    st.builds(lambda a, r: doc(allow(a, r)), st.sampled_from(["s3:GetObject", "*", ["iam:PassRole", "ec2:*"]]),
              st.sampled_from(["*", "arn:aws:s3:::b/*"])),
    st.dictionaries(st.text(max_size=5), values, max_size=4),
)
documents = policies | policies.map(json.dumps)  # an object, or a policy stored as a JSON string


@st.composite
def exports(draw: Any) -> dict[str, Any]:
    roles = [role(f"r{i}", draw(documents), policies={f"p{j}": draw(documents) for j in range(draw(st.integers(0, 2)))})
             for i in range(draw(st.integers(0, 3)))]
    users = [user(f"u{i}", policies={"own": draw(documents)}) for i in range(draw(st.integers(0, 2)))]
    for u in users:
        u["Tags"] = draw(st.lists(st.fixed_dictionaries({"Key": st.text(max_size=3), "Value": values}), max_size=2))
    managed_ = [managed(f"m{i}", draw(documents), versions=[("v2", draw(documents))] if draw(st.booleans()) else None,
                        default=draw(st.sampled_from(["v1", "v2"])))
                for i in range(draw(st.integers(0, 2)))]
    groups = [{"GroupName": "g", "Arn": arn("group", "g"), "GroupPolicyList": [
        {"PolicyName": "gp", "PolicyDocument": draw(documents)}]}] if draw(st.booleans()) else []
    return export(users=users, groups=groups, roles=roles, policies=managed_)


def _text(details: dict[str, Any], indent: int | None, ascii_only: bool) -> str:
    return json.dumps(details, indent=indent, ensure_ascii=ascii_only)


def _at(tree: JNode, path: str) -> JNode:
    node = tree
    for part in path_parts(path):
        if isinstance(part, int):
            node = node.items[part]
        else:
            member = node.get(part)
            assert member is not None
            node = member.node
    return node


def _check_against_the_whole_tree(folder: Path) -> list[Any]:
    """Every document at the node the whole file's positioned tree has at its path, with that node's position; a
    string document decoded from that node's value."""
    text = (folder / EXPORT).read_text()
    tree = parse_json(text)
    problems: list[Any] = []
    docs = export_documents(folder, ACCT, problems)
    for d in docs:
        at = _at(tree, d.path)
        assert d.position == at.pos, d.path
        if at.kind == "object":
            assert d.embedded and d.node is not None and same_tree(d.node, at), d.path
            assert d.content == (value_content(at.to_python()) if isinstance(d.source, InFile) else shape(at))
            if isinstance(d.source, InFile):  # known from the values: IAM's count, as parsing the tree measures it
                assert d.size == packed_size(json.dumps(at.to_python(), separators=(",", ":"), ensure_ascii=False))
        else:
            want, _ = decode_text(str(at.value))
            assert not d.embedded and at.kind == "string"
            assert (d.node is None) == (want is None) and (want is None or same_tree(d.node, want))  # type: ignore[arg-type]
    return docs


@SETTINGS
@given(exports(), st.sampled_from([None, 0, 1, 2, 4]), st.booleans())
def test_every_document_read_from_its_span_is_the_whole_trees(tmp_path_factory: Any, details: dict[str, Any],
                                                               indent: int | None, ascii_only: bool) -> None:
    folder = tmp_path_factory.mktemp("acct")
    (folder / EXPORT).write_text(_text(details, indent, ascii_only))
    docs = _check_against_the_whole_tree(folder)
    expected = sum(1 for r in details["RoleDetailList"] for _ in [r["AssumeRolePolicyDocument"]]) \
        + sum(len(e.get(k, [])) for key, k in (("UserDetailList", "UserPolicyList"), ("GroupDetailList",
              "GroupPolicyList"), ("RoleDetailList", "RolePolicyList")) for e in details[key]) \
        + sum(len(p["PolicyVersionList"]) for p in details["Policies"])
    assert len(docs) == expected


def test_documents_are_read_with_positions_only_when_asked(tmp_path: Path) -> None:
    same = trust({"Service": "ec2.amazonaws.com"})
    folder = write(tmp_path / ACCT, export(roles=[role(f"r{i}", same) for i in range(3)]))
    docs = load_audit_snapshot(folder).accounts[0].documents
    assert len(docs) == 3 and all(isinstance(d.source, InFile) and d.source._node is None for d in docs)
    assert len({d.content for d in docs}) == 1  # one content: known without reading any tree
    _check_against_the_whole_tree(folder)


def test_a_key_given_twice_reads_the_file_whole_and_says_where(tmp_path: Path) -> None:
    details = export(roles=[role("r", trust({"Service": "ec2.amazonaws.com"}))])
    text = _text(details, 2, True).replace('"Path": "/",', '"Path": "/",\n      "Path": "/x/",', 1)
    folder = tmp_path / ACCT
    folder.mkdir()
    (folder / EXPORT).write_text(text)
    problems: list[Any] = []
    docs = export_documents(folder, ACCT, problems)
    assert [p.code for p in problems] == ["AUDIT_INPUT_UNREADABLE"] and "Path" in problems[0].message
    assert problems[0].position is not None and '"Path": "/x/"' in text.splitlines()[problems[0].position.line - 1]
    assert len(docs) == 1 and not isinstance(docs[0].source, InFile)  # the whole tree's node
    _check_against_the_whole_tree(folder)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_a_document_nested_past_the_limit_is_said_and_the_rest_of_the_file_is_not(tmp_path: Path) -> None:
    """A document the positioned reader cannot read (nested past MAX_DEPTH, counting the export around it) leaves
    the file's documents out, said (as reading the whole file with positions did); a part of the export that is no
    document, nested as deep, costs no document: every one is read from its own span."""
    def account(depth: int) -> Path:
        deep = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                                       "Condition": {"StringEquals": {"k": _nested(depth)}}}]}
        return write(tmp_path / str(depth) / ACCT, export(roles=[role("r", trust({"Service": "ec2.amazonaws.com"}),
                                                                      policies={"deep": deep})]))

    def whole_read(folder: Path) -> bool:
        try:
            parse_json((folder / EXPORT).read_text())
            return True
        except JsonLimitError:
            return False

    deepest = max(d for d in range(MAX_DEPTH - 20, MAX_DEPTH) if whole_read(account(d)))
    problems: list[Any] = []
    docs = export_documents(account(deepest), ACCT, problems)  # as deep as the whole read goes: read, lazily too
    assert problems == [] and len(docs) == 2 and all(d.node is not None for d in docs)
    assert export_documents(account(deepest + 1), ACCT, problems) == []
    assert [p.code for p in problems] == ["AUDIT_INPUT_UNREADABLE"]
    assert "its policy documents are not checked" in problems[0].message

    details = export(roles=[role("r", trust({"Service": "ec2.amazonaws.com"}))])
    details["RoleDetailList"][0]["Tags"] = [{"Key": "k", "Value": _nested(MAX_DEPTH)}]
    folder = write(tmp_path / "b" / ACCT, details)
    problems = []
    docs = export_documents(folder, ACCT, problems)
    assert problems == [] and [d.name for d in docs] == [f"{arn('role', 'r')} trust policy"]
    assert docs[0].node is not None and docs[0].node.kind == "object"


def test_copies_of_a_document_with_nothing_to_report_are_never_read_with_positions(tmp_path: Path) -> None:
    """The audit decides each content once: a copy of a document whose lint and MFA checks found nothing is not
    read at all; a copy of one with findings has them at its own lines."""
    clean = trust({"Service": "ec2.amazonaws.com"})
    loud = doc(allow("*"))  # full access: a lint finding, located at the statement
    details = export(roles=[role(f"r{i}", clean, policies={"all": loud}) for i in range(3)],
                     users=[user("u", attached=[arn("policy", "m")])], policies=[managed("m", doc(allow("s3:*")))])
    inputs = load_audit_snapshot(write(tmp_path / ACCT, details))
    result = policy_checks(inputs, None)
    docs = {d.name: d for d in inputs.accounts[0].documents}
    trusts = [docs[f"{arn('role', f'r{i}')} trust policy"] for i in range(3)]
    assert trusts[0].node is not None
    assert all(isinstance(d.source, InFile) and d.source._node is None for d in trusts[1:])  # never asked
    full = [f for f in result.findings if f.rule == "ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES"]
    assert sorted(f.resource for f in full) == [arn("role", f"r{i}") for i in range(3)]
    tree = parse_json((tmp_path / ACCT / EXPORT).read_text())
    for f in full:  # each at its own place: where validating the whole file's node puts it
        d = docs[f"{f.resource} inline all"]
        want = [g.position for g in validate(_at(tree, d.path), PolicyType.IDENTITY, None, name=d.name).findings
                if g.code == f.rule]
        assert want and (f.evidence[0].line, f.evidence[0].column) == (want[0].line, want[0].column)
    assert len({f.evidence[0].line for f in full}) == 3


def test_resource_policies_in_both_layouts_are_at_the_whole_trees_nodes(tmp_path: Path) -> None:
    """resource-policies.json as a bare list or under "ResourcePolicies" (the account loader reads both), a policy
    as an object or a JSON string, under "policy" or "Policy": each document at its node of the file."""
    bucket = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    entries = [{"arn": "arn:aws:s3:::b", "policy": bucket},
               {"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "Policy": json.dumps(bucket)},
               {"arn": "arn:aws:s3:::no-policy"}]
    for layout, prefix in ((entries, ""), ({"ResourcePolicies": entries}, "ResourcePolicies")):
        folder = write(tmp_path / prefix / ACCT, export(), resource_policies=layout)  # type: ignore[arg-type]
        tree = parse_json((folder / "resource-policies.json").read_text())
        docs = [d for d in load_audit_snapshot(folder).accounts[0].documents if d.kind == "resource"]
        assert [d.path for d in docs] == [f"{prefix}[0].policy", f"{prefix}[1].Policy"]
        for d in docs:
            at = _at(tree, d.path)
            assert d.position == at.pos and d.node is not None
            assert same_tree(d.node, at) if d.embedded else same_tree(d.node, decode_text(str(at.value))[0])  # type: ignore[arg-type]


def test_the_export_the_account_loader_read_is_not_decoded_or_serialised_again(tmp_path: Path,
                                                                                monkeypatch: Any) -> None:
    """The audit's documents come from the values and compact texts the account loader made of the same file
    (``SharedReads``): the same documents, contents and sizes as reading it again; a file with a key given twice is
    not shared (its values depend on which repetition a reader keeps) and is read again, the repetition said."""
    import parc.loaders.policy_documents as module

    details = export(roles=[role(f"r{i}", trust({"Service": "ec2.amazonaws.com"}), policies={"p": doc(allow("*"))})
                            for i in range(3)], policies=[managed("m", doc(allow("s3:GetObject")))])
    folder = write(tmp_path / "a" / ACCT, details)
    alone = export_documents(folder, ACCT, [])

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("read again")

    with monkeypatch.context() as m:
        m.setattr(module, "loads", refused)
        m.setattr(module, "value_content", refused)
        docs = load_audit_snapshot(folder).accounts[0].documents
    assert [(d.name, d.path, d.position, d.content, d.size) for d in docs] == [
        (d.name, d.path, d.position, d.content, d.size) for d in alone]
    assert all(same_tree(a.node, b.node) for a, b in zip(docs, alone, strict=True))  # type: ignore[arg-type]

    text = _text(details, 2, True).replace('"Path": "/",', '"Path": "/",\n      "Path": "/x/",', 1)
    (tmp_path / "b" / ACCT).mkdir(parents=True)
    (tmp_path / "b" / ACCT / EXPORT).write_text(text)
    calls: list[str] = []
    real = module.loads
    monkeypatch.setattr(module, "loads", lambda t, *a, **k: calls.append(t) or real(t, *a, **k))
    inputs = load_audit_snapshot(tmp_path / "b" / ACCT)
    assert calls == [text]  # not shared: read again
    assert any(p.code == "AUDIT_INPUT_UNREADABLE" and "Path" in p.message for p in inputs.accounts[0].problems)
