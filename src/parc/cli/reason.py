"""`parc diff`, `parc never`, `parc public`: proofs about what policies allow (issue 14), thin wiring to
``parc.api``'s checks. Exit 0 PASS, 1 FAIL, 2 input error or UNKNOWN."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from parc.cli import exitcodes

_INSTALL = "the solvers are missing: install them with  pip install 'z3-solver' 'cvc5'"
_TYPES = ["identity", "boundary", "session", "scp", "resource", "trust"]
_TEMPLATE_TYPES = ["cloudformation", "terraform"]


def _fail(message: str) -> None:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _solvers() -> None:
    try:
        import z3  # noqa: F401
    except ImportError:
        _fail(_INSTALL)


def _load(path: str, kind: str) -> Any:
    from parc.core.policy.model import PolicyType
    from parc.core.policy.parse import PolicyParseError, parse_policy_strict

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read: {exc}")
    try:
        return parse_policy_strict(text, PolicyType(kind), name=path)
    except PolicyParseError as exc:
        _fail(f"{path}: {exc}")


def _run(fmt: str, call: Any) -> None:
    from parc.core.authz import PolicyCompileError
    from parc.core.reasoning import UNKNOWN, CheckResult, ReplayMismatch

    try:
        result: CheckResult = call()
    except (PolicyCompileError, ValueError) as exc:
        _fail(str(exc))
    except ReplayMismatch as exc:
        # Never shown as a FAIL: the engine did not confirm the request. A bug worth reporting.
        result = CheckResult(UNKNOWN, f"the engine did not confirm the solver's request (please report): {exc}")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _text(result)
    sys.exit(result.exit_code)


def _text(result: Any) -> None:
    click.echo(f"{result.result}: {result.reason}")
    for i, cx in enumerate(result.counterexamples, 1):
        st = cx.statement
        where = "no statement (AWS allows every caller this action)"
        if st is not None:
            sid = f" {st['sid']!r}" if st.get("sid") else ""
            pos = f" (line {st['line']}, column {st['column']})" if st.get("line") else ""
            where = f"{st['policy']} statement #{st['index']}{sid}{pos}"
        click.echo(f"\n  [{i}] {where}")
        click.echo(f"      principal: {cx.principal}")
        click.echo(f"      action:    {cx.action}")
        click.echo(f"      resource:  {cx.resource}")
        for k, v in cx.context.items():
            click.echo(f"      context:   {k} = {json.dumps(v)}")


_timeout = click.option("--timeout", type=click.FloatRange(min=0.01), default=10.0, show_default=True,
                        help="Seconds the check may take (wall clock); the solvers get half of it as a budget of "
                        "their deterministic resource units, so the verdict does not depend on the machine's "
                        "load. A limit reached is UNKNOWN (exit 2), never PASS.")
_fmt = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--type", "ptype", type=click.Choice(_TYPES + _TEMPLATE_TYPES),
              help="The policies' type (default identity), or the templates' kind (default: detected as validate "
              "detects templates).")
@click.option("--parameters", type=click.Path(dir_okay=False), help="CloudFormation parameter values (templates).")
@_timeout
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="sarif: templates only.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the report here (templates only).")
def diff_command(old: str, new: str, ptype: str | None, parameters: str | None, timeout: float, fmt: str,
                 output: str | None) -> None:
    """PASS when NEW allows nothing OLD does not; else each NEW statement that adds access, with a request.
    Two versions of a CloudFormation template or Terraform plan / .tf file are compared resource by resource."""
    _solvers()
    from parc.cli.diff_iac import run_diff, template_kind

    if ptype in _TEMPLATE_TYPES or (ptype is None and (template_kind(old, None) or template_kind(new, None))):
        run_diff(old, new, ptype, parameters, timeout, fmt, output)
    if fmt == "sarif" or output or parameters:
        _fail("--format sarif, --output and --parameters are for templates")
    ptype = ptype or "identity"
    from parc.api import check_no_new_access

    a, b = _load(old, ptype), _load(new, ptype)
    _run(fmt, lambda: check_no_new_access(a, b, policy_type=ptype, timeout=timeout))


@click.command("never")
@click.argument("policies", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--action", "actions", multiple=True, required=True, help="An action or pattern (repeatable).")
@click.option("--resource", "resources", multiple=True, help="Limit to these resource ARNs / patterns.")
@click.option("--boundary", type=click.Path(dir_okay=False), help="A permissions boundary that also applies.")
@click.option("--session-policy", type=click.Path(dir_okay=False), help="A session policy that also applies.")
@click.option("--scp", "scps", multiple=True, type=click.Path(dir_okay=False),
              help="An SCP; each --scp is one level of the organization (root first).")
@click.option("--rcp", "rcps", multiple=True, type=click.Path(dir_okay=False),
              help="An RCP of the resource's account; each --rcp is one level (root first).")
@click.option("--service-linked", is_flag=True, help="The caller is a service-linked role (no SCP or RCP applies).")
@_timeout
@_fmt
def never_command(policies: tuple[str, ...], actions: tuple[str, ...], resources: tuple[str, ...],
                  boundary: str | None, session_policy: str | None, scps: tuple[str, ...], rcps: tuple[str, ...],
                  service_linked: bool, timeout: float, fmt: str) -> None:
    """PASS when the identity POLICIES never allow the actions; else a request that is allowed."""
    _solvers()
    from parc.api import check_access_not_granted

    loaded = [_load(p, "identity") for p in policies]
    b = _load(boundary, "boundary") if boundary else None
    sp = _load(session_policy, "session") if session_policy else None
    levels = [[_load(p, "scp")] for p in scps]
    rcp_levels = [[_load(p, "rcp")] for p in rcps]
    _run(fmt, lambda: check_access_not_granted(loaded, list(actions), resources=list(resources),
                                               permissions_boundary=b, session_policy=sp, scps=levels,
                                               rcps=rcp_levels, service_linked=service_linked, timeout=timeout))


@click.command("public")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--type", "ptype", type=click.Choice(["resource"]), default="resource", show_default=True)
@click.option("--org", help="The trusted organization (o-...).")
@click.option("--account", "accounts", multiple=True, help="A trusted account id (repeatable; the first owns the "
              "resource).")
@click.option("--resource-type", help="Access Analyzer's resource type, e.g. AWS::S3::Bucket.")
@_timeout
@_fmt
def public_command(policy: str, ptype: str, org: str | None, accounts: tuple[str, ...], resource_type: str | None,
                   timeout: float, fmt: str) -> None:
    """PASS when no caller outside the trusted accounts / organization is allowed; else one that is."""
    _solvers()
    from parc.api import check_no_public_access

    for a in accounts:
        if not (len(a) == 12 and a.isdigit()):
            _fail(f"--account {a!r}: expected a 12-digit account id")
    loaded = _load(policy, "resource")
    _run(fmt, lambda: check_no_public_access(loaded, accounts=list(accounts), org=org, resource_type=resource_type,
                                             timeout=timeout))


commands = (diff_command, never_command, public_command)
