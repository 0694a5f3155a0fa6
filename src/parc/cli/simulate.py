"""`parc simulate` (requests from a file) and `parc check` (one question from the command line)."""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console

from parc.cli import exitcodes
from parc.cli.options import TIME
from parc.core.authz import Decision, PolicyCompileError, RequestError
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json
from parc.core.policy.parse import PolicyParseError, parse_policy_strict
from parc.reporters.decision_text import render_decision


def _fail(message: str) -> None:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _looks_like_json_lines(stream: TextIO) -> bool:
    """Whether a seekable input holds JSON Lines (its first line is a whole JSON object); rewinds the stream."""
    if not stream.seekable():
        return False
    start = stream.tell()
    first = stream.readline()
    stream.seek(start)
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _read_requests(stream: TextIO, source: str) -> tuple[str, Iterator[tuple[int, Any]]]:
    """Return the input's shape ('object', 'array' or 'lines') and its requests with their line numbers.

    JSON Lines are streamed one line at a time, so millions of requests run in constant memory."""
    first = ""
    while True:
        ch = stream.read(1)
        if not ch:
            break
        if not ch.isspace():
            first = ch
            break
    rest_first_line = stream.readline() if first else ""
    head = first + rest_first_line
    if first == "[":
        return "array", iter(enumerate(_positioned(head + stream.read(), source).items, 1))
    # One object (possibly spanning lines), or JSON Lines.
    try:
        obj = json.loads(head)
        return "lines", _lines(obj, stream, source)
    except json.JSONDecodeError:
        return "object", iter([(1, _positioned(head + stream.read(), source))])


def _positioned(text: str, source: str) -> JNode:
    """Parse keeping positions, so that decisions point at lines of the request file."""
    try:
        return parse_json(text)
    except JsonSyntaxError as exc:
        _fail(f"{source}: invalid JSON at line {exc.pos.line}, column {exc.pos.column}: {exc.message}")
    raise AssertionError("unreachable")


def _as_request(node: Any) -> Any:
    """A request object as a dict whose policies stay positioned JNodes (plain values elsewhere)."""
    if not isinstance(node, JNode):
        return node
    if node.kind != "object":
        return node.to_python()
    out: dict[str, Any] = {}
    for m in node.members:
        if m.key in ("identity_policies", "scps", "rcps") and m.node.kind == "array":
            if m.key == "identity_policies":
                out[m.key] = list(m.node.items)
            else:
                out[m.key] = [list(level.items) if level.kind == "array" else level.to_python()
                              for level in m.node.items]
        elif m.key in ("resource_policy", "permissions_boundary", "session_policy", "vpc_endpoint_policy"):
            out[m.key] = m.node
        else:
            out[m.key] = m.node.to_python()
    return out


def _lines(first: Any, stream: TextIO, source: str) -> Iterator[tuple[int, Any]]:
    yield 1, first
    for n, line in enumerate(stream, 2):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            _fail(f"{source}: line {n}: invalid JSON at column {exc.colno}: {exc.msg}")


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
            self._set = policy_set_for(merged)
            self._key = key
        decision: Decision = self._set.authorize(merged, now=self.at, explain=self.explain)
        return decision


def _decide_or_error(decider: _Decider, n: int, request: Any, source: str) -> Decision:
    request = _as_request(request)
    if not isinstance(request, dict):
        _fail(f"{source}: request {n}: a request must be a JSON object")
    try:
        return decider.decide(request)
    except (RequestError, PolicyCompileError, PolicyParseError) as exc:
        _fail(f"{source}: request {n}: {exc}")
    raise AssertionError("unreachable")


# -- parallel JSON Lines ----------------------------------------------------------------------------------------
# Workers each compile the shared policies once (initializer) and decide byte ranges of the input file, writing the
# answers to files of their own; the parent only concatenates them in order. Memory stays constant however long
# the input, and the parent never parses a request. (stdin is decided in one process.)

_worker: _Decider | None = None
_worker_fmt = "json"


def _init_worker(base: dict[str, Any] | None, at: datetime | None, explain: bool, fmt: str) -> None:
    global _worker, _worker_fmt
    _worker = _Decider(base, at, explain)
    _worker_fmt = fmt


def _decide_line(line: str) -> tuple[str | None, str | None]:
    """(output text, error) for one line of JSON Lines."""
    assert _worker is not None
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at column {exc.colno}: {exc.msg}"
    if not isinstance(request, dict):
        return None, "a request must be a JSON object"
    try:
        decision = _worker.decide(request)
    except (RequestError, PolicyCompileError, PolicyParseError) as exc:
        return None, str(exc)
    if _worker_fmt == "json":
        return json.dumps(decision.to_dict()), None
    console = Console(file=io.StringIO(), highlight=False, width=120)
    render_decision(console, decision, _title(request))
    return console.file.getvalue().rstrip("\n"), None  # type: ignore[attr-defined]


