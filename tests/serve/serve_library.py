"""The library's answer for an Access Analyzer request, and the server's answer in the same terms, so that the
tests (and benchmarks/bench_serve.py) can say "the server answered what parc answers" for every request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES = json.loads((Path(__file__).parent / "analyzer_cases.json").read_text())
CHECK_TYPES = {"IDENTITY_POLICY": "identity", "RESOURCE_POLICY": "resource"}
VALIDATE_TYPES = {"IDENTITY_POLICY": "identity", "RESOURCE_POLICY": "resource", "SERVICE_CONTROL_POLICY": "scp",
                  "RESOURCE_CONTROL_POLICY": "rcp"}


def path_text(elements: list[dict[str, Any]]) -> str:
    out = ""
    for e in elements:
        if "index" in e:
            out += f"[{e['index']}]"
        else:
            out += ("." if out else "") + str(e.get("value", e.get("key")))
    return out


def library_answer(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    import parc

    if operation == "ValidatePolicy":
        ptype = VALIDATE_TYPES[params["policyType"]]
        if params.get("validatePolicyResourceType") == "AWS::IAM::AssumeRolePolicyDocument":
            ptype = "trust"
        result = parc.validate(params["policyDocument"], ptype)
        return {"findings": [(f.code, f.finding_type.value, f.message, f.path) for f in result.findings]}
    if operation == "CheckNoNewAccess":
        r = parc.check_no_new_access(params["existingPolicyDocument"], params["newPolicyDocument"],
                                     policy_type=CHECK_TYPES[params["policyType"]])
    elif operation == "CheckAccessNotGranted":
        access = params["access"][0]
        actions = access.get("actions") or ["*"]
        resources = access.get("resources") or []
        if params["policyType"] == "IDENTITY_POLICY":
            r = parc.check_access_not_granted(params["policyDocument"], actions, resources=resources)
        else:
            from parc.server.analyzer import not_granted_as_resource_check

            r = not_granted_as_resource_check(params["policyDocument"], actions, resources)
    elif operation == "CheckNoPublicAccess":
        from parc.server.analyzer import zone_of_trust

        accounts, org = zone_of_trust(params["policyDocument"])
        r = parc.check_no_public_access(params["policyDocument"], accounts=accounts, org=org,
                                        resource_type=params["resourceType"])
    else:
        raise ValueError(operation)
    indexes = sorted({c.statement["index"] for c in r.counterexamples if c.statement is not None})
    return {"result": r.result, "statementIndexes": indexes if r.result == "FAIL" else []}


def server_answer(operation: str, response: dict[str, Any]) -> dict[str, Any]:
    if operation == "ValidatePolicy":
        return {"findings": [(f["issueCode"], f["findingType"], f["findingDetails"],
                              path_text(f["locations"][0]["path"]) if f["locations"] else "")
                             for f in response["findings"]]}
    indexes = sorted({r["statementIndex"] for r in response.get("reasons", []) if "statementIndex" in r})
    return {"result": response["result"], "statementIndexes": indexes}


def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """One boto3 call by operation name (all ValidatePolicy pages)."""
    import botocore

    name = botocore.xform_name(operation)
    if operation == "ValidatePolicy":
        pages = client.get_paginator(name).paginate(**params)
        return {"findings": [f for page in pages for f in page["findings"]]}
    result: dict[str, Any] = getattr(client, name)(**params)
    return result
