"""The runner ``make bench`` calls, as a smoke test on a tiny workload: the table, the JSON, and clean reports of
engines that are not there."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import peers  # noqa: E402
import run  # noqa: E402
from peers import PeerUnavailable  # noqa: E402

SMALL = ["--sizes", "10", "--requests", "150", "--budget", "0.2", "--cpu", "-1", "--no-extras", "--quick"]


def test_prints_the_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    assert run.main([*SMALL, "--peers", "naive", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "10 statements" in text and "decisions/s" in text and "agrees w/ parc" in text
    data = json.loads(out.read_text())
    (size,) = data["sizes"]
    engines = {e["name"]: e for e in size["engines"]}
    assert set(engines) == {"parc", "naive"}
    assert engines["parc"]["measured"] == 150  # parc decides every request
    assert engines["naive"]["agree_parc"] == 1.0
    assert sum(size["mix"].values()) == 150
    assert data["compile"]["available"] and data["compile"]["target_ms"] is None  # the target is for 1,000


def test_engines_that_are_not_there_are_reported_not_fatal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import parc

    def missing() -> peers.Peer:
        raise PeerUnavailable("moto is not installed")

    monkeypatch.setitem(peers.FACTORIES, "moto", missing)
    monkeypatch.setattr(parc, "compile", None, raising=False)
    assert run.main([*SMALL, "--peers", "naive,moto"]) == 0
    text = capsys.readouterr().out
    assert "parc.compile is not there yet" in text
    assert "moto is not installed" in text
    assert "compile: parc not available" in text


def test_rejects_unknown_peers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run.main(["--peers", "naive,opa"])
    assert exc.value.code == 2
    assert "unknown opa" in capsys.readouterr().err
