"""``parc diff BASE HEAD`` on two versions of a CloudFormation template or Terraform plan / .tf file: what access
does the change add, resource by resource, at the head template's lines.

Detected as ``parc validate`` detects templates (``--type cloudformation|terraform`` forces it). Exit 0 PASS (no
resource adds access and everything was read), 1 FAIL (some resource adds access, even if part of a template could
not be read: that is said too), 2 UNKNOWN or a template that could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from parc.cli import exitcodes
from parc.cli.validate_iac import CLOUDFORMATION, TERRAFORM, TERRAFORM_SOURCE, kind_of, load_parameters
from parc.loaders.iac.compare import FAIL, PASS, ResourceResult, compare, overall
from parc.loaders.iac.pairs import Side, read_side
from parc.loaders.policy_files import PolicySource


def template_kind(path: str, forced: str | None) -> str | None:
    """The template kind of ``path`` (None: a policy document, for the policy ``parc diff``)."""
    if forced not in (None, CLOUDFORMATION, TERRAFORM):
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return kind_of(PolicySource(path, text), forced)


def _fail(message: str) -> None:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _side(path: str, kind: str, given: dict[str, str]) -> Side:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read: {exc}")
        raise  # unreachable: _fail exits
    return read_side(path, text, kind, given)


def run_diff(old: str, new: str, forced: str | None, parameters: str | None, timeout: float, fmt: str,
             output: str | None) -> None:
    """Compare two template versions and exit with the verdict's code."""
    found_kinds = [template_kind(old, forced), template_kind(new, forced)]
    kinds = set(found_kinds)
    if None in kinds or len(kinds) != 1:
        found = " and ".join(k or "not a template" for k in found_kinds)
        _fail(f"{old} and {new} are not two versions of one kind of template (found {found}); use --type "
              "cloudformation|terraform")
    kind = str(kinds.pop())
    if kind == TERRAFORM and Path(new).suffix == ".tf":
        kind = TERRAFORM_SOURCE
    given, err = load_parameters(parameters)
    if err is not None:
        _fail(err.message)
    base = _side(old, kind if Path(old).suffix != ".tf" else TERRAFORM_SOURCE, given)
    head = _side(new, kind if Path(new).suffix != ".tf" else TERRAFORM_SOURCE, given)
    results = compare(base, head, timeout)
    unreadable = base.unreadable + head.unreadable
    verdict = overall(results, bool(unreadable))
    payload = _payload(verdict, base, head, results)
    if fmt == "json":
        text = json.dumps(payload, indent=2)
    elif fmt == "sarif":
        from parc.reporters.diff_sarif import render_diff_sarif

        text = render_diff_sarif(payload)
    else:
        text = _text(payload)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        if fmt != "text":
            click.echo(_text(payload), err=True)
    else:
        click.echo(text)
    for f in unreadable:
        where = f":{f.line}:{f.column}" if f.line else ""
        click.echo(f"parc: {f.file or ''}{where}: {f.message}", err=True)
    sys.exit({PASS: exitcodes.OK, FAIL: exitcodes.FINDINGS}.get(verdict, exitcodes.USAGE))


def _payload(verdict: str, base: Side, head: Side, results: list[ResourceResult]) -> dict[str, object]:
    failing = [r for r in results if r.result == FAIL]
    unknown = [r for r in results if r.result not in (PASS, FAIL)]
    if verdict == FAIL:
        reason = f"{len(failing)} of {len(results)} resources add access"
    elif verdict == PASS:
        reason = f"no resource adds access ({len(results)} compared)"
    else:
        reason = (f"{len(unknown)} of {len(results)} resources could not be proved" if unknown
                  else "part of a template could not be read")
    return {
        "result": verdict,
        "reason": reason,
        "base": base.name,
        "head": head.name,
        "counterexamples": _unique([c.to_dict() for r in failing for c in r.counterexamples]),
        "resources": [r.to_dict() for r in results],
        "unreadable": [{"file": f.file, "line": f.line, "column": f.column, "message": f.message}
                       for f in base.unreadable + head.unreadable],
        "notes": ["Values known only at deploy time are compared as one deployment of the stack (the same "
                  "parameters, account and region on both sides); parc stands in account 111122223333."],
    }


def _unique(found: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each request once: a policy resource's statement is also its role's (both resources list it)."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for cx in found:
        place = dict(cx.get("location") or {})  # type: ignore[call-overload]
        place.pop("resource", None)
        key = json.dumps([place, cx.get("action"), cx.get("resource"), cx.get("when")], sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(cx)
    return out


def _text(payload: dict[str, object]) -> str:
    lines = [f"{payload['result']}: {payload['reason']} ({payload['base']} -> {payload['head']})"]
    resources = payload["resources"]
    assert isinstance(resources, list)
    for r in resources:
        lines.append(f"  {r['status']:<8} {r['resource']} ({r['type'] or '?'})"
                     + (f" [{r['result']}]" if r["status"] in ("added", "removed") else "") + f": {r['reason']}")
        for i, cx in enumerate(r["counterexamples"], 1):
            loc = cx["location"]
            where = f"{loc['file']}:{loc['line']}:{loc['column']}" if loc.get("line") else loc["file"]
            lines.append(f"      [{i}] {where} {loc['path']}")
            lines.append(f"          principal: {cx['principal']}")
            lines.append(f"          action:    {cx['action']}")
            lines.append(f"          resource:  {cx['resource']}")
            for k, v in (cx.get("context") or {}).items():
                lines.append(f"          context:   {k} = {json.dumps(v)}")
            if cx.get("when"):
                lines.append("          when:      " + ", ".join(f"{c}={v}" for c, v in cx["when"].items()))
    return "\n".join(lines)
