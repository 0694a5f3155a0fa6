"""`parc can`, `who-can`, `what-can`, `assume` and `escalation`: questions over an account snapshot (--account DIR).

Each command loads the snapshot (reporting what it could not read), builds an evaluator over the engine, asks the
core, and renders the answer as text, JSON or (escalation) Graphviz DOT.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
from rich.console import Console

from parc.cli import exitcodes
from parc.cli.consoles import make_console
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.account.principals import UnknownPrincipal
from parc.core.authz import PolicyCompileError, RequestError
from parc.scale.options import scheduler_option

FORMATS = click.Choice(["text", "json"])


def _fail(message: str) -> NoReturn:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _load(path: str, validate: bool) -> Estate:
    from parc.loaders.account import SnapshotError, default_policy_check, load_snapshot

    try:
        return load_snapshot(path, check=default_policy_check() if validate else None)
    except SnapshotError as exc:
        _fail(str(exc))


def _evaluator(estate: Estate) -> Evaluator:
    from parc.api import rcp_supported_services

    return Evaluator(estate, rcp_services=rcp_supported_services())


def _context(pairs: tuple[str, ...]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--context")
        if key in ctx:
            prev = ctx[key] if isinstance(ctx[key], list) else [ctx[key]]
            ctx[key] = [*prev, value]
        else:
            ctx[key] = value
    return ctx


def _run(fn: Callable[[], Any], scheduler: str = "local") -> Any:
    """Run a question, turning bad input (an unknown principal, a malformed action) and a Dask scheduler that
    cannot be reached into a usage error."""
    from parc.scale.runner import SchedulerError, connected

    try:
        with connected(scheduler):
            return fn()
    except (UnknownPrincipal, RequestError, PolicyCompileError, SchedulerError) as exc:
        _fail(str(exc))


def _snapshot(account: str, scheduler: str, estate: Estate) -> Any:
    """What the workers of a distributed run analyse (``parc.scale.snapshot``)."""
    from parc.scale.snapshot import Snapshot

    return Snapshot.of(account, scheduler, estate=estate)


def _problems(estate: Estate) -> int:
    """Print the snapshot's problems once, to stderr (with file, JSON path and line); the number left unread."""
    from parc.core.audit.unread import is_unreadable
    from parc.reporters.account_text import render_snapshot_findings

    render_snapshot_findings(make_console(stderr=True), estate.findings)
    return sum(1 for f in estate.findings if is_unreadable(f))


def _emit(fmt: str, estate: Estate, payload: dict[str, Any], text: Callable[[Console], None]) -> None:
    unread = _problems(estate)
    if fmt == "json":
        out = {**payload, "findings": [f.to_dict() for f in estate.findings], "unreadable_items": unread}
        click.echo(json.dumps(out, indent=2))
        return
    console = make_console()
    if unread:
        # The answer below is over what could be read: never a clean answer headlined over unread input.
        console.print(f"[bold yellow]Among what could be read: {unread} item(s) of the snapshot could not be read "
                      "(listed on stderr) and may change this answer.[/bold yellow]")
    text(console)


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--no-validate", is_flag=True,
                      help="Skip validating every policy of the snapshot (faster; grammar errors are still reported)."
                      )(fn)
    fn = click.option("--account", "account", required=True, metavar="DIR",
                      type=click.Path(exists=True, file_okay=False),
                      help="An account snapshot folder, or a folder of them (one per account id).")(fn)
    return fn


_strict = click.option(
    "--strict", is_flag=True,
    help="Only unconditional answers: request-time keys the snapshot cannot know (aws:SourceIp, "
         "aws:RequestedRegion...) count as absent, as in a request that lacks them.",
)


_resource_account = click.option(
    "--resource-account", metavar="ID",
    help="The resource's account when its ARN names none (an S3 bucket without a policy in the snapshot).",
)


@click.command("can")
@_common
@click.argument("principal")
@click.argument("action")
@click.argument("resource")
@click.option("--context", "context", multiple=True, metavar="KEY=VALUE", help="A context key (repeat for lists).")
@_resource_account
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Add the full trace of every statement and condition.")
@click.option("--expect", type=click.Choice(["allow", "deny"]), help="Exit 1 when the decision differs.")
def can_command(account: str, no_validate: bool, principal: str, action: str, resource: str,
                context: tuple[str, ...], resource_account: str | None, fmt: str, explain: bool,
                expect: str | None) -> None:
    """Decide whether PRINCIPAL may do ACTION on RESOURCE, with every policy of the snapshot that applies."""
    from parc.core.account.can import can
    from parc.reporters.account_text import render_can

    estate = _load(account, not no_validate)
    ev = _evaluator(estate)
    result = _run(lambda: can(ev, principal, action, resource, _context(context), explain=explain,
                              resource_account=resource_account))
    _emit(fmt, estate, result.to_dict(), lambda c: render_can(c, result))
    if expect is not None and (expect == "allow") != result.decision.allowed:
        if fmt == "text":
            click.echo(f"expected {expect}, got {result.decision.decision}", err=True)
        sys.exit(exitcodes.FINDINGS)


