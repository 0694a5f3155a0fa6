"""``--scheduler``: the click option of every organization-wide command, validated where it is read.

A malformed value or an address that is not ``tcp://HOST:PORT`` is a usage error (exit 2), and so is a scheduler
that needs Dask when Dask is not installed (with how to install it): never a traceback at the first partition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from parc.scale.runner import LOCAL, SchedulerError, check_scheduler

F = TypeVar("F", bound=Callable[..., Any])


class SchedulerType(click.ParamType[str]):
    """``local``, ``processes`` or ``tcp://HOST:PORT``, checked by ``parc.scale.runner.check_scheduler``."""

    name = "SCHEDULER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_scheduler(str(value))
        except SchedulerError as exc:
            self.fail(str(exc), param, ctx)


SCHEDULER = SchedulerType()


def scheduler_option(fn: F) -> F:
    """Add ``--scheduler`` (default ``local``) to a command; the value reaches it as ``scheduler``."""
    option = click.option(
        "--scheduler", "scheduler", type=SCHEDULER, default=LOCAL, show_default=True, metavar="SCHEDULER",
        help="Where to run the work, cut per account (and per chunk of a big account's principals): local (this "
             "process), processes (every local core, with Dask) or tcp://HOST:PORT (an existing Dask cluster whose "
             "workers have the same parc installed; the snapshot is sent to them). The output is the same "
             "whichever. Dask: pip install 'parc[dask]'.")
    return option(fn)
