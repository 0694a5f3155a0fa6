"""``collect``: one account (or, with ``--org``, an organization) into a snapshot folder, as ``parc audit`` reads it.

Each account is collected into ``OUTDIR/.parc-collect/<account>/`` (file by file, atomically) and moved into place
as ``OUTDIR/<account>/`` when its collection ends, replacing the previous one whole: a killed run leaves the previous
snapshot as it was; an interrupted one (Ctrl-C) installs what it collected with ``collection.json`` saying it was
interrupted and what was not collected. A folder that is not parc's (no ``collection.json``) is never replaced.

``collection.json`` (per account, and at OUTDIR's top for ``--org``) lists every call that failed (call, region,
resource, error code, time), the regions skipped, and the areas not collected with why; ``parc audit`` lists them as
not checked.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parc import __version__
from parc.collect import calls as C
from parc.collect import ec2, iam, monitoring, org, resources, s3, waf
from parc.collect.runner import (
    Account,
    CallObserver,
    CollectError,
    Interrupted,
    Progress,
    Summary,
    Task,
    now_iso,
    run_tasks,
    safe_name,
    write_json,
)

COLLECTION = "collection.json"
WORK = ".parc-collect"
FORMAT = 1
REGIONAL = frozenset(C.AREAS) - {"iam", "org", "s3"}
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Options:
    out: Path
    profile: str | None = None
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    org: bool = False
    member_role: str | None = None
    areas: frozenset[str] = frozenset(C.AREAS)
    jobs: int = 8
    endpoint_url: str | None = None
    observer: CallObserver | None = None
    progress: Progress | None = None
    session: Any = None
    """A boto3 Session to use instead of one built from ``profile`` (tests, embedding)."""
    max_attempts: int = 10
    """botocore's attempts per call (adaptive retry mode)."""
    client_hook: Callable[[Any], None] | None = None
    """Called with every boto3 client built (tests register botocore event handlers on it)."""
    sleep: Callable[[float], None] | None = None
    """How to wait between credential report polls (tests pass a no-op)."""


@dataclass
class _Run:
    options: Options
    home: str
    work: Path
    summary: Summary = field(default_factory=Summary)


def collect(options: Options) -> Summary:
    """Collect; raises ``CollectError`` when it cannot start (no credentials, an output folder that is not
    parc's). A KeyboardInterrupt is turned into ``summary.interrupted`` once what was collected is saved."""
    session = options.session if options.session is not None else _session(options.profile)
    home = options.regions[0] if options.regions else (session.region_name or DEFAULT_REGION)
    out = options.out
    if out.exists() and not out.is_dir():
        raise CollectError(f"{out}: exists and is not a folder")
    work = out / WORK
    run = _Run(options, home, work)
    probe = Account(session, "", work, (home,), options.endpoint_url, options.observer,
                    max_attempts=options.max_attempts, client_hook=options.client_hook)
    me = _identity(probe, home)
    account_id, partition = me
    _check_replaceable(out / account_id)
    if options.org:
        _check_replaceable(out / org.FOLDER, out / COLLECTION)
    if work.exists():
        shutil.rmtree(work)  # what a killed run left behind
    work.mkdir(parents=True)
    try:
        accounts: list[dict[str, Any]] = []
        org_acct: Account | None = None
        if options.org:
            org_acct = Account(session, account_id, work / org.FOLDER, (home,), options.endpoint_url,
                               options.observer, partition, options.max_attempts, options.client_hook)
            found: dict[str, Any] = {}
            try:
                run_tasks([Task("org: structure", lambda: org.whole_organization(org_acct, home, found))],
                          options.jobs, _done(options.progress, "organization"), org_acct.bug)
            except Interrupted:
                run.summary.interrupted = True
                _finish_org(run, org_acct, [{"account": account_id, "status": "not collected",
                                             "reason": "the collection was interrupted"}])
                return run.summary
            accounts = found.get("accounts", [])
        ok = _account(run, session, account_id, partition)
        statuses = [{"account": account_id, "status": "collected" if ok else "interrupted"}]
        if org_acct is not None:  # after an interruption, each member is listed as not collected
            statuses += _members(run, org_acct, account_id, accounts)
        if org_acct is not None:
            _finish_org(run, org_acct, statuses)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run.summary


