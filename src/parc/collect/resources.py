"""Resource policies and the resources behind them, per region: KMS keys (policy, metadata, rotation, aliases), SQS
queues, SNS topics, Secrets Manager secrets (policy, rotation), Lambda functions (policy, and the roles they run
as), ECR repositories, EFS file systems, Glue development endpoints.

Every policy found goes to ``resource-policies.json`` (``[{"arn", "policy"}]``, the policy as the JSON string the
API returns); the raw outputs go to ``SERVICE/REGION/``: a list call's output as it is (``list-secrets.json``), a
per-resource call's outputs as one map from the resource's id to the output (``get-key-rotation-status.json``:
``{"KEY-ID": {...}}``). Lambda's functions and Glue's endpoints also go to ``lambda-functions.json`` and
``glue-dev-endpoints.json``, which the account loader reads (who runs as which role).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.calls import Call
from parc.collect.runner import Account, Task

RESOURCE_POLICIES = "resource-policies.json"
LAMBDA_FUNCTIONS = "lambda-functions.json"
GLUE_DEV_ENDPOINTS = "glue-dev-endpoints.json"


def _policy(acct: Account, arn: object, policy: object) -> None:
    if isinstance(arn, str) and arn and isinstance(policy, (str, dict)) and policy:
        acct.add("resource-policies", [{"arn": arn, "policy": policy}])


def _per_resource(acct: Account, region: str, spec: Call, ids: list[str], params: Callable[[str], dict[str, Any]],
                  found: Callable[[str, dict[str, Any]], None] | None = None) -> None:
    """One ``spec`` call per resource; the outputs, keyed by resource id, in ``SERVICE/REGION/CALL.json``."""
    out: dict[str, Any] = {}
    for rid in ids:
        data = acct.call(spec, region, rid, **params(rid))
        if data is None:
            continue
        out[rid] = data
        if found is not None:
            found(rid, data)
    acct.write(f"{spec.service}/{region}/{spec.file}", out)


def _list(acct: Account, region: str, spec: Call, **params: Any) -> dict[str, Any] | None:
    data = acct.call(spec, region, region, **params)
    if data is not None:
        acct.write(f"{spec.service}/{region}/{spec.file}", data)
    return data


def kms(acct: Account, region: str) -> list[Task]:
    _list(acct, region, C.LIST_ALIASES)
    data = _list(acct, region, C.LIST_KEYS)
    if data is None:
        return []
    keys = {str(k["KeyId"]): str(k.get("KeyArn", "")) for k in data.get("Keys", []) if isinstance(k, dict)}
    ids = sorted(keys)

    def policy(kid: str, out: dict[str, Any]) -> None:
        _policy(acct, keys[kid] or f"arn:{acct.partition}:kms:{region}:{acct.account_id}:key/{kid}", out.get("Policy"))

    return [
        Task(f"kms {region}: key metadata", lambda: _per_resource(acct, region, C.DESCRIBE_KEY, ids,
                                                                  lambda k: {"KeyId": k})),
        Task(f"kms {region}: key policies", lambda: _per_resource(acct, region, C.GET_KEY_POLICY, ids,
                                                                  lambda k: {"KeyId": k, "PolicyName": "default"},
                                                                  policy)),
        Task(f"kms {region}: key rotation", lambda: _per_resource(acct, region, C.GET_KEY_ROTATION_STATUS, ids,
                                                                  lambda k: {"KeyId": k})),
    ]


def sqs(acct: Account, region: str) -> None:
    data = _list(acct, region, C.LIST_QUEUES)
    if data is None:
        return
    urls = [str(u) for u in data.get("QueueUrls", [])]

    def found(_: str, out: dict[str, Any]) -> None:
        attrs = out.get("Attributes", {})
        _policy(acct, attrs.get("QueueArn"), attrs.get("Policy"))

    _per_resource(acct, region, C.GET_QUEUE_ATTRIBUTES, urls, lambda u: {"QueueUrl": u, "AttributeNames": ["All"]},
                  found)


def sns(acct: Account, region: str) -> None:
    data = _list(acct, region, C.LIST_TOPICS)
    if data is None:
        return
    arns = [str(t["TopicArn"]) for t in data.get("Topics", []) if isinstance(t, dict) and "TopicArn" in t]

    def found(arn: str, out: dict[str, Any]) -> None:
        _policy(acct, arn, out.get("Attributes", {}).get("Policy"))

    _per_resource(acct, region, C.GET_TOPIC_ATTRIBUTES, arns, lambda a: {"TopicArn": a}, found)


def secrets(acct: Account, region: str) -> None:
    data = _list(acct, region, C.LIST_SECRETS)
    if data is None:
        return
    arns = [str(s["ARN"]) for s in data.get("SecretList", []) if isinstance(s, dict) and "ARN" in s]

    def found(arn: str, out: dict[str, Any]) -> None:
        _policy(acct, arn, out.get("ResourcePolicy"))

    _per_resource(acct, region, C.GET_SECRET_POLICY, arns, lambda a: {"SecretId": a}, found)


def functions(acct: Account, region: str) -> None:
    data = _list(acct, region, C.LIST_FUNCTIONS)
    if data is None:
        return
    fns = [f for f in data.get("Functions", []) if isinstance(f, dict) and "FunctionArn" in f]
    acct.add("lambda-functions", fns)
    acct.add("lambda-ok", [region])

    def found(arn: str, out: dict[str, Any]) -> None:
        _policy(acct, arn, out.get("Policy"))

    _per_resource(acct, region, C.GET_FUNCTION_POLICY, [str(f["FunctionArn"]) for f in fns],
                  lambda a: {"FunctionName": a}, found)


def repositories(acct: Account, region: str) -> None:
    data = _list(acct, region, C.DESCRIBE_REPOSITORIES)
    if data is None:
        return
    repos = {str(r["repositoryName"]): str(r.get("repositoryArn", "")) for r in data.get("repositories", [])
             if isinstance(r, dict) and "repositoryName" in r}

    def found(name: str, out: dict[str, Any]) -> None:
        _policy(acct, out.get("repositoryArn") or repos[name], out.get("policyText"))

    _per_resource(acct, region, C.GET_REPOSITORY_POLICY, sorted(repos), lambda n: {"repositoryName": n}, found)


def file_systems(acct: Account, region: str) -> None:
    data = _list(acct, region, C.DESCRIBE_FILE_SYSTEMS)
    if data is None:
        return
    arns = {str(f["FileSystemId"]): str(f.get("FileSystemArn", "")) for f in data.get("FileSystems", [])
            if isinstance(f, dict) and "FileSystemId" in f}

    def found(fid: str, out: dict[str, Any]) -> None:
        _policy(acct, arns[fid], out.get("Policy"))

    _per_resource(acct, region, C.DESCRIBE_FILE_SYSTEM_POLICY, sorted(arns), lambda f: {"FileSystemId": f}, found)


def dev_endpoints(acct: Account, region: str) -> None:
    data = _list(acct, region, C.GET_DEV_ENDPOINTS)
    if data is None:
        return
    acct.add("glue-ok", [region])
    acct.add("glue-dev-endpoints", [{**e, "Region": region} for e in data.get("DevEndpoints", [])
                                    if isinstance(e, dict)])


AREA_TASKS: dict[str, Callable[[Account, str], list[Task] | None]] = {
    "kms": kms, "sqs": sqs, "sns": sns, "secretsmanager": secrets, "lambda": functions, "ecr": repositories,
    "efs": file_systems, "glue": dev_endpoints,
}


def tasks(acct: Account, region: str, areas: frozenset[str]) -> list[Task]:
    return [Task(f"{area} {region}", partial(fn, acct, region)) for area, fn in AREA_TASKS.items()
            if area in areas]


def finish(acct: Account, areas: frozenset[str]) -> None:
    """The files several regions and services add to. ``resource-policies.json`` is written when any resource area
    was collected (an absent file tells the audit that resource policies were not checked)."""
    if areas & {"s3", *AREA_TASKS}:
        policies = sorted(acct.shared.get("resource-policies", []), key=lambda p: str(p["arn"]))
        acct.write(RESOURCE_POLICIES, policies)
    if acct.shared.get("lambda-ok"):
        fns = sorted(acct.shared.get("lambda-functions", []), key=lambda f: str(f["FunctionArn"]))
        acct.write(LAMBDA_FUNCTIONS, {"Functions": fns})
    regions = sorted(set(acct.shared.get("glue-ok", [])))
    if regions:
        endpoints = acct.shared.get("glue-dev-endpoints", [])
        out: dict[str, Any] = {"DevEndpoints": endpoints}
        if len(regions) == 1:
            out["Region"] = regions[0]  # the loader builds the endpoints' ARNs with it
        acct.write(GLUE_DEV_ENDPOINTS, out)
