"""Will IAM accept the document? A verdict separate from Access Analyzer's finding types (issue 11, section 5).

Access Analyzer's levels say how bad a problem is; an ERROR there means "a part of the policy is not functional",
not that AWS refuses the document. Users also need to know whether the API that stores the policy (IAM's
CreatePolicy, PutRolePolicy, CreateRole, UpdateAssumeRolePolicy ..., or STS for a session policy) will refuse it at
deploy time with ``MalformedPolicyDocument`` (or ``LimitExceeded`` for the size quotas). This module marks the
findings that mean exactly that, from AWS's documented rules and the error messages IAM returns; every other finding
leaves the document deployable, whatever its level.

Decisions the documentation leaves open (stated in the README's "Validating policies"):

- A missing ``Version``, or ``"2008-10-17"``, is accepted: "If you do not include a Version element, the value
  defaults to 2008-10-17" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html);
  nothing there says IAM refuses it for managed policies. Variables in such a policy are literal text, which
  VARIABLE_UNSUPPORTED_IN_VERSION reports in every mode; the document still deploys.
- An empty ``Action`` or ``Resource`` array is refused like a missing one: IAM's message is "Policy statement must
  contain actions." / "... resources.".
- A Region in an ARN whose resource type has none is refused for S3 and IAM ARNs, the services whose ARNs IAM checks
  ("Resource arn:aws:s3:us-west-2:...:bucket/x can not contain region information", "IAM resource ... cannot contain
  region information"); for other services such an ARN is accepted and matches nothing.
- A malformed date in a date condition (TYPE_MISMATCH_DATE) is refused, as issue 11 states; the page says only that
  the date operators take ISO 8601 dates or epoch seconds:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date).

Only the policy types IAM (or STS) stores are judged; a resource-based policy, an SCP, an RCP or an endpoint policy
is accepted or refused by the service that stores it, so its verdict is None ("not judged").
"""

from __future__ import annotations

from dataclasses import replace

from parc.core.findings import Finding
from parc.core.policy.model import PolicyType

__all__ = ["IAM_TYPES", "iam_reason", "mark"]

IAM_TYPES = frozenset({PolicyType.IDENTITY, PolicyType.BOUNDARY, PolicyType.SESSION, PolicyType.TRUST})
"""Policies stored through IAM's API (or passed to STS): the ones this verdict is about."""

_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
_REJECTS: dict[str, str] = {
    "JSON_SYNTAX_ERROR": "IAM rejects JSON syntax errors (" + _DOCS + "reference_policies_grammar.html).",
    "INVALID_POLICY_FORMAT": "The document is not a policy object (" + _DOCS + "reference_policies_grammar.html).",
    "INVALID_POLICY_ELEMENT": "IAM rejects elements its grammar does not have (\"Syntax errors in policy.\").",
    "DATA_TYPE_MISMATCH": "IAM rejects an element of the wrong JSON type (\"Syntax errors in policy.\").",
    "INVALID_VERSION": "IAM supports only the Version values 2012-10-17 and 2008-10-17 ("
    + _DOCS
    + "reference_policies_elements_version.html).",
    "MISSING_STATEMENT": "The Statement element is required (" + _DOCS + "reference_policies_elements_statement.html).",
    "MISSING_EFFECT": "The Effect element is required (" + _DOCS + "reference_policies_elements_effect.html).",
    "INVALID_EFFECT": "Effect is Allow or Deny (" + _DOCS + "reference_policies_elements_effect.html).",
    "MISSING_ACTION": "IAM: \"Policy statement must contain actions.\"",
    "EMPTY_ARRAY_ACTION": "IAM: \"Policy statement must contain actions.\"",
    "MISSING_RESOURCE": "IAM: \"Policy statement must contain resources.\"",
    "EMPTY_ARRAY_RESOURCE": "IAM: \"Policy statement must contain resources.\"",
    "UNSUPPORTED_ELEMENT_COMBINATION": "A statement has Action or NotAction, Resource or NotResource, not both ("
    + _DOCS
    + "reference_policies_grammar.html).",
    "UNSUPPORTED_PRINCIPAL": "An identity-based policy cannot have a Principal element ("
    + _DOCS
    + "reference_policies_elements_principal.html).",
    "MISSING_PRINCIPAL": "A role trust policy names its principals ("
    + _DOCS
    + "reference_policies_elements_principal.html).",
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE": "IAM: \"Has prohibited field Resource\" in a role trust policy.",
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL": "A role trust policy cannot use NotPrincipal ("
    + _DOCS
    + "reference_policies_elements_notprincipal.html).",
    "UNSUPPORTED_SID": "IAM: \"Statement IDs (SID) must be alpha-numeric.\"",
    "UNIQUE_SIDS_REQUIRED": "IAM: \"Statement IDs (SID) in a single policy must be unique.\"",
    "INVALID_ARN_PREFIX": "IAM: \"Resource ... must be in ARN format or \\\"*\\\".\"",
    "TYPE_MISMATCH_DATE": "Date conditions take ISO 8601 dates or epoch seconds ("
    + _DOCS
    + "reference_policies_elements_condition_operators.html#Conditions_Date).",
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA": "IAM refuses a policy over its size quota (LimitExceeded; "
    + _DOCS
    + "reference_iam-quotas.html).",
    "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA": "IAM refuses a trust policy over its size quota (LimitExceeded; "
    + _DOCS
    + "reference_iam-quotas.html).",
    "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA": "STS refuses a session policy over its size quota ("
    + _DOCS
    + "reference_iam-quotas.html).",
}
_REGION_CHECKED = frozenset({"s3", "iam"})
"""Services whose ARNs IAM itself checks for a Region ("... can not contain region information")."""


def iam_reason(f: Finding, policy_type: PolicyType) -> str | None:
    """Why IAM's API would refuse a document with this finding, or None when the finding does not stop a deploy."""
    if policy_type not in IAM_TYPES:
        return None
    if f.code == "ARN_REGION_NOT_ALLOWED":
        service = f.details.get("service", "")
        if service.lower() in _REGION_CHECKED:
            return f"IAM: \"Resource ... can not contain region information\" ({service} ARNs have no Region)."
        return None
    return _REJECTS.get(f.code)


def mark(findings: tuple[Finding, ...], policy_type: PolicyType) -> tuple[Finding, ...]:
    """The findings with ``iam_rejects`` set on those that make IAM's API refuse the document."""
    if policy_type not in IAM_TYPES:
        return findings
    out: list[Finding] = []
    for f in findings:
        reason = iam_reason(f, policy_type)
        out.append(replace(f, iam_rejects=reason) if reason is not None else f)
    return tuple(out)