def _session(profile: str | None) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(profile_name=profile)
    except BotoCoreError as exc:
        raise CollectError(str(exc)) from None


def _identity(probe: Account, home: str) -> tuple[str, str]:
    from botocore.exceptions import NoCredentialsError, NoRegionError

    try:
        me = probe.call(C.GET_CALLER_IDENTITY, home)
    except (NoCredentialsError, NoRegionError) as exc:
        raise CollectError(f"{exc} (configure credentials: a profile, SSO, the environment or an instance role)") \
            from None
    if me is None or not safe_name(str(me.get("Account", ""))):
        f = probe.failures[-1] if probe.failures else None
        why = f"{f.error}: {f.message}" if f else "no answer"
        raise CollectError(f"cannot tell which account these credentials belong to (sts:GetCallerIdentity: {why})")
    arn = str(me.get("Arn", ""))
    partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
    return str(me["Account"]), partition


def _check_replaceable(folder: Path, marker: Path | None = None) -> None:
    if folder.exists() and not (marker or folder / COLLECTION).is_file():
        raise CollectError(f"{folder}: exists and was not written by parc collect (no {COLLECTION}); "
                           "choose another output folder, or move it away")


def _done(progress: Progress | None, account: str) -> Callable[[Task, int, int], None] | None:
    if progress is None:
        return None

    def done(task: Task, finished: int, total: int) -> None:
        progress(account, task.label, finished, total)

    return done


def _regions(acct: Account, options: Options, home: str) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """The regions to collect, and those skipped with why (an opt-in region the account has not enabled)."""
    wanted = list(options.regions) or [home]
    data = acct.call(C.DESCRIBE_REGIONS, home, "", AllRegions=True)
    if data is None:
        return tuple(wanted), []  # the gap is recorded; the regions asked for are tried
    status = {str(r["RegionName"]): str(r.get("OptInStatus", "opt-in-not-required"))
              for r in data.get("Regions", []) if isinstance(r, dict) and "RegionName" in r}
    if options.all_regions:
        wanted = sorted(status)
    keep: list[str] = []
    skipped: list[dict[str, str]] = []
    for r in wanted:
        if r not in status:
            skipped.append({"region": r, "reason": "not a region this account knows"})
        elif status[r] == "not-opted-in":
            skipped.append({"region": r, "reason": "an opt-in region this account has not enabled"})
        else:
            keep.append(r)
    return tuple(keep), skipped


def _account(run: _Run, session: Any, account_id: str, partition: str) -> bool:
    """Collect one account into its folder; False when interrupted."""
    options = run.options
    folder = run.work / account_id
    acct = Account(session, account_id, folder, (), options.endpoint_url, options.observer, partition,
                   options.max_attempts, options.client_hook)
    started = now_iso()
    areas = options.areas
    skipped: list[dict[str, str]] = []
    interrupted = False
    missing: list[str] = []
    try:
        if areas & REGIONAL:
            regions, skipped = _regions(acct, options, run.home)
            acct.regions = regions
        tasks: list[Task] = []
        if "iam" in areas:
            tasks += iam.tasks(acct, run.home, options.sleep or time.sleep)
        if "org" in areas and not options.org:
            tasks.append(Task("org: placement", lambda: org.own_placement(acct, run.home)))
        if "s3" in areas:
            tasks += s3.tasks(acct, run.home)
        for region in acct.regions:
            if "ec2" in areas:
                tasks += ec2.tasks(acct, region)
            tasks += resources.tasks(acct, region, areas)
            tasks += monitoring.tasks(acct, region, areas)
            tasks += waf.tasks(acct, region, areas)
        tasks += waf.account_tasks(acct, areas)
        run_tasks(tasks, options.jobs, _done(options.progress, account_id), acct.bug)
    except Interrupted as exc:
        interrupted = True
        missing = sorted({t.label for t in exc.missing})
    if "ec2" in areas:
        ec2.finish(acct)
    resources.finish(acct, areas)
    notes = list(acct.notes)
    if interrupted:
        notes.append({"area": "all", "reason": "the collection was interrupted; not collected: "
                      + ("; ".join(missing) if missing else "the tasks under way")})
    record = {
        "parc_collect": FORMAT,
        "parc_version": __version__,
        "account": account_id,
        "partition": partition,
        "started": started,
        "finished": now_iso(),
        "status": "interrupted" if interrupted else ("incomplete" if acct.failures or acct.notes else "complete"),
        "areas": [a for a in C.AREAS if a in areas],
        "regions": list(acct.regions),
        "skipped_regions": skipped,
        "calls": acct.calls,
        "failures": [f.to_dict() for f in sorted(acct.failures, key=lambda f: (f.call.action, f.region, f.resource))],
        "not_collected": notes,
    }
    acct.write(COLLECTION, record)
    _install(folder, run.options.out / account_id)
    s = run.summary
    s.accounts[account_id] = run.options.out / account_id
    s.failures += len(acct.failures) + sum(1 for n in notes if n["reason"].startswith("parc failed"))
    s.calls += acct.calls
    s.not_collected += [{"account": account_id, **n} for n in notes]
    s.skipped_regions += [{"account": account_id, **r} for r in skipped]
    s.interrupted = s.interrupted or interrupted
    return not interrupted


