"""The optional resource files of a snapshot: resource policies, and the compute resources that run with a role.

``resource-policies.json``: ``[{"arn": ARN, "policy": POLICY}, ...]`` where POLICY is an object, or the JSON string
the AWS CLI prints for ``get-bucket-policy``, ``get-key-policy`` and the like (URL-encoded also works).

``lambda-functions.json``: the output of ``aws lambda list-functions`` (``{"Functions": [{"FunctionArn", "Role"}]}``).
``glue-dev-endpoints.json``: the output of ``aws glue get-dev-endpoints`` (``{"DevEndpoints": [{"EndpointName",
"RoleArn"}]}``, with an optional top-level ``"Region"`` to build the endpoints' ARNs).
"""

from __future__ import annotations

from pathlib import Path

from parc.core.account.arns import split_arn
from parc.core.account.model import ComputeResource, ResourcePolicy
from parc.core.findings import Finding
from parc.core.policy.model import PolicyType
from parc.loaders.account.jsonfile import load_error, read_json
from parc.loaders.account.policydoc import Unusable, read_policy

RESOURCE_POLICIES = "resource-policies.json"
LAMBDA_FUNCTIONS = "lambda-functions.json"
GLUE_DEV_ENDPOINTS = "glue-dev-endpoints.json"


def load_resource_policies(file: Path) -> tuple[list[ResourcePolicy], list[Finding]]:
    data, err = read_json(file)
    if err is not None:
        return [], [err]
    prefix = ""
    if isinstance(data, dict) and isinstance(data.get("ResourcePolicies"), list):
        data, prefix = data["ResourcePolicies"], "ResourcePolicies"
    if not isinstance(data, list):
        why = f"{file.name} must be a list of {{\"arn\", \"policy\"}}"
        return [], [load_error("ACCOUNT_FILE_UNREADABLE", why, file)]
    out: list[ResourcePolicy] = []
    findings: list[Finding] = []
    for i, entry in enumerate(data):
        path = f"{prefix}[{i}]"
        arn = entry.get("arn", entry.get("Arn")) if isinstance(entry, dict) else None
        raw = entry.get("policy", entry.get("Policy")) if isinstance(entry, dict) else None
        if not isinstance(arn, str) or not arn or raw is None:
            findings.append(load_error("ACCOUNT_BAD_ENTRY", "An entry needs an \"arn\" and a \"policy\"", file, path))
            continue
        if not isinstance(raw, (str, dict)):
            why = f"{arn}: the policy must be an object or a string"
            findings.append(load_error("ACCOUNT_POLICY_INVALID", why, file, path))
            continue
        if split_arn(arn) is None and arn != "*":
            why = f"{arn[:200]!r} is not an ARN; the resource policy is ignored"
            findings.append(load_error("ACCOUNT_BAD_ENTRY", why, file, f"{path}.arn"))
            continue
        policy = read_policy(raw, PolicyType.RESOURCE, arn)
        if isinstance(policy, Unusable):
            findings.append(
                load_error(
                    "ACCOUNT_POLICY_INVALID",
                    f"{arn}: {policy.why}{policy.where()}; the resource policy is ignored",
                    file,
                    f"{path}.policy" + (f".{policy.path}" if policy.path else ""),
                )
            )
            continue
        out.append(ResourcePolicy(arn, policy))
    return out, findings


def load_compute(folder: Path, account_id: str) -> tuple[list[ComputeResource], list[Finding]]:
    out: list[ComputeResource] = []
    findings: list[Finding] = []
    file = folder / LAMBDA_FUNCTIONS
    if file.is_file():
        data, err = read_json(file)
        if err is not None:
            findings.append(err)
        else:
            fns = data.get("Functions") if isinstance(data, dict) else data
            for i, fn in enumerate(fns if isinstance(fns, list) else []):
                if isinstance(fn, dict) and _is_arn(fn.get("FunctionArn")) and _is_arn(fn.get("Role")):
                    out.append(ComputeResource(fn["FunctionArn"], "lambda-function", fn["Role"]))
                else:
                    findings.append(
                        load_error(
                            "ACCOUNT_BAD_ENTRY", "A function needs a FunctionArn and a Role (ARNs); it is skipped",
                            file, f"Functions[{i}]"
                        )
                    )
    file = folder / GLUE_DEV_ENDPOINTS
    if file.is_file():
        data, err = read_json(file)
        if err is not None:
            findings.append(err)
        else:
            region = data.get("Region") if isinstance(data, dict) else None
            if not isinstance(region, str) or not region or ":" in region:
                region = "*"
            eps = data.get("DevEndpoints") if isinstance(data, dict) else data
            for i, ep in enumerate(eps if isinstance(eps, list) else []):
                ok = isinstance(ep, dict) and isinstance(ep.get("EndpointName"), str) and bool(ep.get("EndpointName"))
                if ok and isinstance(ep, dict) and _is_arn(ep.get("RoleArn")):
                    arn = f"arn:aws:glue:{region}:{account_id}:devEndpoint/{ep['EndpointName']}"
                    out.append(ComputeResource(arn, "glue-dev-endpoint", ep["RoleArn"]))
                else:
                    findings.append(
                        load_error(
                            "ACCOUNT_BAD_ENTRY", "A dev endpoint needs an EndpointName and a RoleArn; it is skipped",
                            file,
                            f"DevEndpoints[{i}]",
                        )
                    )
    return out, findings


def _is_arn(value: object) -> bool:
    return isinstance(value, str) and split_arn(value) is not None
