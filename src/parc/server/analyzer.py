"""Access Analyzer's policy operations (REST-JSON) answered by parc's validator and reasoning API.

Each handler takes the raw body and query string and the server state, and returns the output members as AWS's
model shapes them (botocore parses them back in the tests). AWS's API reference is the specification:
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html,
.../API_CheckNoNewAccess.html, .../API_CheckAccessNotGranted.html, .../API_CheckNoPublicAccess.html.

Where parc cannot prove a check either way (the reasoning API's UNKNOWN), the answer is Access Analyzer's
UnprocessableEntityException (422) with parc's reason: never a PASS it could not prove, nor a FAIL it did not find.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parc.server.analyzer_input import read_input, require_text
from parc.server.analyzer_locations import Locator
from parc.server.errors import ApiError, validation
from parc.server.state import ServerState

Handler = Callable[[bytes, Mapping[str, str], ServerState], dict[str, Any]]

CHECKS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

VALIDATE_TYPES = {
    "IDENTITY_POLICY": "identity",
    "RESOURCE_POLICY": "resource",
    "SERVICE_CONTROL_POLICY": "scp",
    "RESOURCE_CONTROL_POLICY": "rcp",
}
"""ValidatePolicy's policyType to parc's policy types (a role's trust policy is RESOURCE_POLICY with
validatePolicyResourceType AWS::IAM::AssumeRolePolicyDocument)."""

CHECK_TYPES = {"IDENTITY_POLICY": "identity", "RESOURCE_POLICY": "resource"}

TRUST_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"


@dataclass(frozen=True)
class Operation:
    name: str
    handle: Handler


# -- ValidatePolicy -----------------------------------------------------------------------------------------------


def _page_token(offset: int, digest: str) -> str:
    raw = json.dumps({"o": offset, "d": digest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_offset(token: str, digest: str) -> int:
    """A token is only good for the request it came from (same document, type and resource type)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, where = data["o"], data["d"]
    except (ValueError, TypeError, KeyError):
        raise validation("nextToken is not a token this server gave", field="nextToken") from None
    if where != digest or not isinstance(offset, int) or offset < 0:
        raise validation("nextToken belongs to another request", field="nextToken")
    return offset


def aws_finding(finding: Any, locator: Locator) -> dict[str, Any]:
    return {
        "findingDetails": finding.message,
        "findingType": finding.finding_type.value,
        "issueCode": finding.code,
        "learnMoreLink": finding.learn_more or CHECKS_PAGE,
        "locations": locator.locations(finding),
    }


def validate_policy(body: bytes, query: Mapping[str, str], state: ServerState) -> dict[str, Any]:
    import parc

    params = read_input("ValidatePolicy", body, query)
    document = require_text(params, "policyDocument")
    aws_type = params["policyType"]
    resource_type = params.get("validatePolicyResourceType")
    ptype = VALIDATE_TYPES[aws_type]
    if resource_type is not None and aws_type != "RESOURCE_POLICY":
        raise validation("validatePolicyResourceType applies only to policyType RESOURCE_POLICY",
                         field="validatePolicyResourceType")
    if resource_type == TRUST_RESOURCE_TYPE:
        ptype = "trust"
    max_results = params.get("maxResults")
    if max_results is not None and max_results < 1:
        raise validation("maxResults must be at least 1", field="maxResults")
    digest = hashlib.sha256(f"{aws_type}\0{resource_type}\0{document}".encode("utf-8", "surrogatepass")).hexdigest()
    start = _page_offset(params["nextToken"], digest[:24]) if "nextToken" in params else 0

    result = parc.validate(document, ptype)
    locator = Locator(result.text if result.text is not None else document)
    findings = result.findings
    end = len(findings) if max_results is None else min(len(findings), start + max_results)
    out: dict[str, Any] = {"findings": [aws_finding(f, locator) for f in findings[start:end]]}
    if end < len(findings):
        out["nextToken"] = _page_token(end, digest[:24])
    return out


# -- the custom policy checks -------------------------------------------------------------------------------------


def _check_answer(result: Any, what: dict[str, str], new_access: str) -> dict[str, Any]:
    """PASS / FAIL as AWS shapes them; UNKNOWN becomes UnprocessableEntityException."""
    if result.result == "PASS":
        return {"result": "PASS", "message": what["PASS"], "reasons": []}
    if result.result != "FAIL":
        raise ApiError(422, "UnprocessableEntityException",
                       f"parc could not decide this check ({result.reason}); it answers neither PASS nor FAIL "
                       "without a proof")
    reasons: list[dict[str, Any]] = []
    seen: set[tuple[int | None, str]] = set()
    for cx in result.counterexamples:
        statement = cx.statement or {}
        index = statement.get("index")
        key = (index if isinstance(index, int) else None, cx.action)
        if key in seen:
            continue
        seen.add(key)
        reason: dict[str, Any] = {
            "description": f"{new_access}: {cx.principal} can {cx.action} on {cx.resource}"
                           + (f" (statement {index})" if isinstance(index, int) else " (allowed to every caller)"),
        }
        if isinstance(index, int):
            reason["statementIndex"] = index
        sid = statement.get("sid")
        if isinstance(sid, str) and sid:
            reason["statementId"] = sid
        reasons.append(reason)
    return {"result": "FAIL", "message": what["FAIL"], "reasons": reasons}


