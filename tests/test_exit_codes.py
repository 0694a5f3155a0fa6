"""Exit codes (parc.cli.exitcodes): 0 clean, 1 findings, 2 bad usage or input, 3 a bug in parc (never 1, never a
traceback unless PARC_DEBUG=1), 130 when interrupted, quiet when the reader of the output goes away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.cli import exitcodes
from parc.cli.main import cli

CLEAN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _policy(tmp_path: Path) -> Path:
    p = tmp_path / "p.json"
    p.write_text(json.dumps(CLEAN))
    return p


def test_a_bug_exits_3_with_a_short_message_and_no_traceback(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import parc.cli.validate as validate_cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("something parc did not expect")

    monkeypatch.setattr(validate_cli, "validate", broken)
    monkeypatch.delenv("PARC_DEBUG", raising=False)
    result = CliRunner().invoke(cli, ["validate", str(_policy(tmp_path))])
    assert result.exit_code == exitcodes.INTERNAL == 3
    assert "internal error: RuntimeError: something parc did not expect" in result.stderr
    assert "This is a bug in parc" in result.stderr and "Traceback" not in result.stderr
    monkeypatch.setenv("PARC_DEBUG", "1")
    result = CliRunner().invoke(cli, ["validate", str(_policy(tmp_path))])
    assert result.exit_code == 3 and "Traceback (most recent call last)" in result.stderr


def test_a_value_error_that_is_not_parcs_is_a_bug_not_bad_input() -> None:
    from parc.core.authz import RequestError
    from parc.core.findings import Position
    from parc.core.policy.jsonpos import JsonLimitError

    assert exitcodes.is_input_error(RequestError("x"))
    assert exitcodes.is_input_error(JsonLimitError("deep", Position(1, 1)))  # a subclass of an input error
    assert exitcodes.is_input_error(FileNotFoundError(2, "No such file", "x.json"))
    assert not exitcodes.is_input_error(ValueError("a bug"))
    assert not exitcodes.is_input_error(RecursionError())


def test_an_input_error_escaping_a_command_exits_2_with_its_message(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import parc.cli.validate as validate_cli
    from parc.core.authz import RequestError

    def bad(*_args: object, **_kwargs: object) -> None:
        raise RequestError("'action' must be a string")

    monkeypatch.setattr(validate_cli, "validate", bad)
    result = CliRunner().invoke(cli, ["validate", str(_policy(tmp_path))])
    assert result.exit_code == 2 and "parc: error: 'action' must be a string" in result.stderr


def test_ctrl_c_exits_130_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import parc.cli.validate as validate_cli

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_cli, "validate", interrupted)
    result = CliRunner().invoke(cli, ["validate", str(_policy(tmp_path))])
    assert result.exit_code == 130 and "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    requests = tmp_path / "r.jsonl"
    requests.write_text('{"action": "s3:GetObject"}\n' * 20000)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    proc = subprocess.Popen([sys.executable, "-c", "from parc.cli.main import main; main()", "simulate",
                             str(requests), "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert json.loads(first)["decision"] == "ImplicitDeny"
    assert err == "" and proc.returncode == exitcodes.BROKEN_PIPE
