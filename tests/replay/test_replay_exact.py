"""Replay's shortcuts change no answer: a varied, seeded log (``replay_rich``) replayed the fast way (mapping plans,
the context cut to the keys some policy reads, decisions cached on those keys) gives the same counts, call for
call, as a reference that maps every record with its full context and decides every call afresh (no cache, new
evaluators). A cache key missing one input the decision reads would show here as a call counted under another
outcome. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_helpers import ACCT
from replay_rich import APP, write_logs, write_world

from parc.api import rcp_supported_services
from parc.cli.replay_work import Setup, estates, replayer, run_partition
from parc.core.account.evaluator import Evaluator
from parc.core.account.principals import UnknownPrincipal, resolve
from parc.core.replay import Replayer, Tally
from parc.core.replay.model import Call
from parc.core.replay.replay import why
from parc.loaders.cloudtrail import ReadProblems, Sessions, default_table, list_files, map_record, read_file


class Fresh(Replayer):
    """Every call decided anew, with fresh evaluators and the record's whole context."""

    def decide(self, call: Call, action: str) -> tuple[bool, str, bool, str]:
        now = self._fresh(self.current, call, action)
        new = self._fresh(self.proposed, call, action) if self.proposed is not None else now
        return (*now, *new)

    @staticmethod
    def _fresh(ev: Evaluator, call: Call, action: str) -> tuple[bool, str]:
        assert call.resource is not None
        try:
            p = resolve(ev.estate, call.principal)
        except UnknownPrincipal:
            return False, "principal not in the proposed snapshot"
        side = ev.resource_side(action, call.resource, call.resource_account)
        d = ev.decide(p, action, call.resource, call.context, side=side)
        return d.allowed, "" if d.allowed else why(d)


def _reference(setup: Setup, files: list[str]) -> Tally:
    current, proposed = estates(setup)
    rcp = rcp_supported_services()
    rp = Fresh(Evaluator(current, rcp_services=rcp),
               Evaluator(proposed, rcp_services=rcp) if proposed is not None else None)
    tally, problems, sessions, table = Tally(), ReadProblems(), Sessions(), default_table()
    for path in files:
        for where, rec in read_file(path, problems):
            rp.feed(map_record(rec, where, table, sessions), tally)
    assert not problems.records and not problems.files
    return tally


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("proposal", [True, False])
def test_fast_replay_counts_every_call_as_a_fresh_decision_does(tmp_path: Path, seed: int, proposal: bool) -> None:
    acct, proposed = write_world(tmp_path)
    logs = write_logs(tmp_path, 4000, seed=seed)
    files = list_files([str(logs)], ReadProblems())
    setup = Setup(str(acct), False, (f"policy:{APP}={proposed}",) if proposal else ())
    fast, _problems = run_partition(setup, files)
    ref = _reference(setup, files)
    assert fast.events == ref.events == 4000
    assert fast.replayed == ref.replayed > 1000
    assert fast.unmapped == ref.unmapped
    assert fast.denied_in_log == ref.denied_in_log
    assert fast.not_reproduced == ref.not_reproduced
    assert fast.newly_denied == ref.newly_denied
    assert fast.used == ref.used
    # The log exercises what it is for: both outcomes, keys of every kind tested, the cache reused.
    assert ref.not_reproduced and (ref.newly_denied or not proposal)
    rp = replayer(setup)
    assert {"aws:sourceip", "aws:currenttime", "aws:principaltag/team", "aws:multifactorauthpresent",
            "aws:useragent", "aws:securetransport", "aws:sourcevpce", "aws:requestedregion"} <= rp.tested
    if proposal:
        assert {"aws:epochtime", "aws:viaawsservice", "aws:sourceidentity", "aws:tokenissuetime"} <= rp.tested
    assert 0 < len(rp._cache) < fast.replayed
    assert ACCT in str(acct)
