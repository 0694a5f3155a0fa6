"""Read CloudTrail records one file at a time: log files as AWS delivers them, and exports of CloudTrail Lake,
Athena or ``lookup-events``.

Shapes read (each file plain or gzip-compressed, by its content, not its name):

- a log file as delivered to S3, ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz``: one object
  ``{"Records": [...]}`` (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html);
- a JSON array of records, or one record per line (JSON Lines: Athena's and CloudTrail Lake's exports, which AWS
  delivers gzip-compressed: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-results.html);
- ``aws cloudtrail get-query-results`` output ``{"QueryResultRows": [[{"column": value}, ...], ...]}`` (each row
  a list of one-column objects,
  https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html) and
  ``aws cloudtrail lookup-events`` output ``{"Events": [{"CloudTrailEvent": "<the record as a JSON string>"}]}``
  (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html);
- digest files (``CloudTrail-Digest/``: ``{"digestStartTime": ...}``) hold no records: skipped and said so.

Memory stays bounded: files are read one at a time and records handed on one at a time; a JSON Lines file is read
line by line, a big file of one list incrementally, any other file whole (a delivered log file is small). A file
that cannot be read (not gzip, not JSON, not one of the shapes above) is a located problem; the others are read on.
A big file (over ``STREAM_BYTES``) holding a top-level list is parsed incrementally with ijson, one record at a
time.
A record that is not an object is counted, never dropped silently.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")
"""The files a folder is searched for; any other file in a folder is listed as skipped."""


@dataclass
class ReadProblems:
    """What could not be read: files (with where and why), records by reason, files skipped (and why)."""

    files: list[tuple[str, str]] = field(default_factory=list)
    """(file[:line], message) of each file that could not be read (the rest of it is not read)."""
    records: dict[str, int] = field(default_factory=dict)
    """Records that could not be read, by reason."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(file, why) of files not read on purpose (digest files, files of other kinds in a folder)."""
    files_read: int = 0

    def count(self, reason: str, n: int = 1) -> None:
        self.records[reason] = self.records.get(reason, 0) + n

    def merge(self, other: ReadProblems) -> None:
        self.files.extend(other.files)
        self.skipped.extend(other.skipped)
        self.files_read += other.files_read
        for k, v in other.records.items():
            self.count(k, v)


class CloudTrailInputError(ValueError):
    """A path given on the command line that does not exist."""


def list_files(paths: Iterable[str], problems: ReadProblems) -> list[str]:
    """The files to read, in order: each path as given; a folder walked in sorted order (a delivery folder's
    YYYY/MM/DD layout sorts by date)."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_file():
            out.append(str(p))
            continue
        if not p.is_dir():
            raise CloudTrailInputError(f"{path}: no such file or folder")
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.lower().endswith(SUFFIXES):
                    out.append(full)
                else:
                    problems.skipped.append((full, "not a .json, .jsonl or .gz file"))
    return out


def _open(path: str, stack: ExitStack) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (by its magic number, whatever its name)."""
    fh = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - the caller's ExitStack closes it
    if fh.peek(2)[:2] == b"\x1f\x8b":
        return stack.enter_context(gzip.GzipFile(fileobj=fh, mode="rb"))  # type: ignore[arg-type]
    return fh


def read_file(path: str, problems: ReadProblems) -> Iterator[tuple[str, dict[str, Any]]]:
    """The records of one file, each with where it is (``file:line`` or ``file#Records[i]``)."""
    try:
        if os.path.getsize(path) > STREAM_BYTES:
            with ExitStack() as stack:
                key = _first_key(_open(path, stack).read(4096))
            if key is not None:
                yield from _stream(path, key, problems)
                problems.files_read += 1
                return
        with ExitStack() as stack:
            fh = _open(path, stack)
            first = fh.readline()
            stripped = first.strip()
            if not stripped:
                rest = fh.read().strip()
                if not rest:
                    problems.skipped.append((path, "empty file"))
                    problems.files_read += 1
                    return
                yield from _whole(path, rest, problems)
                problems.files_read += 1
                return
            one = _loads(stripped)
            if isinstance(one, dict) and _is_record(one):
                yield from _lines(path, one, fh, problems)
            else:
                rest = fh.read()
                if one is not _NOT_JSON and not rest.strip():
                    # The first line was the whole document (a delivered log file is one line): parsed once.
                    yield from _records_of(path, one, problems)
                else:
                    yield from _whole(path, first + rest, problems)
            problems.files_read += 1
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        problems.files.append((path, f"cannot be read: {exc}"))
    except _Unreadable as exc:
        problems.files.append((exc.where or path, str(exc)))


STREAM_BYTES = 8 * 1024 * 1024
"""A file bigger than this on disk (a large export; delivered log files are far smaller) whose records sit in a
top-level list is parsed incrementally (ijson), one record at a time, instead of whole."""
_FIRST_KEY = re.compile(rb'^\s*(?:\[|\{\s*"(Records|QueryResultRows|Events)"\s*:\s*\[)')


def _first_key(head: bytes) -> str | None:
    """``item`` for a top-level array, ``Records.item`` (and the like) for a records object; None otherwise."""
    m = _FIRST_KEY.match(head)
    if m is None:
        return None
    return f"{m.group(1).decode()}.item" if m.group(1) else "item"