def _decide_segment(task: tuple[str, int, int, str]) -> tuple[str, int | None, str | None]:
    """Decide the lines between two byte offsets of the input; write the answers to a file of their own.

    Returns that file, and the byte offset and message of the first bad line (the parent turns it into a line
    number), so the parent never handles the requests themselves."""
    path, start, end, out_path = task
    with open(path, "rb") as src, open(out_path, "w", encoding="utf-8") as out:
        src.seek(start)
        pos = start
        while pos < end:
            raw = src.readline()
            if not raw:
                break
            line_start, pos = pos, pos + len(raw)
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                continue
            text, error = _decide_line(line)
            if error is not None:
                return out_path, line_start, error
            out.write(text + "\n")  # type: ignore[operator]
    return out_path, None, None


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
                  fmt: str) -> None:
    import multiprocessing
    import shutil
    import tempfile

    # Segments of about 8 MB: enough work per task to hide the start-up, small enough to keep the workers busy.
    pieces = max(jobs * 4, os.path.getsize(path) // (8 << 20))
    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with tempfile.TemporaryDirectory(prefix="parc-simulate-") as tmp, \
            ctx.Pool(jobs, initializer=_init_worker, initargs=(base, at, explain, fmt)) as pool:
        tasks = [(path, a, b, os.path.join(tmp, f"{i}.out")) for i, (a, b) in enumerate(_segments(path, pieces))]
        out = sys.stdout
        for out_path, bad_offset, error in pool.imap(_decide_segment, tasks):
            if error is not None and bad_offset is not None:
                pool.terminate()
                with open(path, "rb") as f:
                    line_no = f.read(bad_offset).count(b"\n") + 1
                _fail(f"{path}: line {line_no}: {error}")
            with open(out_path, encoding="utf-8") as part:
                shutil.copyfileobj(part, out)
            os.unlink(out_path)
        out.flush()


def _title(request: dict[str, Any]) -> str:
    return str(request.get("name") or request.get("id") or (
        f"{request.get('principal', '*')} {request.get('action')} {request.get('resource', '*')}"))


@click.command("simulate")
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
    when = at
    base: dict[str, Any] | None = None
    if policies_file:
        try:
            loaded = json.loads(Path(policies_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            _fail(f"{policies_file}: cannot read: {exc}")
        if not isinstance(loaded, dict):
            _fail(f"{policies_file}: expected a JSON object of policy fields")
        base = loaded
    decider = _Decider(base, when, explain)
    try:
        stream: TextIO = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        _fail(f"{file}: cannot read: {exc.strerror}")
    source = "<stdin>" if file == "-" else file
    console = Console(highlight=False)
    if jobs == 0:
        jobs = os.cpu_count() or 1
    with stream:
        if jobs > 1 and file != "-" and _looks_like_json_lines(stream):
            _run_parallel(file, jobs, base, when, explain, fmt)
            return
        shape, requests = _read_requests(stream, source)
        if fmt == "json" and shape == "array":
            out = [_decide_or_error(decider, n, r, source).to_dict() for n, r in requests]
            click.echo(json.dumps(out, indent=2))
            return
        for n, node in requests:
            request = _as_request(node)
            decision = _decide_or_error(decider, n, request, source)
            if fmt == "json":
                click.echo(json.dumps(decision.to_dict(), indent=None if shape == "lines" else 2))
            else:
                render_decision(console, decision, _title(request))


def _load_policy(path: str, kind: str) -> Any:
    from parc.core.policy.model import PolicyType

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read: {exc}")
    try:
        return parse_policy_strict(text, PolicyType(kind), name=path)
    except PolicyParseError as exc:
        _fail(f"{path}: {exc}")


def _context_pairs(pairs: tuple[str, ...]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--context")
        key, value = pair.split("=", 1)
        parsed: Any = value
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
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
            [[_load_policy(f, "scp") for f in level.split(",")] for level in scps] or None,
            [[_load_policy(f, "rcp") for f in level.split(",")] for level in rcps] or None,
            _load_policy(endpoint_policy, "endpoint") if endpoint_policy else None,
            management_account,
        )
        decision = engine.authorize(request, now=at, explain=explain)
    except (RequestError, PolicyCompileError) as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(decision.to_dict(), indent=2))
    else:
        render_decision(Console(highlight=False), decision, f"{principal} {action} {resource}")
    if expect is not None and (expect == "allow") != decision.allowed:
        if fmt == "text":
            click.echo(f"expected {expect}, got {decision.decision}", err=True)
        sys.exit(exitcodes.FINDINGS)
