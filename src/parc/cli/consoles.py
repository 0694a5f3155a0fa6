"""Every rich Console the CLI prints with comes from here, so that all commands treat terminals and pipes alike.

On a terminal, rich wraps to the terminal's width. Anywhere else (a pipe, a file, a CI log) rich would wrap at 80
columns, which cuts an ARN or a finding in two and breaks ``grep``: there, lines are never wrapped (tables take the
width their cells need) and there is no colour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.align import AlignMethod
from rich.console import Console
from rich.style import Style
from rich.text import TextType

UNWRAPPED = 100_000
"""The width of a console that is not a terminal: wide enough that no line of parc's is ever wrapped (rich's
tables and texts take only the width their content needs; rules, which fill the width, are drawn RULE_WIDTH
wide)."""
RULE_WIDTH = 100


class _Console(Console):
    """rich's Console, with rules of a reasonable length when the console is unwrapped."""

    def rule(self, title: TextType = "", *, characters: str = "─", style: str | Style = "rule.line",
             align: AlignMethod = "center") -> None:
        from rich.rule import Rule

        self.print(Rule(title=title, characters=characters, style=style, align=align),
                   width=min(self.width, RULE_WIDTH) if self.width >= UNWRAPPED else None)


def make_console(file: TextIO | None = None, *, stderr: bool = False, width: int | None = None,
                 highlight: bool = False) -> Console:
    """A console for stdout (``file`` None), stderr, or a file or buffer (then without colour)."""
    target = file if file is not None else (sys.stderr if stderr else sys.stdout)
    if width is None and not _is_tty(target):
        width = UNWRAPPED
    return _Console(file=file, stderr=stderr, width=width, highlight=highlight, soft_wrap=True,
                   no_color=True if file is not None else None)


MIN_PROGRESS_ITEMS = 50
"""Fewer items than this finish in about a second: no bar."""


@contextmanager
def progress_bar(description: str, total: int | None, *, beside_output: bool = False) -> Iterator[Callable[[], None]]:
    """A ``step()`` to call once per item done; a transient progress bar on stderr when stderr is a terminal and
    the work is long enough to want one (nothing on a pipe, in a file or in CI logs). ``total`` None: a count
    without an end. ``beside_output``: the command prints as it goes, so the bar shows only when stdout is not the
    terminal too (the answers themselves show the progress there)."""
    short = total is not None and total < MIN_PROGRESS_ITEMS
    if short or not _is_tty(sys.stderr) or (beside_output and _is_tty(sys.stdout)):
        yield _nothing
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=make_console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def step() -> None:
            bar.advance(task)

        yield step


def _nothing() -> None:
    pass


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
