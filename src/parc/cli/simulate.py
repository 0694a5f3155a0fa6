"""`parc simulate` (requests from a file) and `parc check` (one question from the command line)."""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO

import click
from rich.console import Console

from parc.cli import exitcodes
from parc.cli.batch import BatchError, Item, failure_text, read_batch, read_line
from parc.cli.consoles import make_console, progress_bar
from parc.cli.options import TIME
from parc.core.authz import Decision, PolicyCompileError, RequestError, RequestFailure
from parc.core.policy.jsonpos import JsonSyntaxError, decode_utf8, loads
from parc.core.policy.parse import PolicyParseError, parse_policy_strict
from parc.reporters.decision_text import render_decision


def _fail(message: str) -> NoReturn:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _looks_like_json_lines(stream: BinaryIO) -> bool:
    """Whether a seekable input holds JSON Lines (its first line is a whole JSON object); rewinds the stream."""
    if not stream.seekable():
        return False
    start = stream.tell()
    first = stream.readline()
    stream.seek(start)
    item = read_line(first, 0, 1)
    return item.error is None


class _Decider:
    """Decides requests, reusing the compiled policy set while consecutive requests carry the same policies."""

    def __init__(self, base: dict[str, Any] | None, at: datetime | None, explain: bool) -> None:
        self.base = base or {}
        self.at = at
        self.explain = explain
        self._key: str | None = None
        self._set: Any = None

    def decide(self, request: dict[str, Any]) -> Decision:
        from parc.api import POLICY_FIELDS, policy_set_for

        merged = {**self.base, **request} if self.base else request
        # Only the request's own policy fields can change the set (the shared --policies never do): the key costs
        # nothing for requests that carry none.
        own = {k: request[k] for k in POLICY_FIELDS if k in request}
        key = json.dumps(own, sort_keys=True, default=id) if own else ""
        if key != self._key or self._set is None:
            self._set = None
            self._set = policy_set_for(merged)
            self._key = key
        decision: Decision = self._set.authorize(merged, now=self.at, explain=self.explain)
        return decision

    def answer(self, item: Item) -> Decision | RequestFailure:
        """The decision of one request of the batch, or its failure in its place (never an exception for a request
        that cannot be decided; a bug still raises)."""
        if item.error is not None:
            return item.failure()
        try:
            return self.decide(item.request)
        except Exception as exc:
            if not exitcodes.is_input_error(exc):
                raise
            return item.failure(str(exc))


def _title(request: dict[str, Any]) -> str:
    return str(request.get("name") or request.get("id") or (
        f"{request.get('principal', '*')} {request.get('action')} {request.get('resource', '*')}"))


def _render_text(console: Console, item: Item, answer: Decision | RequestFailure) -> None:
    if isinstance(answer, RequestFailure):
        console.print(failure_text(answer), markup=False)
    else:
        render_decision(console, answer, _title(item.request))


# -- parallel JSON Lines ----------------------------------------------------------------------------------------
# Workers each compile the shared policies once (initializer) and decide byte ranges of the input file, writing the
# answers to files of their own; the parent only concatenates them in order. Memory stays constant however long
# the input, and the parent never parses a request. (stdin is decided in one process.) A request that fails is
# written as a marker line, which the parent replaces with the failure once it knows the segment's first line and
# index (the answers of earlier segments).

_worker: _Decider | None = None
_worker_fmt = "json"
_worker_marker = ""


def _init_worker(base: dict[str, Any] | None, at: datetime | None, explain: bool, fmt: str, marker: str) -> None:
    global _worker, _worker_fmt, _worker_marker
    _worker = _Decider(base, at, explain)
    _worker_fmt = fmt
    _worker_marker = marker


def _decide_segment(task: tuple[str, int, int, str]) -> tuple[str, int, int, list[RequestFailure]]:
    """Decide the lines between two byte offsets of the input; write the answers to a file of their own.

    Returns that file, the segment's counts of lines and requests, and its failures numbered from the segment's
    start (the parent shifts them)."""
    assert _worker is not None
    path, start, end, out_path = task
    failures: list[RequestFailure] = []
    lines = index = 0
    with open(path, "rb") as src, open(out_path, "w", encoding="utf-8") as out:
        src.seek(start)
        pos = start
        while pos < end:
            raw = src.readline()
            if not raw:
                break
            pos += len(raw)
            lines += 1
            if not raw.strip():
                continue
            item = read_line(raw, index, lines)
            index += 1
            answer = _worker.answer(item)
            if isinstance(answer, RequestFailure):
                out.write(f"{_worker_marker}{len(failures)}\n")
                failures.append(answer)
            elif _worker_fmt == "json":
                out.write(json.dumps(answer.to_dict()) + "\n")
            else:
                buffer = io.StringIO()
                render_decision(make_console(buffer), answer, _title(item.request))
                out.write(buffer.getvalue().rstrip("\n") + "\n")
    return out_path, lines, index, failures