def _stream(path: str, prefix: str, problems: ReadProblems) -> Iterator[tuple[str, dict[str, Any]]]:
    """The records of a big file, parsed incrementally: memory holds one record, not the file."""
    import ijson  # type: ignore[import-untyped]  # the standard library parses a document only whole

    label = prefix.split(".", 1)[0] if "." in prefix else ""
    i = -1
    try:
        with ExitStack() as stack:
            for i, item in enumerate(ijson_backend().items(_open(path, stack), prefix, use_float=True)):
                rec = _record(_row(item) if label == "QueryResultRows" else item, problems)
                if rec is not None:
                    yield f"{path}#{label}[{i}]", rec
    except ijson.JSONError as exc:
        raise _Unreadable(f"not JSON after {label or 'item'}[{i}]: {exc}") from None


@lru_cache(maxsize=1)
def ijson_backend() -> Any:
    """ijson's C backend (``yajl2_c``, in ijson's wheels) when it loads, else the fastest that does, in ijson's own
    order. Why chosen here: ``IJSON_BACKEND`` in the environment would otherwise pick it, and the pure-Python
    backend parses several times slower than the C one."""
    import ijson

    for name in ("yajl2_c", *(b for b in ijson.ALL_BACKENDS if b != "yajl2_c")):
        try:
            return ijson.get_backend(name)
        except ImportError:
            continue
    return ijson  # unreachable: the pure-Python backend always loads


class _Unreadable(Exception):
    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


_NOT_JSON = object()


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return _NOT_JSON


RECORD_KEYS = ("eventName", "eventSource", "eventVersion", "userIdentity", "CloudTrailEvent", "eventJson")


def _is_record(doc: dict[str, Any]) -> bool:
    """A record (one line of JSON Lines), not a document that holds records."""
    return any(k in doc for k in RECORD_KEYS) and "Records" not in doc


def _lines(path: str, first: dict[str, Any], fh: IO[bytes], problems: ReadProblems
           ) -> Iterator[tuple[str, dict[str, Any]]]:
    rec = _record(first, problems)
    if rec is not None:
        yield f"{path}:1", rec
    for n, line in enumerate(fh, start=2):
        if not line.strip():
            continue
        doc = _loads(line)
        if doc is _NOT_JSON:
            problems.count("not JSON")
            problems.files.append((f"{path}:{n}", "a line that is not JSON (the file's other lines are read)"))
            continue
        rec = _record(doc, problems)
        if rec is not None:
            yield f"{path}:{n}", rec


def _whole(path: str, data: bytes, problems: ReadProblems) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                          f"{path}:{exc.lineno}") from None
    except (ValueError, RecursionError) as exc:
        raise _Unreadable(f"not JSON: {exc}") from None
    yield from _records_of(path, doc, problems)


def _records_of(path: str, doc: Any, problems: ReadProblems) -> Iterator[tuple[str, dict[str, Any]]]:
    """The records of a parsed document, in whichever of the shapes above it is."""
    if isinstance(doc, list):
        items: Any = doc
        label = ""
    elif isinstance(doc, dict) and "Records" in doc:
        items, label = doc["Records"], "Records"
    elif isinstance(doc, dict) and "QueryResultRows" in doc:
        items, label = doc["QueryResultRows"], "QueryResultRows"
    elif isinstance(doc, dict) and "Events" in doc:
        items, label = doc["Events"], "Events"
    elif isinstance(doc, dict) and "digestStartTime" in doc:
        problems.skipped.append((path, "a CloudTrail digest file (no records)"))
        return
    elif isinstance(doc, dict) and ("eventName" in doc or "eventSource" in doc):
        items, label = [doc], ""
    else:
        raise _Unreadable("not CloudTrail records: expected {\"Records\": [...]}, an array of records, "
                          "JSON Lines, get-query-results or lookup-events output")
    if not isinstance(items, list):
        raise _Unreadable(f"{label or 'the document'} is not a list")
    for i, item in enumerate(items):
        if label == "QueryResultRows":
            item = _row(item)
        rec = _record(item, problems)
        if rec is not None:
            yield f"{path}#{label or ''}[{i}]", rec


def _row(row: Any) -> Any:
    """A get-query-results row (a list of one-column objects) as one object."""
    if not isinstance(row, list):
        return row
    merged: dict[str, Any] = {}
    for cell in row:
        if not isinstance(cell, dict):
            return None
        merged.update(cell)
    return merged


def _record(item: Any, problems: ReadProblems) -> dict[str, Any] | None:
    """The record itself: an object, or the JSON string a lookup-events / Lake column holds."""
    if isinstance(item, dict):
        for key in ("CloudTrailEvent", "eventJson"):
            inner = item.get(key)
            if isinstance(inner, str):
                parsed = _loads(inner.encode("utf-8", "surrogatepass"))
                if isinstance(parsed, dict):
                    return parsed
                problems.count(f"{key} is not a JSON object")
                return None
        return item
    problems.count("record is not an object")
    return None


def read_all(paths: Iterable[str], problems: ReadProblems) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record of every file, in order."""
    for path in paths:
        yield from read_file(path, problems)
