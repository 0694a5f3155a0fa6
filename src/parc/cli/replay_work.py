"""The work of ``parc replay``, cut into partitions of log files that any scheduler can run (``parc.scale``).

A partition is a fixed run of consecutive files (``FILES_PER_PARTITION``), whatever the scheduler, and partitions
merge by adding their counts: the report is the same byte for byte under ``local``, ``processes`` or a cluster.
Each worker loads the snapshot and applies the proposal once (cached per process), then streams its files: one
file, one record at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy_strict
from parc.core.replay import Change, Replayer, Tally, apply
from parc.loaders.cloudtrail import ReadProblems, Sessions, default_table, map_record, read_file

FILES_PER_PARTITION = 16


@dataclass(frozen=True)
class Setup:
    """What every partition needs, small enough to ship to workers: the snapshot folder and the changes."""

    account: str
    validate: bool
    changes: tuple[str, ...]


class ChangeSyntaxError(ValueError):
    """A --proposed value that is not one of the CHANGE forms."""


def parse_change(text: str) -> Change:
    """``policy:TARGET=FILE``, ``scp:+FILE`` / ``scp:ACCOUNT+FILE`` or ``remove:TARGET#SID`` (parc.core.replay.
    changes documents what each does)."""
    kind, colon, rest = text.partition(":")
    if kind == "policy" and colon:
        target, eq, file = rest.rpartition("=")
        if eq and target and file:
            return Change("policy", target, _read_policy(file, PolicyType.IDENTITY), text=text)
    elif kind == "scp" and colon:
        account, plus, file = rest.partition("+")
        if plus and file:
            return Change("scp", account, _read_policy(file, PolicyType.SCP), text=text)
    elif kind == "remove" and colon:
        target, hash_, sid = rest.rpartition("#")
        if hash_ and target and sid:
            return Change("remove", target, sid=sid, text=text)
    raise ChangeSyntaxError(
        f"--proposed {text!r}: expected policy:ARN=FILE (or policy:ENTITY_ARN#INLINE_NAME=FILE), scp:+FILE "
        "(or scp:ACCOUNT_ID+FILE), or remove:ARN#SID (or remove:ENTITY_ARN#INLINE_NAME#SID, remove:SCP_NAME#SID)")


def _read_policy(path: str, ptype: PolicyType) -> Policy:
    text = Path(path).read_text(encoding="utf-8")
    return parse_policy_strict(text, ptype, name=path)


_ESTATES: dict[Setup, tuple[Estate, Estate | None]] = {}


def estates(setup: Setup, loaded: Estate | None = None) -> tuple[Estate, Estate | None]:
    """The current estate and the proposed one (None without changes), once per process."""
    hit = _ESTATES.get(setup)
    if hit is not None and loaded is None:
        return hit
    if loaded is None:
        from parc.loaders.account import default_policy_check, load_snapshot

        loaded = load_snapshot(setup.account, check=default_policy_check() if setup.validate else None)
    proposed = apply(loaded, [parse_change(c) for c in setup.changes]) if setup.changes else None
    _ESTATES.clear()
    _REPLAYERS.clear()
    _ESTATES[setup] = (loaded, proposed)
    return loaded, proposed


_REPLAYERS: dict[Setup, Replayer] = {}


def replayer(setup: Setup) -> Replayer:
    """One per process and setup: its compiled policy sets and decision cache serve every partition the process
    runs (the cache never changes an answer, only how fast it comes)."""
    from parc.api import rcp_supported_services

    hit = _REPLAYERS.get(setup)
    if hit is not None and setup in _ESTATES:
        return hit
    current, proposed = estates(setup)
    rcp = rcp_supported_services()
    rp = Replayer(Evaluator(current, rcp_services=rcp),
                  Evaluator(proposed, rcp_services=rcp) if proposed is not None else None)
    _REPLAYERS.clear()
    _REPLAYERS[setup] = rp
    return rp


def run_partition(setup: Setup, files: list[str]) -> tuple[Tally, ReadProblems]:
    """Replay one partition of files; the counts and what could not be read."""
    rp = replayer(setup)
    table = default_table()
    tally = Tally()
    problems = ReadProblems()
    sessions = Sessions()
    for path in files:
        for where, rec in read_file(path, problems):
            rp.feed(map_record(rec, where, table, sessions, rp.tested), tally)
    for reason, n in problems.records.items():
        tally.unmapped[reason] = tally.unmapped.get(reason, 0) + n
        tally.events += n
    return tally, problems


def partitions(files: list[str]) -> list[list[str]]:
    return [files[i:i + FILES_PER_PARTITION] for i in range(0, len(files), FILES_PER_PARTITION)]