def _segments(path: str, pieces: int) -> list[tuple[int, int]]:
    """Byte ranges of about equal size, each starting at the beginning of a line."""
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as f:
        for i in range(1, pieces):
            f.seek(max(bounds[-1], size * i // pieces))
            f.readline()
            bounds.append(min(f.tell(), size))
    bounds.append(size)
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _run_parallel(path: str, jobs: int, base: dict[str, Any] | None, at: datetime | None, explain: bool,
                  fmt: str) -> int:
    """Decide a JSON Lines file with ``jobs`` processes; the number of requests that failed."""
    import multiprocessing
    import secrets
    import tempfile

    # Segments of about 8 MB: enough work per task to hide the start-up, small enough to keep the workers busy.
    pieces = max(jobs * 4, os.path.getsize(path) // (8 << 20))
    marker = f"\x00parc-failure-{secrets.token_hex(8)}:"
    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="parc-simulate-") as tmp, \
            ctx.Pool(jobs, initializer=_init_worker, initargs=(base, at, explain, fmt, marker)) as pool:
        tasks = [(path, a, b, os.path.join(tmp, f"{i}.out")) for i, (a, b) in enumerate(_segments(path, pieces))]
        out = sys.stdout
        lines_before = requests_before = 0
        with progress_bar("deciding (parts of the file)", len(tasks), beside_output=True) as step:
            for segment in pool.imap(_decide_segment, tasks):
                failed += _copy_segment(segment, marker, fmt, out, lines_before, requests_before)
                lines_before += segment[1]
                requests_before += segment[2]
                step()
        out.flush()
    return failed


def _copy_segment(segment: tuple[str, int, int, list[RequestFailure]], marker: str, fmt: str, out: TextIO,
                  lines_before: int, requests_before: int) -> int:
    """Copy one worker's answers to ``out``, its failures numbered in the whole file; the number of failures."""
    out_path, _lines, _requests, failures = segment
    with open(out_path, encoding="utf-8") as part:
        if not failures:
            shutil.copyfileobj(part, out)
        else:
            for text in part:
                if text.startswith(marker):
                    f = failures[int(text[len(marker):])]
                    shifted = RequestFailure(f.message, f.index + requests_before, (f.line or 0) + lines_before,
                                             f.column)
                    out.write(_failure_line(shifted, fmt) + "\n")
                else:
                    out.write(text)
    os.unlink(out_path)
    return len(failures)


def _failure_line(failure: RequestFailure, fmt: str) -> str:
    return json.dumps(failure.to_dict()) if fmt == "json" else failure_text(failure)


def _read_policies_file(path: str) -> dict[str, Any]:
    try:
        loaded = loads(decode_utf8(Path(path).read_bytes()))
    except OSError as exc:
        _fail(f"{path}: cannot read: {exc.strerror or exc}")
    except JsonSyntaxError as exc:
        _fail(f"{path}: line {exc.pos.line}, column {exc.pos.column}: {exc.message}")
    if not isinstance(loaded, dict):
        _fail(f"{path}: expected a JSON object of policy fields")
    return loaded


@click.command("simulate", epilog="A request that cannot be decided gets, in its place, "
               "{\"error\": {\"message\", \"line\", \"column\", \"index\"}} (the text format prints it in "
               "place too); the others are decided, and the exit code is 2.")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Add the full trace of every statement and condition.")
@click.option("--at", "at", type=TIME, help="Decide as of this time (ISO 8601 or epoch seconds).")
@click.option("--policies", "policies_file", type=click.Path(dir_okay=False, exists=True),
              help="A JSON object of policy fields (identity_policies, scps, ...) applied to every request.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes for JSON Lines input (0: one per core).")
def simulate_command(file: str, fmt: str, explain: bool, at: datetime | None, policies_file: str | None,
                     jobs: int) -> None:
    """Decide the requests in FILE: one request, a JSON array of requests, or JSON Lines ('-' for stdin)."""
    base = _read_policies_file(policies_file) if policies_file else None
    decider = _Decider(base, at, explain)
    try:
        stream: BinaryIO = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as exc:
        _fail(f"{file}: cannot read: {exc.strerror}")
    source = "<stdin>" if file == "-" else file
    if jobs == 0:
        jobs = os.cpu_count() or 1
    with stream:
        if jobs > 1 and file != "-" and _looks_like_json_lines(stream):
            failed = _run_parallel(file, jobs, base, at, explain, fmt)
        else:
            try:
                shape, items = read_batch(stream, source)
            except BatchError as exc:
                _fail(str(exc))
            failed = _answer_all(decider, shape, items, fmt)
    if failed:
        click.echo(f"parc simulate: {failed:,} request(s) could not be decided (see the errors in place)", err=True)
        sys.exit(exitcodes.USAGE)


def _answer_all(decider: _Decider, shape: str, items: Iterator[Item], fmt: str) -> int:
    """Decide and print every request in order; the number that failed."""
    failed = 0
    if fmt == "json" and shape == "array":
        out: list[dict[str, object]] = []
        for item in items:
            answer = decider.answer(item)
            failed += isinstance(answer, RequestFailure)
            out.append(answer.to_dict())
        click.echo(json.dumps(out, indent=2))
        return failed
    console = make_console()
    with progress_bar("deciding", None, beside_output=True) as step:
        for item in items:
            answer = decider.answer(item)
            failed += isinstance(answer, RequestFailure)
            if fmt == "json":
                click.echo(json.dumps(answer.to_dict(), indent=None if shape == "lines" else 2))
            else:
                _render_text(console, item, answer)
            step()
    return failed


def _load_policy(path: str, kind: str) -> Any:
    from parc.core.policy.model import PolicyType

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        _fail(f"{path}: cannot read: {exc.strerror or exc}")
    try:  # bytes: text that is not UTF-8 is a located error of the parser, as in parc validate
        return parse_policy_strict(data, PolicyType(kind), name=path)
    except PolicyParseError as exc:
        _fail(f"{path}: {exc}")


def _level(option: str, value: str) -> list[str]:
    """The files of one --scp/--rcp level (FILE[,FILE]); an empty name is a usage error, not the current folder."""
    names = value.split(",")
    if not all(n.strip() for n in names):
        raise click.BadParameter(f"{value!r} has an empty file name (expected FILE or FILE,FILE for the policies "
                                 "of one level)", param_hint=option)
    return [n.strip() for n in names]


def _context_pairs(pairs: tuple[str, ...]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--context")
        key, value = pair.split("=", 1)
        parsed: Any = value
        if value.startswith("["):
            try:
                parsed = loads(value)
            except JsonSyntaxError:
                raise click.BadParameter(f"{value!r} is not a JSON list", param_hint="--context") from None
        if key in ctx:
            prev = ctx[key] if isinstance(ctx[key], list) else [ctx[key]]
            ctx[key] = prev + (parsed if isinstance(parsed, list) else [parsed])
        else:
            ctx[key] = parsed
    return ctx


@click.command("check")
@click.option("--policy", "policies", multiple=True, metavar="FILE", help="An identity-based policy (repeatable).")
@click.option("--resource-policy", metavar="FILE", help="The resource's policy (bucket, key, trust policy ...).")
@click.option("--boundary", metavar="FILE", help="The permissions boundary.")
@click.option("--session-policy", metavar="FILE", help="The session policy.")
@click.option("--scp", "scps", multiple=True, metavar="FILE[,FILE]",
              help="SCPs, one option per level from the root down; commas join policies at one level.")
@click.option("--rcp", "rcps", multiple=True, metavar="FILE[,FILE]", help="RCPs, one option per level.")
@click.option("--endpoint-policy", metavar="FILE", help="The VPC endpoint policy.")
@click.option("--management-account", metavar="ID", help="The organization's management account id.")
@click.option("--principal", required=True, help="The caller: an ARN, an account id, a service principal or '*'.")
@click.option("--action", required=True, help="The action, e.g. s3:GetObject.")
@click.option("--resource", default="*", show_default=True, help="The resource ARN.")
@click.option("--resource-account", metavar="ID", help="The resource's account when its ARN has none (S3).")
@click.option("--context", "context", multiple=True, metavar="KEY=VALUE", help="A context key (repeat for lists).")
@click.option("--expect", type=click.Choice(["allow", "deny"]), help="Exit 1 when the decision differs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Add the full trace.")
@click.option("--at", "at", type=TIME, help="Decide as of this time (ISO 8601 or epoch seconds).")
def check_command(
    policies: tuple[str, ...],
    resource_policy: str | None,
    boundary: str | None,
    session_policy: str | None,
    scps: tuple[str, ...],
    rcps: tuple[str, ...],
    endpoint_policy: str | None,
    management_account: str | None,
    principal: str,
    action: str,
    resource: str,
    resource_account: str | None,
    context: tuple[str, ...],
    expect: str | None,
    fmt: str,
    explain: bool,
    at: datetime | None,
) -> None:
    """Decide one request from the command line."""
    from parc.api import compile as compile_policies

    request: dict[str, Any] = {"principal": principal, "action": action, "resource": resource,
                               "context": _context_pairs(context)}
    if resource_account:
        request["resource_account"] = resource_account
    try:
        engine = compile_policies(
            [_load_policy(p, "identity") for p in policies],
            _load_policy(resource_policy, "resource") if resource_policy else None,
            _load_policy(boundary, "boundary") if boundary else None,
            _load_policy(session_policy, "session") if session_policy else None,
            [[_load_policy(f, "scp") for f in _level("--scp", level)] for level in scps] or None,
            [[_load_policy(f, "rcp") for f in _level("--rcp", level)] for level in rcps] or None,
            _load_policy(endpoint_policy, "endpoint") if endpoint_policy else None,
            management_account,
        )
        decision = engine.authorize(request, now=at, explain=explain)
    except (RequestError, PolicyCompileError) as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(decision.to_dict(), indent=2))
    else:
        render_decision(make_console(), decision, f"{principal} {action} {resource}")
    if expect is not None and (expect == "allow") != decision.allowed:
        if fmt == "text":
            click.echo(f"expected {expect}, got {decision.decision}", err=True)
        sys.exit(exitcodes.FINDINGS)
