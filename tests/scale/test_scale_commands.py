"""The organization-wide commands give the same output, byte for byte, whatever ``--scheduler`` runs them: in this
process (``local``, the reference), on every local core (``processes``) and on a Dask cluster (the session's
``LocalCluster``, whose workers receive the snapshot shipped by the driver). On the example organization and on a
small generated one whose escalation paths cross accounts, with partitions small enough that a single account is
cut in several (so the merge of an account's pieces is exercised, not only the merge of accounts).

Issue 17 (section 2) asks for it: "results merged deterministically: the same output byte for byte whatever the
scheduler".
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from parc.cli import account, audit
from parc.loaders.account import load_snapshot
from parc.scale import partition
from parc.scale.partition import principal_partitions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "org")
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import org_workload  # noqa: E402

CLI = click.Group("parc", commands={c.name: c for c in [*account.commands, audit.command] if c.name})


@pytest.fixture(scope="module")
def small_org(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("org") / "org"
    org_workload.write_org(root, accounts=3, roles=30, policies=25, users=8, seed=7)
    return str(root)


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(partition, "PRINCIPALS_PER_PARTITION", 7)
    yield


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(CLI, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout


def same_everywhere(args: list[str], schedulers: list[str]) -> tuple[int, str]:
    """The command's (exit code, stdout) under every scheduler equal to the local one; the local one."""
    reference = run(*args)
    assert reference[0] in (0, 1), reference
    for scheduler in schedulers:
        assert run(*args, "--scheduler", scheduler) == reference, scheduler
    return reference


def commands(org: str, kind: str) -> dict[str, list[str]]:
    if kind == "example":
        return {
            "escalation": ["escalation", "--account", org, "--format", "json"],
            "escalation-text": ["escalation", "--account", org],
            "who-can": ["who-can", "--account", org, "s3:GetObject",
                        "arn:aws:s3:::prod-customer-data/exports/report.csv", "--format", "json"],
            "what-can": ["what-can", "--account", org, "app-runtime", "--format", "json"],
            "audit": ["audit", org, "--format", "json", "--at", "2026-11-30T08:00:00Z", "--no-progress"],
            "audit-text": ["audit", org, "--at", "2026-11-30T08:00:00Z", "--no-progress"],
        }
    second = org_workload.account_ids(3)[1]
    return {
        "escalation": ["escalation", "--account", org, "--format", "json"],
        "who-can": ["who-can", "--account", org, "sts:AssumeRole", f"arn:aws:iam::{second}:role/role-3",
                    "--format", "json"],
        "what-can": ["what-can", "--account", org, f"arn:aws:iam::{second}:user/user-1", "--format", "json"],
        "audit": ["audit", org, "--format", "json", "--at", "2026-11-30T08:00:00Z", "--no-progress"],
    }


@pytest.mark.parametrize("name", ["escalation", "escalation-text", "who-can", "what-can", "audit", "audit-text"])
def test_example_org_same_output_on_processes_and_cluster(name: str, dask_address: str) -> None:
    same_everywhere(commands(EXAMPLE, "example")[name], ["processes", dask_address])


@pytest.mark.parametrize("name", ["escalation", "who-can", "what-can", "audit"])
def test_generated_org_same_output_on_processes_and_cluster(name: str, small_org: str, dask_address: str) -> None:
    _, out = same_everywhere(commands(small_org, "generated")[name], ["processes", dask_address])
    if name == "escalation":
        # The organization's cross-account paths survive the partitioning (each partition searches the whole
        # organization): the deployer of one account reaches roles of another.
        crossing = [p for p in json.loads(out)["paths"]
                    if any(s["target"].split(":")[4] != p["principal"].split(":")[4] for s in p["steps"])]
        assert crossing and all(p["principal"].endswith(":user/deployer") for p in crossing)
    if name == "audit":
        assert json.loads(out)["summary"]["by_rule"].get("ESCALATION_PATH", 0) > 0


def test_what_can_over_every_service_merges_exactly(dask_address: str) -> None:
    """The auditor's read-only policy names several services: each is decided in its own partition, and grants of
    one resource and access level from different services merge into one, as a single run groups them."""
    _, out = same_everywhere(["what-can", "--account", EXAMPLE, "auditor", "--format", "json"], [dask_address])
    assert any(len({a.split(":")[0] for a in g["actions"]}) > 1 for g in json.loads(out)["permissions"])


def test_escalation_of_one_principal_and_fail_on_admin(dask_address: str) -> None:
    args = ["escalation", "--account", EXAMPLE, "bob", "--format", "json", "--fail-on-admin"]
    code, out = same_everywhere(args, [dask_address])
    assert code == 1 and json.loads(out)["paths"][0]["gains"] == "administrator"