@click.command("who-can")
@_common
@click.argument("action")
@click.argument("resource")
@click.option("--context", "context", multiple=True, metavar="KEY=VALUE", help="A context key (repeat for lists).")
@_resource_account
@_strict
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@scheduler_option
def who_can_command(account: str, no_validate: bool, action: str, resource: str, context: tuple[str, ...],
                    resource_account: str | None, strict: bool, fmt: str, scheduler: str) -> None:
    """Every principal allowed ACTION on RESOURCE (users, roles, other accounts, services, anyone), each with the
    condition keys that gate it."""
    from parc.core.account.who_can import who_can
    from parc.reporters.account_text import render_who_can

    estate = _load(account, not no_validate)
    ev = _evaluator(estate)
    ctx = _context(context)
    if scheduler == "local":
        result = _run(lambda: who_can(ev, action, resource, ctx, relax=not strict,
                                      resource_account=resource_account))
    else:
        from parc.scale.account import org_who_can

        snap = _snapshot(account, scheduler, estate)
        result = _run(lambda: org_who_can(snap, ev, action, resource, ctx, scheduler, relax=not strict,
                                          resource_account=resource_account), scheduler)
    _emit(fmt, estate, result.to_dict(), lambda c: render_who_can(c, result))


@click.command("what-can")
@_common
@click.argument("principal")
@click.option("--service", metavar="PREFIX", help="Only this service's actions (e.g. s3).")
@_strict
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@scheduler_option
def what_can_command(account: str, no_validate: bool, principal: str, service: str | None, strict: bool,
                     fmt: str, scheduler: str) -> None:
    """PRINCIPAL's effective permissions: actions expanded through the IAM catalog, grouped by resource pattern
    and access level."""
    from parc.catalog import default_catalog
    from parc.core.account.what_can import what_can
    from parc.reporters.account_text import render_what_can

    estate = _load(account, not no_validate)
    ev = _evaluator(estate)
    catalog = default_catalog()
    if service and not catalog.service_exists(service):
        hint = catalog.suggest_service(service)
        _fail(f"{service!r} is not a service prefix" + (f" (did you mean {hint!r}?)" if hint else ""))
    if scheduler == "local":
        result = _run(lambda: what_can(ev, principal, catalog, service, relax=not strict))
    else:
        from parc.scale.account import org_what_can

        snap = _snapshot(account, scheduler, estate)
        result = _run(lambda: org_what_can(snap, ev, principal, catalog, service, scheduler, relax=not strict),
                      scheduler)
    _emit(fmt, estate, result.to_dict(), lambda c: render_what_can(c, result))


@click.command("assume")
@_common
@click.argument("principal", required=False)
@_strict
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def assume_command(account: str, no_validate: bool, principal: str | None, strict: bool, fmt: str) -> None:
    """Who can become which role (the trust policy and sts:AssumeRole both allowing), transitively, as chains;
    only PRINCIPAL's chains when given."""
    from parc.core.account.assume import assume
    from parc.reporters.account_text import render_assume

    estate = _load(account, not no_validate)
    ev = _evaluator(estate)
    result = _run(lambda: assume(ev, principal, relax=not strict))
    _emit(fmt, estate, result.to_dict(), lambda c: render_assume(c, result))


@click.command("escalation")
@_common
@click.argument("principal", required=False)
@_strict
@click.option("--format", "fmt", type=click.Choice(["text", "json", "dot"]), default="text", show_default=True)
@click.option("--fail-on-admin", is_flag=True, help="Exit 1 when some principal can become administrator.")
@click.option("--max-gains", type=click.IntRange(min=0), metavar="N",
              help="Per principal without a path to administrator, show only the N nearest principals it can "
                   "reach (default: all for one PRINCIPAL, 20 each for the whole snapshot).")
@scheduler_option
def escalation_command(account: str, no_validate: bool, principal: str | None, strict: bool, fmt: str,
                       fail_on_admin: bool, max_gains: int | None, scheduler: str) -> None:
    """Paths by which a principal (PRINCIPAL, or every user and role) can gain more than it has: administrator,
    or another principal, with each step and the statements that enable it."""
    from parc.core.account.escalation import ADMINISTRATOR, escalation
    from parc.reporters.account_text import escalation_dot, render_escalation

    estate = _load(account, not no_validate)
    ev = _evaluator(estate)
    limit = max_gains if max_gains is not None else (None if principal else 20)
    if scheduler == "local":
        result = _run(lambda: escalation(ev, principal, relax=not strict, max_gains=limit))
    else:
        from parc.scale.account import org_escalation

        snap = _snapshot(account, scheduler, estate)
        result = _run(lambda: org_escalation(snap, ev, principal, scheduler, relax=not strict, max_gains=limit),
                      scheduler)
    if fmt == "dot":
        _problems(estate)
        click.echo(escalation_dot(result), nl=False)
    else:
        _emit(fmt, estate, result.to_dict(), lambda c: render_escalation(c, result))
    if fail_on_admin and any(p.gains == ADMINISTRATOR for p in result.paths):
        sys.exit(exitcodes.FINDINGS)


commands: list[click.Command] = [can_command, who_can_command, what_can_command, assume_command, escalation_command]
"""Registered by ``parc.cli.main``."""
