"""validate() as a library: orchestration guarantees, policy-type inference, size quotas, wildcard containment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.findings import Finding, FindingType
from parc.core.lint import infer_policy_type, load_rules, validate
from parc.core.lint.base import RULES, LintContext, Rule
from parc.core.lint.containment import arn_contains, glob_contains
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy_strict

V = "2012-10-17"


def policy(*statements: dict[str, object], version: str | None = V) -> dict[str, object]:
    doc: dict[str, object] = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return doc


def codes(result_findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in result_findings]


# --- orchestration ------------------------------------------------------------------------------------------------


def test_parse_findings_come_first_and_rules_still_run() -> None:
    doc = (
        '{"Version": "2012-10-17", "Bogus": 1, '
        '"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}'
    )
    r = validate(doc, PolicyType.IDENTITY)
    assert codes(r.findings)[0] == "INVALID_POLICY_ELEMENT"
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in codes(r.findings)


def test_a_malformed_statement_does_not_stop_the_others() -> None:
    doc = policy("not a statement", {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, {})
    r = validate(doc, PolicyType.IDENTITY)
    got = {(f.code, f.path) for f in r.findings}
    assert ("DATA_TYPE_MISMATCH", "Statement[0]") in got
    assert ("UNSUPPORTED_PRINCIPAL", "Statement[1].Principal") in got
    assert ("MISSING_EFFECT", "Statement[2]") in got


def test_a_failing_rule_is_reported_and_does_not_hide_the_others() -> None:
    load_rules()

    def boom(ctx: LintContext) -> Iterator[Finding]:
        raise RuntimeError("bug")

    RULES.append(Rule("boom", ("X",), boom))
    try:
        r = validate(policy({"Action": "s3:GetObject", "Resource": "*"}), PolicyType.IDENTITY)
    finally:
        RULES.pop()
    assert "INTERNAL_ERROR" in codes(r.findings)
    assert "MISSING_EFFECT" in codes(r.findings)
    internal = next(f for f in r.findings if f.code == "INTERNAL_ERROR")
    assert internal.finding_type is FindingType.WARNING and "boom" in internal.message


def test_catalog_rules_run_only_with_a_catalog_and_receive_it() -> None:
    load_rules()
    seen: list[object] = []

    def needs(ctx: LintContext) -> Iterator[Finding]:
        seen.append(ctx.catalog)
        return iter(())

    RULES.append(Rule("needs", ("Y",), needs, needs_catalog=True))
    try:
        validate(policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}), PolicyType.IDENTITY)
        assert seen == []
        marker = object()
        validate(policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}), PolicyType.IDENTITY, marker)
        assert seen == [marker]
    finally:
        RULES.pop()


def test_dict_input_has_no_positions_and_text_input_has_them() -> None:
    doc = policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    from_dict = validate(doc, PolicyType.IDENTITY).findings[0]
    from_text = validate(json.dumps(doc, indent=2), PolicyType.IDENTITY).findings[0]
    assert from_dict.line is None and from_dict.column is None
    assert (from_text.line, from_text.column) == (6, 19)


def test_name_is_set_on_every_finding() -> None:
    r = validate("{", name="p.json")
    assert r.findings and all(f.file == "p.json" for f in r.findings)
    assert r.policy is None and not r.ok


def test_deep_nesting_is_a_finding_not_a_crash() -> None:
    r = validate("[" * 50000 + "]" * 50000)
    assert codes(r.findings) == ["JSON_LIMIT_EXCEEDED"]  # parc's depth limit (parc.core.limits), located
    assert (r.findings[0].line, r.findings[0].column) == (1, 129)


def test_validation_agrees_with_the_strict_parser_on_grammar_errors() -> None:
    with pytest.raises(ValueError):
        parse_policy_strict('{"Statement": 3}')
    assert not validate('{"Statement": 3}').ok


# --- policy type inference ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), PolicyType.IDENTITY),
        (policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}), PolicyType.RESOURCE),
        (
            policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            PolicyType.TRUST,
        ),
        (
            policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                }
            ),
            PolicyType.TRUST,
        ),
        # an sts action with a Resource is a resource-based policy, not a trust policy
        (
            policy({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}),
            PolicyType.RESOURCE,
        ),
        (
            policy({"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:*", "Resource": "*"}),
            PolicyType.RESOURCE,
        ),
    ],
)
def test_infer_policy_type(doc: dict[str, object], expected: PolicyType) -> None:
    r = validate(doc)
    assert r.policy is not None and infer_policy_type(r.policy) is expected
    assert r.policy_type is expected and r.type_inferred


def test_explicit_type_is_not_inferred() -> None:
    r = validate(policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}), PolicyType.SCP)
    assert r.policy_type is PolicyType.SCP and not r.type_inferred
    assert "SCP_SYNTAX_ERROR_PRINCIPAL" in codes(r.findings)


# --- size quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) ----------------------


def sized(n_actions: int, ptype: PolicyType) -> dict[str, object]:
    st_: dict[str, object] = {"Effect": "Deny", "Action": [f"s3:Get{i:05d}" for i in range(n_actions)], "Resource": "*"}
    if ptype is PolicyType.TRUST:
        st_ = {
            "Effect": "Allow",
            "Principal": {"AWS": [f"{i:012d}" for i in range(n_actions)]},
            "Action": "sts:AssumeRole",
        }
    return policy(st_)


def size_of(doc: dict[str, object]) -> int:
    return len(json.dumps(doc, separators=(",", ":")))


def smallest_over(limit: int, ptype: PolicyType) -> tuple[dict[str, object], dict[str, object]]:
    """The largest generated policy within the limit and the next one over it."""
    n = 1
    while size_of(sized(n + 1, ptype)) <= limit:
        n += 1
    return sized(n, ptype), sized(n + 1, ptype)


@pytest.mark.parametrize(
    ("ptype", "limit", "code", "ftype"),
    [
        (PolicyType.IDENTITY, 6144, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", FindingType.WARNING),
        (PolicyType.BOUNDARY, 6144, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", FindingType.WARNING),
        (PolicyType.SESSION, 2048, "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA", FindingType.ERROR),
        (PolicyType.TRUST, 2048, "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA", FindingType.WARNING),
        (PolicyType.SCP, 5120, "POLICY_SIZE_EXCEEDS_SCP_QUOTA", FindingType.ERROR),
    ],
)
def test_size_quota_boundary(ptype: PolicyType, limit: int, code: str, ftype: FindingType) -> None:
    under, over = smallest_over(limit, ptype)
    assert code not in codes(validate(json.dumps(under, separators=(",", ":")), ptype).findings)
    found = [f for f in validate(json.dumps(over, separators=(",", ":")), ptype).findings if f.code == code]
    assert len(found) == 1 and found[0].finding_type is ftype


def test_iam_does_not_count_white_space_but_organizations_does() -> None:
    """IAM quotas exclude white space; 'All characters in your SCP count against its maximum size' (Organizations)."""
    under, _ = smallest_over(5120, PolicyType.SCP)
    pretty = json.dumps(under, indent=4)
    assert len(pretty) > 5120
    assert "POLICY_SIZE_EXCEEDS_SCP_QUOTA" in codes(validate(pretty, PolicyType.SCP).findings)
    identity_under, _ = smallest_over(6144, PolicyType.IDENTITY)
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" not in codes(
        validate(json.dumps(identity_under, indent=4), PolicyType.IDENTITY).findings
    )


# --- wildcard containment -----------------------------------------------------------------------------------------


def _match(pattern: str, s: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(s, pattern.replace("[", "[[]"))


def _strings(max_len: int) -> Iterator[str]:
    for n in range(max_len + 1):
        for chars in product("abc", repeat=n):  # "c": a character that no pattern names
            yield "".join(chars)


patterns = st.text(alphabet="ab*?", min_size=0, max_size=4)


@settings(max_examples=300, deadline=None)
@given(outer=patterns, inner=patterns)
def test_glob_containment_matches_brute_force(outer: str, inner: str) -> None:
    contained = glob_contains(outer, inner)
    strings = [s for s in _strings(6) if _match(inner, s)]
    if contained:
        assert all(_match(outer, s) for s in strings)
    else:
        # patterns of at most 4 symbols over {a, b} have a counterexample of length at most 6 over {a, b, c}
        assert any(not _match(outer, s) for s in strings)


def test_arn_wildcards_stay_within_their_field() -> None:
    assert arn_contains("arn:aws:s3:::*", "arn:aws:s3:::bucket/key")
    assert not arn_contains("arn:aws:s3:::b*", "arn:aws:s3:us-east-1::bx")
    assert arn_contains("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/x")
    assert not arn_contains("arn:aws:iam::111122223333:role/*", "arn:aws:iam::*:role/x")
