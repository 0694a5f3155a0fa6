"""Fuzz the CLI with mutated inputs: validate, check and simulate on byte-wise and structurally mutated files.
Bad input never ends in a traceback or exit code 3 (a bug); check and simulate never exit 1 without --expect
(1 means findings), validate exits 1 only for findings it reports (issue 19)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from mutations import SEEDS, byte_mutated, mutated, to_text

from parc.cli.main import cli

ALICE = "arn:aws:iam::111122223333:user/alice"
REQUEST = {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
           "context": {"aws:SourceIp": "10.0.0.1"}, "identity_policies": [SEEDS[0]]}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


# One folder for the whole module: fuzz tests take no fixtures (the timed loop of fuzzcfg hides their parameters).
_TMP = tempfile.TemporaryDirectory(prefix="parc-fuzz-cli-")


def _write(name: str, data: bytes) -> str:
    path = Path(_TMP.name) / name
    path.write_bytes(data)
    return str(path)


@fuzz
@given(st.sampled_from(SEEDS).flatmap(lambda s: st.one_of(byte_mutated(to_text(s)),
                                                          mutated(s).map(lambda d: to_text(d).encode()))))
def test_fuzz_validate_and_check_on_mutated_policies(data: bytes) -> None:
    policy = _write("p.json", data)
    code, _ = _run("validate", policy, "--format", "json")
    assert code in (0, 1, 2)
    code, _ = _run("check", "--policy", policy, "--principal", ALICE, "--action", "s3:GetObject")
    assert code in (0, 2)


@fuzz
@given(st.one_of(mutated(REQUEST).map(lambda d: to_text(d).encode()),
                 byte_mutated(json.dumps(REQUEST)),
                 byte_mutated(json.dumps([REQUEST, REQUEST])),
                 byte_mutated(json.dumps(REQUEST) + "\n" + json.dumps(REQUEST) + "\n")))
def test_fuzz_simulate_on_mutated_requests(data: bytes) -> None:
    requests = _write("r.json", data)
    for fmt in ("json", "text"):
        code, _ = _run("simulate", requests, "--format", fmt)
        assert code in (0, 2)