def _library_call(fn: Callable[[], Any]) -> Any:
    """Run a reasoning call; a policy it cannot read is InvalidParameterException (400) with parc's located message.
    No lock: each check builds its formulas in a z3 context of its own (``smt.fresh_context``) and cvc5 in a term
    manager of its own, so the server's threads check concurrently."""
    from parc.cli.exitcodes import is_input_error

    try:
        return fn()
    except Exception as exc:
        if is_input_error(exc) and not isinstance(exc, OSError):
            raise ApiError(400, "InvalidParameterException", str(exc)[:2000]) from None
        raise


def check_no_new_access(body: bytes, query: Mapping[str, str], state: ServerState) -> dict[str, Any]:
    import parc

    params = read_input("CheckNoNewAccess", body, query)
    new = require_text(params, "newPolicyDocument")
    existing = require_text(params, "existingPolicyDocument")
    ptype = CHECK_TYPES[params["policyType"]]
    result = _library_call(lambda: parc.check_no_new_access(existing, new, policy_type=ptype))
    return _check_answer(result, {"PASS": "The new policy grants no access that the existing policy does not.",
                                  "FAIL": "The new policy grants access that the existing policy does not."},
                         "new access")


def _valid_actions(actions: Sequence[str]) -> None:
    for a in actions:
        service, colon, name = a.partition(":")
        if a != "*" and not (service and colon and name):
            raise validation(f"{a!r} is not an action: expected service:Action, a pattern such as s3:Get*, or *",
                             field="access.actions")


def not_granted_as_resource_check(document: str, actions: Sequence[str], resources: Sequence[str]) -> Any:
    """CheckAccessNotGranted on a resource policy, as a no-new-access question: the baseline allows every caller
    every request except ``actions`` on ``resources``; the policy adds nothing to it exactly when it grants none of
    them to anyone."""
    import parc

    baseline: list[dict[str, Any]] = [{"Effect": "Allow", "Principal": "*", "NotAction": list(actions),
                                       "Resource": "*"}]
    if resources:
        baseline.append({"Effect": "Allow", "Principal": "*", "Action": list(actions),
                         "NotResource": list(resources)})
    old = json.dumps({"Version": "2012-10-17", "Statement": baseline})
    return parc.check_no_new_access(old, document, policy_type="resource")


def check_access_not_granted(body: bytes, query: Mapping[str, str], state: ServerState) -> dict[str, Any]:
    import parc

    params = read_input("CheckAccessNotGranted", body, query)
    document = require_text(params, "policyDocument")
    ptype = CHECK_TYPES[params["policyType"]]
    access = params["access"]
    if not access:
        raise validation("access must hold one entry with actions, resources or both", field="access")
    actions = list(access[0].get("actions") or [])
    resources = list(access[0].get("resources") or [])
    if not actions and not resources:
        raise validation("access needs actions, resources or both", field="access")
    _valid_actions(actions)
    asked = actions or ["*"]
    if ptype == "identity":
        result = _library_call(lambda: parc.check_access_not_granted(document, asked, resources=resources))
    else:
        result = _library_call(lambda: not_granted_as_resource_check(document, asked, resources))
    return _check_answer(result, {"PASS": "The policy does not grant the listed access.",
                                  "FAIL": "The policy grants some of the listed access."}, "listed access")


_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:(?:iam|sts)::)?(\d{12})(?::|$)")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def zone_of_trust(document: str) -> tuple[list[str], str | None]:
    """The accounts the policy names as principals, and the organization its aws:PrincipalOrgID conditions name
    (when they name exactly one): parc's check_no_public_access takes them as its trusted accounts and
    organization. CheckNoPublicAccess asks whether the policy "can grant public access"
    (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html); a grant to a
    named principal is not public (AWS CLI's example: a bucket policy for one IAM user passes,
    https://github.com/aws/aws-cli/blob/develop/awscli/examples/accessanalyzer/check-no-public-access.rst).
    Without the zone, parc would count any account but its own as outside it, and fail those policies."""
    try:
        data = json.loads(document)
    except (ValueError, RecursionError):
        return [], None
    statements = data.get("Statement") if isinstance(data, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    accounts: list[str] = []
    orgs: set[str] = set()
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict):
            continue
        principal = st.get("Principal")
        names = _strings(principal.get("AWS")) if isinstance(principal, dict) else []
        for name in names:
            m = _ACCOUNT.match(name)
            if m and m.group(1) not in accounts:
                accounts.append(m.group(1))
        condition = st.get("Condition")
        for block in condition.values() if isinstance(condition, dict) else []:
            for key, value in block.items() if isinstance(block, dict) else []:
                if isinstance(key, str) and key.lower() == "aws:principalorgid":
                    orgs.update(_strings(value))
    return accounts, (next(iter(orgs)) if len(orgs) == 1 else None)


def check_no_public_access(body: bytes, query: Mapping[str, str], state: ServerState) -> dict[str, Any]:
    import parc

    params = read_input("CheckNoPublicAccess", body, query)
    document = require_text(params, "policyDocument")
    resource_type = params["resourceType"]
    accounts, org = zone_of_trust(document)
    result = _library_call(lambda: parc.check_no_public_access(document, accounts=accounts, org=org,
                                                               resource_type=resource_type))
    return _check_answer(result, {"PASS": "The resource policy does not grant public access.",
                                  "FAIL": "The resource policy grants public access."}, "public access")


ROUTES: dict[str, Operation] = {
    "/policy/validation": Operation("ValidatePolicy", validate_policy),
    "/policy/check-no-new-access": Operation("CheckNoNewAccess", check_no_new_access),
    "/policy/check-access-not-granted": Operation("CheckAccessNotGranted", check_access_not_granted),
    "/policy/check-no-public-access": Operation("CheckNoPublicAccess", check_no_public_access),
}
