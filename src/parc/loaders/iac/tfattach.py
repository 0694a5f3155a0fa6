"""Terraform resources that grant access without holding a policy document (policy attachments, group
memberships): ``parc diff`` compares them as added, changed or unchanged, so that a head that attaches a policy is
never passed as adding nothing.

Read from the plan's resources (``terraform show -json``: planned_values) or from a ``.tf`` file's resource blocks
(python-hcl2's dict form: the values are compared as written, positions are not needed here).
"""

from __future__ import annotations

import json

from parc.loaders.iac.pairs import TF_ATTACHMENTS


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
                if isinstance(r, dict) and r.get("type") in TF_ATTACHMENTS and isinstance(r.get("address"), str):
                    out.setdefault(r["address"], json.dumps(r.get("values"), sort_keys=True))
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
            if rtype not in TF_ATTACHMENTS or not isinstance(named, dict):
                continue
            for name, body in named.items():
                out[f"{rtype}.{str(name).strip(chr(34))}"] = json.dumps(body, sort_keys=True, default=str)
    return out
