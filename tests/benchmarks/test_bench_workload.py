"""The synthetic workload of issue 6: seeded, the mix the issue asks for, all three decisions, files that round-trip."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import workload  # noqa: E402
from peers.naive import NaivePeer  # noqa: E402


def test_same_seed_same_workload_other_seed_other_workload() -> None:
    a = workload.make_workload(100, 300, seed=7)
    b = workload.make_workload(100, 300, seed=7)
    c = workload.make_workload(100, 300, seed=8)
    assert json.dumps(a.policies) == json.dumps(b.policies)
    assert a.requests == b.requests
    assert a.policies != c.policies
    assert a.requests != c.requests


@pytest.mark.parametrize("n", [1, 10, 100, 1000])
def test_statement_count_and_splitting(n: int) -> None:
    one = workload.generate_policies(n, 0)
    assert len(one) == 1 and len(one[0]["Statement"]) == n
    split = workload.generate_policies(n, 0, per_policy=10)
    assert [len(p["Statement"]) for p in split] == [min(10, n - i) for i in range(0, n, 10)]
    assert [s for p in split for s in p["Statement"]] == one[0]["Statement"]
    assert all(p["Version"] == "2012-10-17" for p in split)


@pytest.mark.parametrize("n", [100, 1000])
def test_the_statement_mix_the_issue_asks_for(n: int) -> None:
    f = workload.features(workload.generate_policies(n, 0))
    for feature in (
        "Allow",
        "Deny",
        "NotAction",
        "action wildcard",
        "service wildcard",
        "resource wildcard",
        "StringEquals",
        "IpAddress",
        "NotIpAddress",
        "DateLessThan",
        "Bool",
        "StringLike variable",
    ):
        assert f.get(feature, 0) > 0, feature
    assert f["Deny"] < f["Allow"]


def test_requests_are_in_parcs_format() -> None:
    wl = workload.make_workload(100, 500, seed=3)
    known = {a.name for a in workload.catalog().all_actions()}
    for r in wl.requests:
        assert set(r) == {"principal", "action", "resource", "context"}
        assert r["principal"].startswith("arn:aws:iam::123456789012:user/")
        assert r["action"] in known
        assert r["resource"] == "*" or r["resource"].startswith("arn:aws:")
        assert all(isinstance(v, str) for v in r["context"].values())
        assert r["context"]["aws:username"] == r["principal"].rsplit("/", 1)[1]
        for key in ("aws:SourceIp", "aws:CurrentTime", "aws:SecureTransport"):
            assert key in r["context"]


@pytest.mark.parametrize(("n", "count"), [(10, 600), (100, 600), (1000, 200)])
def test_all_three_decisions_occur(n: int, count: int) -> None:
    wl = workload.make_workload(n, count, seed=0)
    peer = NaivePeer()
    peer.prepare(wl.policies, wl.usernames)
    mix = Counter(peer.decide_many(wl.requests))
    for decision in ("Allow", "ExplicitDeny", "ImplicitDeny"):
        assert mix[decision] >= count // 20, (decision, mix)


def test_streamed_requests_equal_the_in_memory_ones() -> None:
    wl = workload.make_workload(10, 200, seed=5)
    streamed = list(workload.iter_requests(wl.policies, workload.generate_principals(5), 200, 5))
    assert streamed == wl.requests


def test_cli_writes_a_policy_file_and_jsonl_that_read_back(tmp_path: Path) -> None:
    out = tmp_path / "req.jsonl"
    assert workload.main(["--statements", "20", "--requests", "150", "--seed", "4", "--out", str(out)]) == 0
    policy_file = tmp_path / "req.policy.json"
    on_disk = json.loads(policy_file.read_text())
    assert set(on_disk) == {"identity_policies"}  # what `parc simulate --policies FILE` reads
    wl = workload.make_workload(20, 150, seed=4)
    assert workload.read_policy(policy_file) == wl.policies
    lines = out.read_text().splitlines()
    assert len(lines) == 150
    assert workload.read_jsonl(out) == wl.requests


def test_cli_rejects_bad_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        workload.main(["--statements", "0", "--out", "x.jsonl"])
    assert exc.value.code == 2
    assert "--statements" in capsys.readouterr().err
