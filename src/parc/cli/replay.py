"""``parc replay``: CloudTrail calls re-decided under the current policies and a proposed change: what the change
would break, and per principal the permissions never used in the window, with a narrowed policy proved no wider.

Exit codes: 0 nothing would break; 1 some calls allowed now would be denied; 2 bad usage, a log file that could not
be read (the report covers the rest, and names the file), or a proposal with no call of the log re-decided.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from parc.cli import exitcodes
from parc.cli.replay_work import ChangeSyntaxError, Setup, estates, parse_change, partitions, run_partition
from parc.core.replay import Tally
from parc.loaders.cloudtrail import CloudTrailInputError, ReadProblems, list_files
from parc.scale.options import scheduler_option

FORMATS = click.Choice(["text", "json"])


def _fail(message: str) -> None:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


@click.command("replay")
@click.argument("cloudtrail", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--account", "account", required=True, metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="The account snapshot folder (or a folder of them) whose policies decide the calls.")
@click.option("--proposed", "proposed", multiple=True, metavar="CHANGE",
              help="A proposed change (repeat): policy:ARN=FILE (or policy:ENTITY_ARN#INLINE=FILE) replaces a "
                   "policy; scp:+FILE (or scp:ACCOUNT+FILE) attaches an SCP; remove:ARN#SID removes a statement.")
@click.option("--no-validate", is_flag=True, help="Skip validating the snapshot's policies (faster).")
@click.option("--no-unused", is_flag=True, help="Skip the unused-permission analysis (and its proofs).")
@scheduler_option
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def command(cloudtrail: tuple[str, ...], account: str, proposed: tuple[str, ...], no_validate: bool,
            no_unused: bool, scheduler: str, fmt: str) -> None:
    """Replay CloudTrail logs (delivered .json.gz files, folders of them, Lake/Athena exports) against the account
    snapshot: calls a proposed change would deny, and permissions never used."""
    from parc.core.account.principals import UnknownPrincipal
    from parc.core.policy.parse import PolicyParseError
    from parc.core.replay import ChangeError
    from parc.loaders.account import SnapshotError, default_policy_check, load_snapshot
    from parc.scale.runner import iter_map_shared

    setup = Setup(account, not no_validate, tuple(proposed))
    try:
        loaded = load_snapshot(account, check=default_policy_check() if not no_validate else None)
        for text in proposed:
            parse_change(text)
        current, _proposed = estates(setup, loaded)
    except (SnapshotError, ChangeSyntaxError, ChangeError, PolicyParseError, UnknownPrincipal, OSError) as exc:
        _fail(str(exc))
        return
    problems = ReadProblems()
    try:
        files = list_files(cloudtrail, problems)
    except CloudTrailInputError as exc:
        _fail(str(exc))
        return
    if not files:
        _fail(f"no CloudTrail log files found in {', '.join(cloudtrail)} (.json, .jsonl or .gz)")
    tally = Tally()
    for part, probs in iter_map_shared(run_partition, setup, partitions(files), scheduler):
        tally.merge(part)
        problems.merge(probs)
    payload = report(tally, problems, current, setup, unused=not no_unused)
    _problems_to_stderr(problems)
    if fmt == "json":
        click.echo(json.dumps(payload, indent=2))
    else:
        _text(payload)
    if problems.files:
        sys.exit(exitcodes.USAGE)
    if proposed and not tally.replayed:
        # Nothing was re-decided: an empty "nothing would break" would be a clean answer over unread input.
        click.echo("parc: error: no call of the log could be re-decided (reasons above): the proposal is not "
                   "checked", err=True)
        sys.exit(exitcodes.USAGE)
    if payload["newly_denied"]:
        sys.exit(exitcodes.FINDINGS)


def report(tally: Tally, problems: ReadProblems, current: Any, setup: Setup, *, unused: bool) -> dict[str, Any]:
    from parc.core.replay.replay import as_rows, sorted_rows
    from parc.loaders.cloudtrail import default_table

    out: dict[str, Any] = {
        "events": tally.events,
        "replayed": tally.replayed,
        "unmapped": dict(sorted(tally.unmapped.items())),
        "newly_denied": sorted_rows(tally),
        "newly_denied_by_action": as_rows(_by_action(tally), ("principal", "action")),
        "unused": _unused(tally, current) if unused else [],
        "never_seen": _never_seen(tally, current),
        "not_reproduced": as_rows(tally.not_reproduced, ("principal", "action", "statement")),
        "denied_in_log": as_rows(tally.denied_in_log, ("principal", "action")),
        "proposed": list(setup.changes),
        "files_read": problems.files_read,
        "unreadable_files": [{"file": f, "error": e} for f, e in problems.files],
        "skipped_files": [{"file": f, "why": w} for f, w in problems.skipped],
        "mapping_table": default_table().meta,
    }
    return out


def _never_seen(tally: Tally, estate: Any) -> list[str]:
    """Users and roles of the snapshot with no call in the window (every permission they hold went unused).
    Service-linked roles are left out: AWS services use them, and their own calls are not replayed."""
    seen = set(tally.used) | {p for p, _a in tally.denied_in_log}
    out = [u.arn for a in estate.accounts for u in a.users if u.arn not in seen]
    out += [r.arn for a in estate.accounts for r in a.roles if r.arn not in seen and not r.is_service_linked]
    return sorted(out)


def _by_action(tally: Tally) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for (principal, action, _resource, _statement), n in tally.newly_denied.items():
        out[(principal, action)] = out.get((principal, action), 0) + n
    return out


def _unused(tally: Tally, estate: Any) -> list[dict[str, Any]]:
    from parc.api import check_no_new_access, rcp_supported_services
    from parc.catalog import default_catalog
    from parc.core.account.evaluator import Evaluator
    from parc.core.account.principals import UnknownPrincipal
    from parc.core.account.what_can import what_can
    from parc.core.replay import narrowed_policy, unused_actions

    catalog = default_catalog()
    ev = Evaluator(estate, rcp_services=rcp_supported_services())
    rows: list[dict[str, Any]] = []
    for arn in sorted(tally.used):
        try:
            result = what_can(ev, arn, catalog)
        except UnknownPrincipal:
            continue
        granted = {a for g in result.grants for a in g.actions}
        used = tally.used[arn]
        never = unused_actions(granted, used)
        row: dict[str, Any] = {"principal": arn, "actions": list(never), "granted": len(granted),
                               "used": sorted(used, key=str.lower)}
        p = result.principal
        if never and p.identity:
            narrowed = narrowed_policy(p.identity, used)
            originals = [pol.node.to_python() for pol in p.identity if pol.node is not None]
            check = check_no_new_access(originals, narrowed)  # type: ignore[arg-type]
            row["narrowed_policy"] = narrowed
            row["proof"] = {"verdict": check.result, "reason": check.reason}
        rows.append(row)
    return rows


def _problems_to_stderr(problems: ReadProblems) -> None:
    for f, e in problems.files:
        click.echo(f"parc: error: {f}: {e}", err=True)


def _text(payload: dict[str, Any]) -> None:
    echo = click.echo
    echo(f"{payload['events']} event(s) read from {payload['files_read']} file(s); {payload['replayed']} call(s) "
         "re-decided.")
    if payload["unreadable_files"]:
        echo(f"{len(payload['unreadable_files'])} file(s) could not be read (listed on stderr); the report covers "
             "the rest.")
    if payload["unmapped"]:
        echo("Not replayed, by reason:")
        for reason, n in payload["unmapped"].items():
            echo(f"  {n:>8}  {reason}")
    if payload["proposed"]:
        rows = payload["newly_denied"]
        if rows:
            echo(f"Allowed now, DENIED under the proposal ({sum(r['count'] for r in rows)} call(s)):")
            for r in payload["newly_denied_by_action"]:
                echo(f"  {r['count']:>8}  {r['principal']}  {r['action']}")
            echo("  by resource and the statement that denies:")
            for r in rows:
                echo(f"  {r['count']:>8}  {r['principal']}  {r['action']}  {r['resource']}  -- {r['statement']}")
        else:
            echo("No replayed call allowed now would be denied under the proposal.")
    if payload["not_reproduced"]:
        echo("Allowed by AWS in the log but denied by the snapshot's policies (the snapshot and the window "
             "disagree; such calls cannot judge a proposal):")
        for r in payload["not_reproduced"]:
            echo(f"  {r['count']:>8}  {r['principal']}  {r['action']}  -- {r['statement']}")
    if payload["denied_in_log"]:
        echo("Denied by AWS in the log:")
        for r in payload["denied_in_log"]:
            echo(f"  {r['count']:>8}  {r['principal']}  {r['action']}")
    if payload["never_seen"]:
        echo(f"{len(payload['never_seen'])} user(s) and role(s) of the snapshot made no call in the window:")
        for arn in payload["never_seen"][:20]:
            echo(f"    {arn}")
    for u in payload["unused"]:
        echo(f"{u['principal']}: {len(u['actions'])} of {u['granted']} granted action(s) never used in the window")
        for a in u["actions"][:20]:
            echo(f"    {a}")
        if len(u["actions"]) > 20:
            echo(f"    ... and {len(u['actions']) - 20} more (--format json lists them all)")
        if "proof" in u:
            echo(f"  narrowed policy (--format json): parc diff says {u['proof']['verdict']}"
                 + (f" ({u['proof']['reason']})" if u["proof"]["reason"] else ""))
