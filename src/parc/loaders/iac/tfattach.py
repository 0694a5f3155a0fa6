"""Terraform resources that grant access in a way parc does not read as a document (policy attachments, group
memberships, and resources of types parc reads no policy from that have a policy attribute, such as
``aws_api_gateway_rest_api.policy``): ``parc diff`` compares them as added, changed or unchanged, so that a head
that attaches or opens something is never passed as adding nothing.

Read from the plan's resources (``terraform show -json``: planned_values) or from a ``.tf`` file's resource blocks
(python-hcl2's dict form: the values are compared as written, positions are not needed here).
"""

from __future__ import annotations

import json

from parc.loaders.iac.pairs import TF_ATTACHMENTS

GRANTS = ("managed_policy_arns", "permissions_boundary")
"""Attributes of a role or user that give or cap access by ARN (``aws_iam_role.managed_policy_arns``,
``permissions_boundary``): each is compared as changed or not, as ``<address>.<attribute>``."""


def _grants(address: str, values: object, out: dict[str, str]) -> None:
    if not isinstance(values, dict):
        return
    for attr in GRANTS:
        v = values.get(attr)
        if v not in (None, "", [], "null", '""'):
            out[f"{address}.{attr}"] = json.dumps(v, sort_keys=True, default=str)


def _counted(rtype: str, values: object) -> bool:
    """An attachment, or a resource of a type parc reads no policy from with a policy attribute."""
    from parc.loaders.iac.terraform import POLICY_ATTRIBUTES

    if rtype in TF_ATTACHMENTS:
        return True
    if rtype in POLICY_ATTRIBUTES or rtype == "aws_lambda_permission" or not isinstance(values, dict):
        return False
    return any("polic" in str(k).lower() for k in values)


def attachments(text: str, kind: str) -> dict[str, str]:
    """Address -> the resource's values as canonical JSON; {} when the file cannot be read (its reader says why)."""
    if kind == "terraform":
        return _from_plan(text)
    return _from_source(text)


def _from_plan(text: str) -> dict[str, str]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    out: dict[str, str] = {}
    if not isinstance(doc, dict):
        return out
    for key in ("planned_values", "values"):
        section = doc.get(key)
        root = section.get("root_module") if isinstance(section, dict) else None
        stack = [root] if isinstance(root, dict) else []
        while stack:
            module = stack.pop()
            for r in module.get("resources") or []:
                if isinstance(r, dict) and r.get("mode", "managed") == "managed" and _counted(str(r.get("type")),
                                                                                            r.get("values")) \
                        and isinstance(r.get("address"), str):
                    out.setdefault(r["address"], json.dumps(r.get("values"), sort_keys=True))
                if isinstance(r, dict) and isinstance(r.get("address"), str):
                    _grants(r["address"], r.get("values"), out)
            stack.extend(c for c in module.get("child_modules") or [] if isinstance(c, dict))
    return out


def _from_source(text: str) -> dict[str, str]:
    import hcl2  # python-hcl2, the reader of .tf files (see hcl.py)

    try:
        doc = hcl2.loads(text)
    except Exception:  # any parse failure: the .tf reader reports it at its line
        return {}
    out: dict[str, str] = {}
    for block in doc.get("resource", []) if isinstance(doc, dict) else []:
        if not isinstance(block, dict):
            continue
        for key, named in block.items():
            rtype = str(key).strip('"')  # python-hcl2 7 keeps the labels' quotes, older versions do not
            if not isinstance(named, dict):
                continue
            for name, body in named.items():
                address = f"{rtype}.{str(name).strip(chr(34))}"
                if _counted(rtype, body):
                    out[address] = json.dumps(body, sort_keys=True, default=str)
                _grants(address, body, out)
    return out
