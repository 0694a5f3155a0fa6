"""``parc.scale.runner``: results in input order whatever the scheduler, the scheduler value checked where it is
read (a usage error, exit 2, for a bad one), and the local path free of Dask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from parc.scale import runner
from parc.scale.options import scheduler_option
from parc.scale.runner import SchedulerError, check_scheduler, iter_map_shared, run_map, run_map_shared


def square(x: int) -> int:
    return x * x


def offset(base: int, x: int) -> tuple[int, int]:
    return base, base + x


def boom(x: int) -> int:
    raise ValueError(f"item {x}")


ITEMS = [5, 3, 9, 1, 7, 2, 8]


def test_local_keeps_input_order() -> None:
    assert run_map(square, ITEMS) == [25, 9, 81, 1, 49, 4, 64]
    assert run_map(square, []) == []


def test_processes_keeps_input_order() -> None:
    assert run_map(square, ITEMS, "processes") == [x * x for x in ITEMS]
    assert run_map_shared(offset, 100, ITEMS, "processes") == [(100, 100 + x) for x in ITEMS]


def test_iter_map_runs_local_items_one_at_a_time_and_keeps_order() -> None:
    """Under local an item runs only when its result is asked for (a caller folding results holds one at a time);
    every scheduler gives the results in input order."""
    seen: list[int] = []

    def note(base: int, x: int) -> int:
        seen.append(x)
        return base + x

    results = iter_map_shared(note, 100, ITEMS)
    assert seen == []
    assert next(results) == 105 and seen == [5]
    assert list(results) == [100 + x for x in ITEMS[1:]] and seen == ITEMS
    assert list(iter_map_shared(offset, 100, ITEMS, "processes")) == [(100, 100 + x) for x in ITEMS]
    assert list(iter_map_shared(offset, 100, [], "processes")) == []


def mark(folder: str, x: int) -> int:
    (Path(folder) / f"{x}.started").touch()
    return x


def test_processes_streams_with_a_bounded_window(tmp_path: Path) -> None:
    """Under processes the results are streamed: when the first one is taken, at most the window of items has been
    sent to the workers (an implementation that computes everything first would have started all 40)."""
    items = list(range(40))
    window = runner.STREAM_WINDOW * (os.cpu_count() or 1)
    results = iter_map_shared(mark, str(tmp_path), items, "processes")
    assert next(results) == 0
    assert len(list(tmp_path.glob("*.started"))) <= window < len(items)
    assert list(results) == items[1:]
    assert len(list(tmp_path.glob("*.started"))) == len(items)


def test_streamed_errors_are_raised_in_order(dask_address: str) -> None:
    """An error in a partition is raised when its result is taken; the results before it come first."""
    for scheduler in ("processes", dask_address):
        results = iter_map_shared(offset_or_boom, 100, [1, 2, 0, 4], scheduler)
        assert next(results) == 101 and next(results) == 102
        with pytest.raises(ValueError, match="item 0"):
            next(results)


def offset_or_boom(base: int, x: int) -> int:
    if x == 0:
        raise ValueError("item 0")
    return base + x


def test_cluster_streams_in_input_order(dask_address: str) -> None:
    assert list(iter_map_shared(offset, 100, ITEMS, dask_address)) == [(100, 100 + x) for x in ITEMS]
    assert list(iter_map_shared(offset, 100, [], dask_address)) == []


def test_cluster_keeps_input_order_and_ships_shared(dask_address: str) -> None:
    assert run_map(square, ITEMS, dask_address) == [x * x for x in ITEMS]
    assert run_map_shared(offset, 100, ITEMS, dask_address) == [(100, 100 + x) for x in ITEMS]


def test_an_error_in_a_partition_is_raised(dask_address: str) -> None:
    for scheduler in ("local", dask_address):
        with pytest.raises(ValueError, match="item"):
            run_map(boom, ITEMS, scheduler)


@pytest.mark.parametrize("value", ["local", "processes", "tcp://127.0.0.1:8786", "tcp://scheduler.internal:8786",
                                   "tcp://[::1]:8786"])
def test_scheduler_values_accepted(value: str) -> None:
    assert check_scheduler(value) == value


@pytest.mark.parametrize("value", ["", "thread", "tcp://", "tcp://host", "tcp://host:0", "tcp://host:70000",
                                   "http://host:8786", "tcp://-host:8786", "tcp://host:port", "tcp://a b:1"])
def test_scheduler_values_refused(value: str) -> None:
    with pytest.raises(SchedulerError):
        check_scheduler(value)


def test_unreachable_scheduler_is_a_scheduler_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from parc.scale import runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "1s")

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SchedulerError, match="cannot reach"):
        run_map(square, [1], f"tcp://127.0.0.1:{port}")


@click.command()
@scheduler_option
def _probe(scheduler: str) -> None:
    click.echo(scheduler)


def test_option_default_is_local_and_bad_value_exits_2() -> None:
    runner = CliRunner()
    assert runner.invoke(_probe, []).output == "local\n"
    assert runner.invoke(_probe, ["--scheduler", "processes"]).output == "processes\n"
    bad = runner.invoke(_probe, ["--scheduler", "tcp://nowhere"])
    assert bad.exit_code == 2 and "not a scheduler" in bad.output


def test_option_without_dask_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("dask", "distributed") else real(name, *a))
    result = CliRunner().invoke(_probe, ["--scheduler", "processes"])
    assert result.exit_code == 2 and "pip install 'parc[dask]'" in result.output
    assert CliRunner().invoke(_probe, []).exit_code == 0  # local needs no Dask


def test_local_path_never_imports_dask() -> None:
    code = ("import sys; from parc.scale.runner import run_map; from parc.scale import options; "
            "run_map(abs, [-1], 'local'); print('dask' in sys.modules or 'distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
