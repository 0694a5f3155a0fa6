"""Grammar and per-policy-type structure: Version, Statement, Effect, the required and forbidden elements of each
policy type, element combinations, Sid rules, Principal values and the size quotas.

Sources (each rule below names the one it follows):
- IAM Access Analyzer policy check reference (codes, finding types, messages):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
- IAM JSON policy grammar and element reference:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
- SCP syntax (full IAM language since September 2025, no Principal) and RCP syntax (Deny only, Principal "*"):
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
- Size quotas: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html and
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from parc.core.findings import Finding, FindingType, Position
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_common import (
    ELEMENT_PAGES,
    IAM_POLICY_TYPES,
    ORGS_QUOTAS_PAGE,
    QUOTAS_PAGE,
    RCP_SYNTAX_PAGE,
    SCP_SYNTAX_PAGE,
    SourceContext,
    check_link,
    element_pos,
    has_element,
    make,
    member,
    page,
    sub_path,
)
from parc.core.policy.model import PRINCIPAL_KINDS, VERSION_2008, VERSION_2012, PolicyType, Statement

E = FindingType.ERROR
W = FindingType.WARNING
S = FindingType.SUGGESTION

_VERSIONS = (VERSION_2012, VERSION_2008)


# --- Version and Statement ---------------------------------------------------------------------------------------


@rule("MISSING_VERSION", "INVALID_VERSION")
def version(ctx: LintContext) -> Iterator[Finding]:
    """Access Analyzer: a missing Version is a general warning (variables then read as literal text); an unknown
    value is an error. Organizations: every SCP and RCP must say "2012-10-17"."""
    policy = ctx.policy
    orgs = ctx.policy_type in (PolicyType.SCP, PolicyType.RCP)
    node = policy.node
    vm = node.get("Version") if node is not None and node.kind == "object" else None
    if vm is None:
        if orgs:
            yield make(
                "MISSING_VERSION",
                E,
                f"Every {ctx.policy_type.value.upper()} must include a Version element with the value \"2012-10-17\".",
                "Version",
                policy.pos,
                SCP_SYNTAX_PAGE if ctx.policy_type is PolicyType.SCP else RCP_SYNTAX_PAGE,
                fix='Add "Version": "2012-10-17" before the Statement element.',
            )
        else:
            yield make(
                "MISSING_VERSION",
                W,
                "Missing version: specify the Version element. Without it, policy variables such as "
                "${aws:username} are treated as literal text.",
                "Version",
                policy.pos,
                check_link(W, "Missing version"),
                fix='Add "Version": "2012-10-17" before the Statement element.',
            )
        return
    if vm.node.kind != "string":
        return  # parse reported the type
    value = str(vm.node.value)
    allowed = (VERSION_2012,) if orgs else _VERSIONS
    if value not in allowed:
        yield make(
            "INVALID_VERSION",
            E,
            f"The version {value!r} is not valid. Use one of the following versions: {', '.join(allowed)}.",
            "Version",
            vm.node.pos,
            check_link(E, "Invalid version"),
            fix='Use "Version": "2012-10-17".',
        )


@rule("MISSING_STATEMENT")
def statement_present(ctx: LintContext) -> Iterator[Finding]:
    node = ctx.policy.node
    sm = node.get("Statement") if node is not None and node.kind == "object" else None
    empty = sm is not None and sm.node.kind == "array" and not sm.node.items
    if sm is None or empty:
        yield make(
            "MISSING_STATEMENT",
            E,
            "Missing statement: add a statement to the policy.",
            "Statement",
            sm.node.pos if sm is not None else ctx.policy.pos,
            check_link(E, "Missing statement"),
        )


# --- Effect, Action, Resource, Principal presence ----------------------------------------------------------------


@rule("MISSING_EFFECT", "INVALID_EFFECT")
def effect(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        _, node = member(st, "Effect")
        if node is None:
            yield make(
                "MISSING_EFFECT",
                E,
                f"Statement {st.label}: add an Effect element with a value of Allow or Deny.",
                st.path,
                st.pos,
                check_link(E, "Missing effect"),
            )
        elif node.kind == "string" and node.value not in ("Allow", "Deny"):
            value = str(node.value)
            hint = next((v for v in ("Allow", "Deny") if v.lower() == value.strip().lower()), None)
            yield make(
                "INVALID_EFFECT",
                E,
                f"The effect {value!r} is not valid. Use Allow or Deny (the value is case-sensitive).",
                sub_path(st, "Effect"),
                node.pos,
                check_link(E, "Invalid effect"),
                fix=f'Use "Effect": "{hint}".' if hint else None,
            )


@rule("MISSING_ACTION")
def action_present(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        if not has_element(st, "Action") and not has_element(st, "NotAction"):
            yield make(
                "MISSING_ACTION",
                E,
                f"Statement {st.label}: add an Action or NotAction element to the policy statement.",
                st.path,
                st.pos,
                check_link(E, "Missing action"),
            )


@rule("MISSING_RESOURCE")
def resource_present(ctx: LintContext) -> Iterator[Finding]:
    """Every type but the role trust policy names its resources (the trust policy's resource is the role)."""
    if ctx.policy_type is PolicyType.TRUST:
        return
    for st in ctx.policy.statements:
        if not has_element(st, "Resource") and not has_element(st, "NotResource"):
            yield make(
                "MISSING_RESOURCE",
                E,
                f"Statement {st.label}: add a Resource or NotResource element to the policy statement.",
                st.path,
                st.pos,
                check_link(E, "Missing resource"),
                fix='Add "Resource": "*" or the ARNs the statement applies to.',
            )


@rule("MISSING_PRINCIPAL")
def principal_present(ctx: LintContext) -> Iterator[Finding]:
    """Resource-based policies, trust policies, VPC endpoint policies and RCPs say whom a statement applies to."""
    t = ctx.policy_type
    if t not in (PolicyType.RESOURCE, PolicyType.TRUST, PolicyType.ENDPOINT, PolicyType.RCP):
        return
    for st in ctx.policy.statements:
        has_p, has_np = has_element(st, "Principal"), has_element(st, "NotPrincipal")
        if has_p or (has_np and t in (PolicyType.RESOURCE, PolicyType.ENDPOINT)):
            continue
        if has_np:
            continue  # the type-specific rule below reports NotPrincipal where it is not allowed
        example = '"Principal": "*"' if t is PolicyType.RCP else '"Principal": {"AWS": "123456789012"}'
        yield make(
            "MISSING_PRINCIPAL",
            E,
            f"Statement {st.label}: add a Principal element to the policy statement ({t.value} policies must name "
            "the principals they apply to).",
            st.path,
            st.pos,
            check_link(E, "Missing principal"),
            fix=f"Add {example}.",
        )


@rule(
    "UNSUPPORTED_PRINCIPAL",
    "SCP_SYNTAX_ERROR_PRINCIPAL",
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
    "RCP_SYNTAX_ERROR_PRINCIPAL",
)
def elements_for_type(ctx: LintContext) -> Iterator[Finding]:
    t = ctx.policy_type
    for st in ctx.policy.statements:
        for key in ("Principal", "NotPrincipal"):
            if not has_element(st, key):
                continue
            pos = element_pos(st, key)
            path = sub_path(st, key)
            if t in IAM_POLICY_TYPES:
                yield make(
                    "UNSUPPORTED_PRINCIPAL",
                    E,
                    f"The policy type {t.value} does not support the {key} element. Remove the {key} element.",
                    path,
                    pos,
                    check_link(E, "Unsupported principal"),
                    fix=f"Remove {key}: an identity-based policy applies to the identity it is attached to.",
                )
            elif t is PolicyType.SCP:
                yield make(
                    "SCP_SYNTAX_ERROR_PRINCIPAL",
                    E,
                    "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.",
                    path,
                    pos,
                    check_link(E, "SCP syntax error principal"),
                    fix="Use the aws:PrincipalArn condition key to select principals.",
                )
            elif t is PolicyType.TRUST and key == "NotPrincipal":
                yield make(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                    E,
                    "Role trust policies do not support NotPrincipal. Use Principal instead.",
                    path,
                    pos,
                    ELEMENT_PAGES["NotPrincipal"],
                )
            elif t is PolicyType.RCP:
                if key == "NotPrincipal":
                    msg = "RCPs do not support NotPrincipal. Use \"Principal\": \"*\" and a condition instead."
                elif st.principal is not None and not st.principal.wildcard:
                    msg = 'RCPs support only "Principal": "*". Use conditions such as aws:PrincipalArn instead.'
                else:
                    continue
                yield make(
                    "RCP_SYNTAX_ERROR_PRINCIPAL",
                    E,
                    msg,
                    path,
                    pos,
                    RCP_SYNTAX_PAGE,
                    fix='Use "Principal": "*" and restrict principals with the Condition element.',
                )
        if t is PolicyType.TRUST:
            for key in ("Resource", "NotResource"):
                if has_element(st, key):
                    yield make(
                        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                        E,
                        f"Role trust policies do not support the {key} element: the resource is the role itself. "
                        f"Remove {key}.",
                        sub_path(st, key),
                        element_pos(st, key),
                        page("id_roles_terms-and-concepts"),
                        fix=f"Remove {key}.",
                    )


# Services whose resources RCPs apply to, per the Organizations RCP pages (the list grows: a warning, not an error).
RCP_SERVICES = frozenset(
    {"s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-identity", "logs", "dynamodb"}
)


@rule("RCP_SYNTAX_ERROR_ALLOW", "RCP_SYNTAX_ERROR_NOT_ACTION", "RCP_SYNTAX_ERROR_ACTION")
def rcp_statements(ctx: LintContext) -> Iterator[Finding]:
    """RCPs: Allow only in the AWS-managed RCPFullAWSAccess (Allow * on * for *); no NotAction."""
    if ctx.policy_type is not PolicyType.RCP:
        return
    for st in ctx.policy.statements:
        if st.is_allow and not _is_rcp_full_access(st):
            yield make(
                "RCP_SYNTAX_ERROR_ALLOW",
                E,
                "RCPs support only the Deny effect (Allow is reserved for the AWS-managed RCPFullAWSAccess policy).",
                sub_path(st, "Effect"),
                element_pos(st, "Effect"),
                RCP_SYNTAX_PAGE,
                fix='Use "Effect": "Deny" with a condition that names what to deny.',
            )
        if has_element(st, "NotAction"):
            yield make(
                "RCP_SYNTAX_ERROR_NOT_ACTION",
                E,
                "RCPs do not support the NotAction element. Use Action instead.",
                sub_path(st, "NotAction"),
                element_pos(st, "NotAction"),
                RCP_SYNTAX_PAGE,
            )
        for a in st.action or ():
            service = a.value.split(":", 1)[0].lower() if ":" in a.value else None
            if a.value == "*" or service is None or service in RCP_SERVICES:
                continue
            yield make(
                "RCP_SYNTAX_ERROR_ACTION",
                W,
                f"The action {a.value!r} is for the service {service!r}, which RCPs may not support: RCPs apply "
                f"to {', '.join(sorted(RCP_SERVICES))} (check the RCP page for the current list).",
                a.path,
                a.pos,
                RCP_SYNTAX_PAGE,
            )


def _is_rcp_full_access(st: Statement) -> bool:
    return (
        st.principal is not None
        and st.principal.wildcard
        and tuple(a.value for a in st.action or ()) == ("*",)
        and tuple(r.value for r in st.resource or ()) == ("*",)
        and not st.has_condition
    )


_PAIRS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))