def test_partitions_cover_every_principal_in_order() -> None:
    estate = load_snapshot(EXAMPLE)
    flat = [arn for part in principal_partitions(estate, 3) for arn in part]
    assert flat == [u.arn for a in estate.accounts for u in [*a.users, *a.roles]]
    for part in principal_partitions(estate, 3):
        assert 1 <= len(part) <= 3 and len({arn.split(":")[4] for arn in part}) == 1  # never across accounts
    with pytest.raises(ValueError):
        principal_partitions(estate, 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args", [["audit", EXAMPLE], ["escalation", "--account", EXAMPLE],
                                  ["who-can", "--account", EXAMPLE, "s3:GetObject", "arn:aws:s3:::b/k"],
                                  ["what-can", "--account", EXAMPLE, "alice"]])
def test_bad_or_unreachable_scheduler_is_a_usage_error(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from parc.scale import runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "0.5s")
    r = CliRunner().invoke(CLI, [*args, "--scheduler", "tcp//nowhere"])
    assert r.exit_code == 2 and "not a scheduler" in r.output
    r = CliRunner().invoke(CLI, [*args, "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert r.exit_code == 2 and "cannot reach a Dask scheduler" in r.output and r.stdout == ""


def test_what_crosses_to_workers_pickles_without_the_engine(monkeypatch: pytest.MonkeyPatch, small_org: str) -> None:
    """Jobs and answers cross with the standard library's pickle (no compiled plans, lambdas or whole principals:
    ``parc.scale.transport``): the cluster replaced by an in-process round trip through ``pickle`` (the snapshot
    shipped, as to a cluster), the output is still the local one."""
    import pickle

    from parc.core.authz.decision import Decision
    from parc.scale import runner

    def round_trip(client, fn, shared, items):  # type: ignore[no-untyped-def]
        shared = pickle.loads(pickle.dumps(shared))
        assert shared.snapshot.estate is not None or shared.snapshot.inputs is not None  # shipped, not the path
        out = [pickle.dumps(fn(shared, pickle.loads(pickle.dumps(item)))) for item in items]
        assert all(b"compile_glob" not in b and b"CompiledStatement" not in b for b in out)
        return [pickle.loads(b) for b in out]

    class Client:
        def close(self) -> None:
            pass

    monkeypatch.setattr(runner, "_connect", lambda address: Client())
    monkeypatch.setattr(runner, "run_on_client", round_trip)
    for args in commands(small_org, "generated").values():
        assert run(*args, "--scheduler", "tcp://127.0.0.1:9") == run(*args), args
    # A decision crosses as its fields, settled (a compiled engine's classes are not picklable themselves).
    d = pickle.loads(pickle.dumps(Decision("Allow", reasons=("r",))))
    assert (d.decision, d.reasons, d.deciding) == ("Allow", ("r",), ())


def _shipped_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The snapshots the driver actually sends to the cluster, recorded as run_on_client scatters them."""
    from parc.scale import runner

    sent: list[object] = []
    real = runner._for_cluster

    def spy(client, shared):  # type: ignore[no-untyped-def]
        out = real(client, shared)
        sent.append(getattr(out, "snapshot", None))
        return out

    monkeypatch.setattr(runner, "_for_cluster", spy)
    return sent


def test_a_cluster_that_sees_the_files_reads_them_itself(monkeypatch: pytest.MonkeyPatch, small_org: str,
                                                         dask_address: str) -> None:
    """The session's LocalCluster runs on this machine in this folder: its workers are sent the path and the
    files' digest, not the loaded estate (which cost more to unpickle than the files to read), and answer the same."""
    sent = _shipped_snapshots(monkeypatch)
    args = commands(small_org, "generated")["escalation"]
    assert run(*args, "--scheduler", dask_address) == run(*args)
    assert sent and all(s.estate is None and s.inputs is None and s.digest for s in sent)  # type: ignore[attr-defined]


def test_a_cluster_that_sees_other_files_is_sent_the_data(monkeypatch: pytest.MonkeyPatch, small_org: str,
                                                          dask_address: str) -> None:
    """When the workers' files differ from the driver's (here: the driver's digest made different), the driver ships
    what it read, and the output is still the local one; a worker never reads files other than the driver's."""
    from parc.scale import snapshot

    sent = _shipped_snapshots(monkeypatch)
    monkeypatch.setattr(snapshot, "files_digest", lambda path: "not-what-the-workers-see")
    for name in ("escalation", "audit"):
        args = commands(small_org, "generated")[name]
        assert run(*args, "--scheduler", dask_address) == run(*args), name
    assert sent and all(s.estate is not None or s.inputs is not None for s in sent)  # type: ignore[attr-defined]


def test_a_worker_refuses_files_other_than_the_drivers(small_org: str, tmp_path: Path) -> None:
    from dataclasses import replace

    from parc.scale.snapshot import Snapshot, files_digest

    snap = replace(Snapshot.of(small_org, "processes"), digest=files_digest(small_org))
    assert snap.readable_path() == small_org
    with pytest.raises(RuntimeError, match="does not see the files"):
        replace(snap, digest="0" * 40).readable_path()
    assert files_digest(str(tmp_path / "absent")) != snap.digest  # a worker without the folder does not see it
