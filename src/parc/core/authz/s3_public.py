"""Whether S3 considers a bucket policy public ("The meaning of 'public'"), which decides whether
RestrictPublicBuckets applies to it.

S3 "begins by assuming that the policy is public" and finds it non-public only when every Allow grants to fixed
values (no wildcard, no policy variable) of a principal, or of one of the listed condition keys. One public statement
makes the whole policy public, and RestrictPublicBuckets then takes away every cross-account grant of the policy,
including non-public delegation to specific accounts.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status

Where the page leaves a case open, parc calls the statement public: the setting then takes away more (a wrong
deny at worst), never less (a wrong Allow). Those choices: an ``...IfExists`` operator, a negated operator or a
set operator does not limit; ``aws:userid`` with any wildcard does not limit; an ``aws:SourceIp`` of ``0.0.0.0/0``
or ``::/0`` does not limit; ``aws:PrincipalOrgPaths`` is not on the list.
"""

from __future__ import annotations

from parc.core.policy.model import ConditionEntry, Policy, Statement

LIMITING_KEYS = frozenset({
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid", "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    # "An AWS principal, user, role, or service principal (e.g. aws:PrincipalOrgID)":
    "aws:principalorgid", "aws:principalaccount", "aws:principalarn",
})
LIMITING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
                                "ipaddress"})
_EVERYWHERE = frozenset({"0.0.0.0/0", "::/0"})


def _fixed(text: str) -> bool:
    return "*" not in text and "?" not in text and "${" not in text


def _fixed_access_point(text: str) -> bool:
    """s3:DataAccessPointArn may name every access point of one account (``...:123456789012:accesspoint/*``)."""
    parts = text.split(":", 5)
    return (len(parts) == 6 and len(parts[4]) == 12 and parts[4].isdigit() and parts[5].startswith("accesspoint/")
            and _fixed(":".join(parts[:5])) and "${" not in text)


def _limits(c: ConditionEntry) -> bool:
    key = c.key.lower()
    if c.operator.lower() not in LIMITING_OPERATORS or key not in LIMITING_KEYS or not c.values:
        return False
    for cv in c.values:
        v = str(cv.value)
        if key == "aws:sourceip":
            if v in _EVERYWHERE or "${" in v:
                return False
        elif key == "s3:dataaccesspointarn":
            if not (_fixed(v) or _fixed_access_point(v)):
                return False
        elif not _fixed(v):
            return False
    return True


def _fixed_principal(st: Statement) -> bool:
    if st.not_principal is not None or st.principal is None or st.principal.wildcard:
        return False
    return all(e.kind != "Federated" and _fixed(e.value) for e in st.principal.entries)


def statement_is_public(st: Statement) -> bool:
    if st.effect != "Allow":
        return False
    if _fixed_principal(st):
        return False
    return not any(_limits(c) for c in st.conditions)


def public_statements(policy: Policy | None) -> tuple[Statement, ...]:
    """The statements that make the policy public (none: it is not public)."""
    if policy is None:
        return ()
    return tuple(st for st in policy.statements if statement_is_public(st))
