"""Each engine adapter of the benchmark, on a tiny workload: they run, answer decisions, and agree where they should.

naive, Cedar and parc implement AWS's rules for this workload and must agree on every request; moto and PMapper
have documented departures (moto evaluates only StringEquals, PMapper no variables in condition values), pinned
here by a case each so that a broken adapter cannot pass for a lenient engine.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import workload  # noqa: E402
from peers import DECISIONS, PEERS, Peer, PeerUnavailable, load, normalize, same  # noqa: E402
from peers.parc_engine import ParcEngine  # noqa: E402

ALICE = "arn:aws:iam::123456789012:user/alice"


def _load(name: str) -> Peer:
    try:
        return load(name)
    except PeerUnavailable as exc:
        pytest.fail(f"{name} is not installed: {exc} (make test installs the bench extra)")


@pytest.fixture(scope="module")
def tiny() -> Iterator[workload.Workload]:
    yield workload.make_workload(30, 400, seed=11)


@pytest.fixture(scope="module")
def naive_decisions(tiny: workload.Workload) -> list[str]:
    peer = load("naive")
    peer.prepare(tiny.policies, tiny.usernames)
    return peer.decide_many(tiny.requests)


@pytest.mark.parametrize("name", ["parc", *PEERS])
def test_adapter_answers_a_decision_for_every_request(name: str, tiny: workload.Workload) -> None:
    peer = _load(name)
    peer.prepare(tiny.policies, tiny.usernames)
    many = peer.decide_many(tiny.requests)
    assert len(many) == len(tiny.requests)
    assert set(many) <= DECISIONS
    assert [peer.decide(r) for r in tiny.requests[:50]] == many[:50]


@pytest.mark.parametrize("name", ["cedar", "parc"])
def test_faithful_engines_agree_with_the_naive_reference(
    name: str, tiny: workload.Workload, naive_decisions: list[str]
) -> None:
    peer = _load(name)
    peer.prepare(tiny.policies, tiny.usernames)
    theirs = peer.decide_many(tiny.requests)
    diffs = [(r, a, b) for r, a, b in zip(tiny.requests, naive_decisions, theirs, strict=True) if a != b]
    assert not diffs, f"{len(diffs)} disagreements, first: {diffs[0]}"


def test_cedar_translates_every_generated_statement() -> None:
    from peers.cedar_translate import translate

    wl = workload.make_workload(1000, 1, seed=0)
    tr = translate(wl.policies, wl.usernames)
    assert tr.skipped == []
    assert tr.count == 1000


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _request(action: str, resource: str = "*") -> dict[str, Any]:
    return {"principal": ALICE, "action": action, "resource": resource, "context": {"aws:username": "alice"}}


@pytest.mark.parametrize("name", ["moto", "pmapper"])
def test_adapter_maps_the_three_outcomes(name: str) -> None:
    peer = _load(name)
    peer.prepare(
        [
            _doc(
                {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
                {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"},
            )
        ]
    )
    assert peer.decide(_request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"
    assert peer.decide(_request("s3:GetObjectAcl", "arn:aws:s3:::b/k")) == "ExplicitDeny"
    assert peer.decide(_request("s3:PutObject", "arn:aws:s3:::b/k")) == "ImplicitDeny"


def test_moto_ignores_an_ipaddress_condition() -> None:
    """moto counts operators other than StringEquals as met: the Deny applies from any address."""
    peer = _load("moto")
    peer.prepare(
        [
            _doc(
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
            )
        ]
    )
    req = _request("s3:GetObject", "arn:aws:s3:::b/k")
    req["context"]["aws:SourceIp"] = "10.1.2.3"
    assert peer.decide(req) == "ExplicitDeny"  # AWS: Allow


def test_pmapper_does_not_substitute_variables_in_condition_values() -> None:
    peer = _load("pmapper")
    peer.prepare(
        [
            _doc(
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringLike": {"aws:PrincipalTag/owner": "${aws:username}"}},
                }
            )
        ]
    )
    req = _request("s3:GetObject", "arn:aws:s3:::b/k")
    req["context"]["aws:PrincipalTag/owner"] = "alice"
    assert peer.decide(req) == "ImplicitDeny"  # AWS: Allow


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Allow", "Allow"), ("explicit_deny", "ExplicitDeny"), ("IMPLICIT DENY", "ImplicitDeny"), ("Deny", "Deny")],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_rejects_what_is_not_a_decision() -> None:
    with pytest.raises(ValueError, match="not a decision"):
        normalize("Maybe")


def test_a_two_valued_engine_is_compared_on_allowed_or_not() -> None:
    assert same("ExplicitDeny", "Deny") and same("ImplicitDeny", "Deny") and same("Allow", "Allow")
    assert not same("Allow", "Deny") and not same("ExplicitDeny", "ImplicitDeny")


def test_parc_adapter_reports_a_missing_engine_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    import parc

    monkeypatch.setattr(parc, "compile", None, raising=False)
    with pytest.raises(PeerUnavailable, match=r"parc\.compile is not there yet"):
        ParcEngine()
