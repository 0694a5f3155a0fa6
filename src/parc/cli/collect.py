"""``parc collect``: the snapshot of a live account (or organization) that every other command reads, with the
user's own credentials (boto3's standard chain: profiles, SSO, the environment, instance roles). Read-only calls.

Wiring only: ``parc.collect`` does the work. Exit codes: 0 everything was collected; 1 some calls were denied or
failed, or the run was interrupted (the snapshot is written, the gaps are in ``collection.json``); 2 bad usage,
no credentials, or an output folder that is not parc's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

from parc.cli import exitcodes
from parc.collect.calls import AREAS


def _fail(message: str) -> None:
    click.echo(f"parc collect: {message}", err=True)
    sys.exit(exitcodes.USAGE)


@contextmanager
def _progress(enabled: bool) -> Iterator[object]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
             console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(account: str, label: str, done: int, total: int) -> None:
            task = tasks.get(account)
            if task is None:
                task = bar.add_task(account, total=total)
                tasks[account] = task
            bar.update(task, completed=done, total=total, description=f"{account}: {label}")

        yield update


@click.command(
    "collect",
    epilog="Writes OUTDIR/<account id>/ (what `parc audit OUTDIR` and the account commands read) with its "
    "collection.json (every call that failed). Only read calls; --print-policy prints the IAM policy they need. "
    "Exit codes: 0 all collected, 1 some calls denied or failed (the snapshot is still written), 2 usage or "
    "credentials.",
)
@click.argument("outdir", metavar="OUTDIR", type=click.Path(), required=False)
@click.option("--profile", default=None, help="The AWS profile to use [default: boto3's credential chain].")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="A region to collect (repeatable) [default: the profile's region, else us-east-1].")
@click.option("--all-regions", is_flag=True, help="Every region enabled in the account (opt-in regions not "
              "enabled are skipped and said so).")
@click.option("--org", is_flag=True, help="From the management (or a delegated administrator) account: the whole "
              "organization, its SCPs and RCPs at every level, into OUTDIR/organizations/.")
@click.option("--member-role", default=None, metavar="NAME",
              help="With --org: collect every member account too, through sts:AssumeRole on this role name.")
@click.option("--only", "only", multiple=True, type=click.Choice(AREAS), metavar="AREA",
              help=f"Collect only these areas (repeatable): {', '.join(AREAS)}.")
@click.option("--jobs", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Calls in flight at once.")
@click.option("--endpoint-url", default=None, metavar="URL",
              help="Send every call to this endpoint (an emulator or a proxy) [default: AWS_ENDPOINT_URL, else AWS].")
@click.option("--print-policy", is_flag=True, help="Print the IAM policy these options need, and exit.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr [default: when stderr is a terminal].")
def command(outdir: str | None, profile: str | None, regions: tuple[str, ...], all_regions: bool, org: bool,
            member_role: str | None, only: tuple[str, ...], jobs: int, endpoint_url: str | None,
            print_policy: bool, progress: bool | None) -> None:
    """Collect the snapshot of a live AWS account (or organization) into OUTDIR, as parc audit reads it."""
    areas = frozenset(only) if only else frozenset(AREAS)
    if member_role and not org:
        _fail("--member-role needs --org")
    if regions and all_regions:
        _fail("give --region or --all-regions, not both")
    if print_policy:
        from parc.collect.policy import collector_policy

        click.echo(json.dumps(collector_policy(areas, org, member_role), indent=2))
        sys.exit(exitcodes.OK)
    if not outdir:
        _fail("missing OUTDIR (the folder to write the snapshot to)")
        return
    from parc.collect.run import Options, collect
    from parc.collect.runner import CollectError

    show = sys.stderr.isatty() if progress is None else progress
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    with _progress(show) as update:
        options = Options(Path(outdir), profile, regions, all_regions, org, member_role, areas, jobs, endpoint,
                          progress=update if callable(update) else None)
        try:
            summary = collect(options)
        except CollectError as exc:
            _fail(str(exc))
            return
        except KeyboardInterrupt:  # a second Ctrl-C while the first was being handled
            click.echo("parc collect: interrupted; the account under way was not written", err=True)
            sys.exit(exitcodes.FINDINGS)
    for account, folder in summary.accounts.items():
        err.print(f"{account}: written to {folder}")
    for r in summary.skipped_regions:
        err.print(f"{r['account']}: region {r['region']} skipped: {r['reason']}")
    for n in summary.not_collected:
        err.print(f"{n['account']}: not collected ({n['area']}): {n['reason']}")
    err.print(f"{summary.calls} calls, {summary.failures} failed (listed in collection.json)"
              + ("; interrupted" if summary.interrupted else ""))
    if summary.failures or summary.interrupted:
        sys.exit(exitcodes.FINDINGS)
    sys.exit(exitcodes.OK)