def _install(built: Path, final: Path) -> None:
    """Replace ``final`` with ``built`` whole (two renames on the same file system)."""
    old = built.parent / f"{built.name}.old"
    if final.exists():
        final.rename(old)
    built.rename(final)
    if old.exists():
        shutil.rmtree(old)


def _members(run: _Run, org_acct: Account, me: str, accounts: list[dict[str, Any]]) -> list[dict[str, str]]:
    """With --member-role: every other active account of the organization, through sts:AssumeRole."""
    import boto3

    options = run.options
    out: list[dict[str, str]] = []
    for a in sorted(accounts, key=lambda a: str(a.get("Id"))):
        aid = str(a.get("Id", ""))
        if not safe_name(aid) or aid == me:
            continue
        if a.get("Status", "ACTIVE") != "ACTIVE":
            out.append({"account": aid, "status": "not collected", "reason": f"account status {a.get('Status')}"})
            continue
        if not options.member_role:
            out.append({"account": aid, "status": "not collected", "reason": "no --member-role given"})
            continue
        if run.summary.interrupted:
            out.append({"account": aid, "status": "not collected", "reason": "the collection was interrupted"})
            continue
        try:
            _check_replaceable(options.out / aid)
        except CollectError as exc:
            out.append({"account": aid, "status": "not collected", "reason": str(exc)})
            continue
        role = f"arn:{org_acct.partition}:iam::{aid}:role/{options.member_role}"
        creds = org_acct.call(C.ASSUME_ROLE, run.home, aid, RoleArn=role, RoleSessionName="parc-collect")
        if creds is None:
            f = org_acct.failures[-1]
            out.append({"account": aid, "status": "not collected",
                        "reason": f"sts:AssumeRole on {role} failed: {f.error}"})
            continue
        c = creds["Credentials"]
        session = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                aws_session_token=c["SessionToken"], region_name=run.home)
        ok = _account(run, session, aid, org_acct.partition)
        out.append({"account": aid, "status": "collected" if ok else "interrupted"})
    return out


def _finish_org(run: _Run, org_acct: Account, statuses: list[dict[str, str]]) -> None:
    out = run.options.out
    if org_acct.folder.is_dir():
        _install(org_acct.folder, out / org.FOLDER)
    record = {
        "parc_collect": FORMAT,
        "parc_version": __version__,
        "organization_from": org_acct.account_id,
        "finished": now_iso(),
        "status": "incomplete" if org_acct.failures or any(s["status"] != "collected" for s in statuses)
        else "complete",
        "calls": org_acct.calls,
        "failures": [f.to_dict() for f in org_acct.failures],
        "accounts": statuses,
    }
    write_json(out / COLLECTION, record)
    s = run.summary
    s.failures += len(org_acct.failures)
    s.calls += org_acct.calls
    s.not_collected += [{"account": st["account"], "area": "all", "reason": st.get("reason", st["status"])}
                        for st in statuses if st["status"] != "collected"]
