"""A request of a batch that could not be decided, kept in its place among the decisions.

``parc simulate`` prints it as ``{"error": {"message", "line", "column", "index"}}`` where the request's answer
would be, and ``PolicySet.authorize_many(..., errors="return")`` returns it in the list: one bad request never
stops the others, and never passes for a decision (``allowed`` is False, ``decision`` is "Error").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorMode = Literal["raise", "return"]
"""What a batch does with a request it cannot decide: raise its error (stopping there), or return a
RequestFailure in its place and go on."""

ERROR_MODES: tuple[str, ...] = ("raise", "return")


@dataclass(frozen=True, slots=True)
class RequestFailure:
    """Why request number ``index`` (0-based, its place in the batch) got no decision; ``line`` and ``column`` say
    where it starts in the input file when it came from one."""

    message: str
    index: int
    line: int | None = None
    column: int | None = None

    decision = "Error"
    allowed = False

    def to_dict(self) -> dict[str, object]:
        return {"error": {"message": self.message, "line": self.line, "column": self.column, "index": self.index}}


def check_mode(errors: str) -> None:
    if errors not in ERROR_MODES:
        raise ValueError(f"errors must be 'raise' or 'return' (got {errors!r})")
