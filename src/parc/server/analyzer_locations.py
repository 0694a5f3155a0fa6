"""parc's finding positions in Access Analyzer's shape: a path of elements and a span with line, column, offset.

Access Analyzer's Location (API reference, ``Location``, ``PathElement``, ``Span``, ``Position``:
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Location.html): ``path`` is the JSON path as
elements (``{"value": "Statement"}`` for a member name on the way, ``{"index": 0}`` for an array item,
``{"key": "s3:prefix"}`` last when the finding is on a member's name rather than its value); ``span`` runs from the
element's first character to just past its last, each end as a 1-based line, 0-based column and 0-based offset
into the document. parc's findings carry the path as text (``Statement[0].Action[1]``) and the start as 1-based
line and column; the end is found by decoding the JSON value that starts there.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from parc.core.findings import Finding

_INDEX = re.compile(r"\[(\d+)\]")
_DECODER = json.JSONDecoder()


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _position(starts: list[int], offset: int) -> dict[str, int]:
    line = bisect.bisect_right(starts, offset) - 1
    return {"line": line + 1, "column": offset - starts[line], "offset": offset}


def path_elements(path: str, document: Any) -> list[dict[str, Any]]:
    """``Statement[0].Condition.StringEquals.aws:PrincipalTag/a.b`` as path elements. Member names may hold dots:
    the document itself says where a name ends (the longest member of the object there that the path continues
    with); without a document the path is split at dots."""
    out: list[dict[str, Any]] = []
    rest = path
    node = document
    while rest:
        m = _INDEX.match(rest)
        if m:
            i = int(m.group(1))
            out.append({"index": i})
            node = node[i] if isinstance(node, list) and i < len(node) else None
            rest = rest[m.end():].removeprefix(".")
            continue
        name = None
        if isinstance(node, dict):
            fits = [k for k in node if isinstance(k, str) and rest.startswith(k)
                    and (len(rest) == len(k) or rest[len(k)] in ".[")]
            name = max(fits, key=len, default=None)
        if name is None:
            cut = min((i for i in (rest.find("."), rest.find("[")) if i >= 0), default=len(rest))
            name = rest[:cut]
            node = None
        else:
            node = node[name] if isinstance(node, dict) else None
        out.append({"value": name})
        rest = rest[len(name):].removeprefix(".")
    return out


class Locator:
    """Turns findings on one document into Access Analyzer locations."""

    def __init__(self, text: str | None) -> None:
        self.text = text or ""
        self.starts = _line_starts(self.text)
        try:
            self.document: Any = json.loads(self.text) if text else None
        except (ValueError, RecursionError):
            self.document = None

    def locations(self, finding: Finding) -> list[dict[str, Any]]:
        if finding.position is None:
            return []
        line, column = finding.position.line, finding.position.column
        if not 1 <= line <= len(self.starts):
            return []
        start = min(self.starts[line - 1] + max(column - 1, 0), len(self.text))
        end = start
        value: Any = None
        try:
            value, end = _DECODER.raw_decode(self.text, start)
        except (ValueError, RecursionError):
            end = start
        path = path_elements(finding.path, self.document)
        if path and "value" in path[-1] and isinstance(value, str) and self._names_member(end):
            path[-1] = {"key": path[-1]["value"]}  # the finding is on the member's name, not its value
        return [{"path": path,
                 "span": {"start": _position(self.starts, start), "end": _position(self.starts, end)}}]

    def _names_member(self, end: int) -> bool:
        """The string just decoded is followed by a colon: it is a member name."""
        rest = self.text[end:end + 64].lstrip()
        return rest.startswith(":")