@rule("UNSUPPORTED_ELEMENT_COMBINATION")
def element_combinations(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        for a, b in _PAIRS:
            if has_element(st, a) and has_element(st, b):
                yield make(
                    "UNSUPPORTED_ELEMENT_COMBINATION",
                    E,
                    f"The policy elements {a} and {b} can not be used in the same statement. Remove one of these "
                    "elements.",
                    sub_path(st, b),
                    element_pos(st, b),
                    check_link(E, "Unsupported element combination"),
                )


# --- Sid ----------------------------------------------------------------------------------------------------------

_SID_IAM = re.compile(r"^[A-Za-z0-9]+$")
_SID_STRICT_TYPES = IAM_POLICY_TYPES | {PolicyType.TRUST, PolicyType.SCP, PolicyType.RCP}
"""IAM and Organizations policies: Sid is [A-Za-z0-9] and unique. Services' resource policies (SQS, SNS ...) allow
more characters, and only recommend unique Sids (Access Analyzer: UNIQUE_SIDS_RECOMMENDED)."""


@rule("UNIQUE_SIDS_REQUIRED", "UNIQUE_SIDS_RECOMMENDED", "UNSUPPORTED_SID", "EMPTY_SID_VALUE")
def sids(ctx: LintContext) -> Iterator[Finding]:
    strict = ctx.policy_type in _SID_STRICT_TYPES
    seen: dict[str, Statement] = {}
    for st in ctx.policy.statements:
        sid = st.sid
        if sid is None:
            continue
        pos, node = member(st, "Sid")
        where = node.pos if node is not None else pos
        path = sub_path(st, "Sid")
        if sid == "":
            yield make(
                "EMPTY_SID_VALUE",
                S,
                "Empty Sid value: add a value to the empty string in the Sid element, or remove the element.",
                path,
                where,
                check_link(S, "Empty Sid value"),
            )
            continue
        if strict and not _SID_IAM.match(sid):
            yield make(
                "UNSUPPORTED_SID",
                E,
                f"The Sid {sid!r} has unsupported characters: use only [a-z, A-Z, 0-9].",
                path,
                where,
                check_link(E, "Unsupported Sid"),
                fix=f'Use "Sid": "{re.sub(r"[^A-Za-z0-9]", "", sid) or "Statement1"}".',
            )
        if sid in seen:
            first = seen[sid]
            if strict:
                yield make(
                    "UNIQUE_SIDS_REQUIRED",
                    E,
                    f"Duplicate statement ID {sid!r} (also {first.path}): statement IDs must be unique for this "
                    "policy type. Update the Sid value.",
                    path,
                    where,
                    check_link(E, "Unique Sids required"),
                )
            else:
                yield make(
                    "UNIQUE_SIDS_RECOMMENDED",
                    W,
                    f"Duplicate statement ID {sid!r} (also {first.path}): use statement IDs that are unique to "
                    "your policy.",
                    path,
                    where,
                    check_link(W, "Unique Sids recommended"),
                )
        else:
            seen[sid] = st


# --- Principal values -------------------------------------------------------------------------------------------

_PARTITION = r"aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?"
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_AWS_PRINCIPAL_ARN = re.compile(
    rf"^arn:{_PARTITION}:(?:"
    r"iam::[^:/]+:(?:root|user/.+|role/.+)"
    r"|sts::[^:/]+:(?:assumed-role/[^/]+/.+|federated-user/.+)"
    r")$"
)
_GROUP_ARN = re.compile(rf"^arn:{_PARTITION}:iam::[^:]*:group/")
_DNS_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_FEDERATED_ARN = re.compile(rf"^arn:{_PARTITION}:iam::\d{{12}}:(?:saml-provider|oidc-provider)/.+$")
_CANONICAL_USER = re.compile(r"^[0-9a-fA-F]{64}$")
# Unique IDs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
_USER_ID = re.compile(r"^AIDA[A-Z0-9]{12,}$")
_ROLE_ID = re.compile(r"^AROA[A-Z0-9]{12,}$")
PRINCIPAL_PAGE = ELEMENT_PAGES["Principal"]


@rule(
    "INVALID_PRINCIPAL_KEY",
    "INVALID_PRINCIPAL_FORMAT",
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
    "INVALID_SERVICE_PRINCIPAL_FORMAT",
    "INVALID_USER_REFERENCE",
    "INVALID_ROLE_REFERENCE",
)
def principal_values(ctx: LintContext) -> Iterator[Finding]:
    """The forms the Principal element accepts (AWS JSON policy elements: Principal)."""
    for st in ctx.policy.statements:
        for key in ("Principal", "NotPrincipal"):
            _, node = member(st, key)
            if node is None or node.kind != "object":
                continue
            for m in node.members:
                if m.key not in PRINCIPAL_KINDS:
                    yield make(
                        "INVALID_PRINCIPAL_KEY",
                        E,
                        f"The principal key {m.key!r} is not valid. Use AWS, Service, Federated or CanonicalUser "
                        "(case-sensitive).",
                        f"{st.path}.{key}.{m.key}",
                        m.key_pos,
                        check_link(E, "Invalid principal key"),
                        fix=_key_hint(m.key),
                    )
        for block in (st.principal, st.not_principal):
            if block is None:
                continue
            for entry in block.entries:
                if entry.kind in PRINCIPAL_KINDS:
                    yield from _principal_value(entry.kind, entry.value, entry.path, entry.pos)


def _key_hint(key: str) -> str | None:
    match = next((k for k in PRINCIPAL_KINDS if k.lower() == key.lower()), None)
    return f"Use {match!r}." if match else None


def _principal_value(kind: str, value: str, path: str, where: Position | None) -> Iterator[Finding]:
    if kind == "AWS" and value == "*":
        return
    if "*" in value or "?" in value:
        yield make(
            "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            E,
            f"Wildcards (*, ?) are not supported with the principal key {kind} (value {value!r}). Name the "
            'principal, or use "*" alone for everyone with a condition such as aws:PrincipalArn.',
            path,
            where,
            check_link(E, "Unsupported wildcard in principal"),
            fix=(
                'Use {"AWS": "*"} with a condition, or name an account, user or role ARN.'
                if kind == "AWS"
                else "Replace the wildcard with a valid principal value."
            ),
        )
        return
    if kind == "AWS":
        if _ACCOUNT_ID.match(value) or _AWS_PRINCIPAL_ARN.match(value):
            return
        if _USER_ID.match(value):
            yield make(
                "INVALID_USER_REFERENCE",
                W,
                f"The Principal element includes the IAM user ID {value!r}. Use a user ARN instead.",
                path,
                where,
                check_link(W, "Invalid user reference"),
            )
            return
        if _ROLE_ID.match(value):
            yield make(
                "INVALID_ROLE_REFERENCE",
                W,
                f"The Principal element includes the IAM role ID {value!r}. Use a role ARN instead.",
                path,
                where,
                check_link(W, "Invalid role reference"),
            )
            return
        reason = (
            "IAM groups cannot be principals"
            if _GROUP_ARN.match(value)
            else "expected an account ID, an account/user/role ARN, an assumed-role or federated-user session ARN, "
            'or "*"'
        )
        yield make(
            "INVALID_PRINCIPAL_FORMAT",
            E,
            f"The AWS principal {value!r} is not valid: {reason}.",
            path,
            where,
            check_link(E, "Invalid principal format"),
        )
    elif kind == "Service":
        if not _DNS_NAME.match(value):
            yield make(
                "INVALID_SERVICE_PRINCIPAL_FORMAT",
                E,
                f"The service principal {value!r} is not valid: use the service's DNS name, such as "
                '"ec2.amazonaws.com".',
                path,
                where,
                check_link(E, "Invalid service principal format"),
            )
    elif kind == "Federated":
        if not (_FEDERATED_ARN.match(value) or _DNS_NAME.match(value)):
            yield make(
                "INVALID_PRINCIPAL_FORMAT",
                E,
                f"The federated principal {value!r} is not valid: use a SAML or OIDC provider ARN, or an identity "
                'provider such as "cognito-identity.amazonaws.com".',
                path,
                where,
                check_link(E, "Invalid principal format"),
            )
    elif kind == "CanonicalUser" and not _CANONICAL_USER.match(value):
        yield make(
            "INVALID_PRINCIPAL_FORMAT",
            E,
            f"The canonical user ID {value!r} is not valid: it is 64 hexadecimal characters.",
            path,
            where,
            check_link(E, "Invalid principal format"),
        )


# --- Size quotas ------------------------------------------------------------------------------------------------

IDENTITY_QUOTA = 6144  # managed policy; inline: user 2,048, group 5,120, role 10,240 (aggregate per identity)
TRUST_QUOTA = 2048  # default "Role trust policy length" (adjustable)
SESSION_QUOTA = 2048  # "The plaintext that you use for both inline and managed session policies"
ORGS_QUOTA = 5120  # SCP and RCP maximum size; Organizations counts every character, white space included
ENDPOINT_QUOTA = 20480  # VPC endpoint policy


@rule(
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
    "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA",
    "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
    "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
    "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
    "POLICY_SIZE_EXCEEDS_ENDPOINT_POLICY_QUOTA",
)
def size(ctx: LintContext) -> Iterator[Finding]:
    t, policy = ctx.policy_type, ctx.policy
    n = policy.size  # characters without white space, as IAM counts them
    raw = ctx.text_chars if isinstance(ctx, SourceContext) and ctx.text_chars is not None else n
    if t in (PolicyType.IDENTITY, PolicyType.BOUNDARY) and n > IDENTITY_QUOTA:
        yield make(
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            W,
            f"The {n} characters in the identity policy, excluding whitespace, exceed the {IDENTITY_QUOTA} "
            "character maximum for managed policies (inline policies: 2,048 per user, 5,120 per group, 10,240 per "
            "role, in total). Use multiple granular policies.",
            "",
            policy.pos,
            check_link(W, "Policy size exceeds identity policy quota"),
        )
    elif t is PolicyType.TRUST and n > TRUST_QUOTA:
        yield make(
            "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA",
            W,
            f"The {n} characters in the role trust policy, excluding whitespace, exceed the default quota of "
            f"{TRUST_QUOTA} (\"Role trust policy length\", which you can ask to raise).",
            "",
            policy.pos,
            QUOTAS_PAGE,
        )
    elif t is PolicyType.SESSION and n > SESSION_QUOTA:
        yield make(
            "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
            E,
            f"The {n} characters in the session policy, excluding whitespace, exceed the {SESSION_QUOTA} character "
            "maximum for session policies.",
            "",
            policy.pos,
            QUOTAS_PAGE,
        )
    elif t in (PolicyType.SCP, PolicyType.RCP) and raw > ORGS_QUOTA:
        label = t.value.upper()
        yield make(
            f"POLICY_SIZE_EXCEEDS_{label}_QUOTA",
            E,
            f"The {raw} characters in the {label} exceed the {ORGS_QUOTA} character maximum for {label}s "
            "(Organizations counts every character, white space included). Minify it or use multiple policies.",
            "",
            policy.pos,
            check_link(E, "Policy size exceeds SCP quota") if t is PolicyType.SCP else ORGS_QUOTAS_PAGE,
        )
    elif t is PolicyType.ENDPOINT and raw > ENDPOINT_QUOTA:
        yield make(
            "POLICY_SIZE_EXCEEDS_ENDPOINT_POLICY_QUOTA",
            W,
            f"The {raw} characters in the VPC endpoint policy exceed the {ENDPOINT_QUOTA} character maximum.",
            "",
            policy.pos,
            "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html",
        )
