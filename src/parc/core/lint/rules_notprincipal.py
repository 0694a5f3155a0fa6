"""A Deny with NotPrincipal that names a user, role or session but not its account (issue 11, section 6).

AWS's page: "When you use NotPrincipal, you must also specify the account ARN of the not-denied principal. Otherwise,
the policy might deny access to the entire account that contains the principal. Depending on the service that you
include in your policy, AWS might validate the account first and then the user. If an assumed-role user ... is being
evaluated, AWS might validate the account first, then the role, and then the assumed-role user."
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html#notprincipal-key-points

parc's engine takes the strict reading for every service: a NotPrincipal exempts a principal only when it names
each identity AWS may check (the account, the role, the session), so the principal this Deny meant to spare is denied
too. This rule says so where the policy is written, with the two fixes AWS gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_common import make
from parc.core.policy.model import PrincipalEntry, Statement

W = FindingType.WARNING
CODE = "NOT_PRINCIPAL_WITHOUT_ACCOUNT"
PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
    "#notprincipal-key-points"
)

_NAMED = re.compile(
    r"^arn:(?P<partition>[a-z-]+):(?:iam::(?P<iam_account>\d{12}):(?:user|role)/.+"
    r"|sts::(?P<sts_account>\d{12}):(?:assumed-role/(?P<role>[^/]+)/.+|federated-user/.+))$"
)


@rule(CODE)
def not_principal_without_account(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        if not st.is_deny or st.not_principal is None or st.not_principal.wildcard:
            continue
        aws = [e for e in st.not_principal.entries if e.kind == "AWS"]
        values = {e.value for e in aws}
        for entry in aws:
            found = _check(st, entry, values)
            if found is not None:
                yield found


def _check(st: Statement, entry: PrincipalEntry, values: set[str]) -> Finding | None:
    m = _NAMED.match(entry.value)
    if m is None:
        return None
    partition = m.group("partition")
    account = m.group("iam_account") or m.group("sts_account")
    root = f"arn:{partition}:iam::{account}:root"
    missing: list[str] = []
    if account not in values and root not in values:
        missing.append(f"its account ({root})")
    role = m.group("role")
    if role is not None and not any(
        v.startswith(f"arn:{partition}:iam::{account}:role/") and v.rsplit("/", 1)[-1] == role for v in values
    ):
        missing.append(f"its role (arn:{partition}:iam::{account}:role/{role})")
    if not missing:
        return None
    return make(
        CODE,
        W,
        f"Statement {st.label}: NotPrincipal names {entry.value!r} but not {' or '.join(missing)}. Depending on the "
        f"service, AWS checks the account first (then the role, then the session), so this Deny may apply to the "
        f"whole account {account}, {entry.value!r} included; parc's engine decides it that way.",
        entry.path,
        entry.pos,
        PAGE,
        fix=f'Add "{root}"'
        + (f' and "arn:{partition}:iam::{account}:role/{role}"' if role is not None else "")
        + ' to NotPrincipal, or better: use "Principal": "*" with a Condition {"ArnNotEquals": {"aws:PrincipalArn": '
        "[...]}} listing the principals to spare.",
    )
