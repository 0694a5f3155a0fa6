"""Every rich Console the CLI prints with comes from here, so that all commands treat terminals and pipes alike.

On a terminal, rich wraps to the terminal's width. Anywhere else (a pipe, a file, a CI log) rich would wrap at 80
columns, which cuts an ARN or a finding in two and breaks ``grep``: there, lines are never wrapped (tables take the
width their cells need) and there is no colour.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

UNWRAPPED = 100_000
"""The width of a console that is not a terminal: wide enough that no line of parc's is ever wrapped (rich's
tables and texts take only the width their content needs)."""


def make_console(file: TextIO | None = None, *, stderr: bool = False, width: int | None = None,
                 highlight: bool = False) -> Console:
    """A console for stdout (``file`` None), stderr, or a file or buffer (then without colour)."""
    target = file if file is not None else (sys.stderr if stderr else sys.stdout)
    try:
        tty = target.isatty()
    except (AttributeError, ValueError):
        tty = False
    if width is None and not tty:
        width = UNWRAPPED
    return Console(file=file, stderr=stderr, width=width, highlight=highlight, soft_wrap=True,
                   no_color=True if file is not None else None)
