"""``--reload-on-change``: poll the snapshot folders' files (mtime and size; no watcher dependency) and swap in a
freshly loaded state when they change.

The new state is loaded in a worker thread while requests keep being answered from the old one; the swap is one
assignment, so a request in flight finishes on the state it started with. A snapshot that fails to load keeps the
old state serving; the error is logged and shown in ``/health`` until a later load succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.concurrency import run_in_threadpool

from parc.server.state import StateHolder, load_state, tree_signature

DEFAULT_INTERVAL = 2.0


def _log(stream: TextIO | None, event: dict[str, Any]) -> None:
    out = stream or sys.stderr
    with contextlib.suppress(OSError, ValueError):
        out.write(json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}) + "\n")
        out.flush()


async def reload_once(holder: StateHolder, signature: object, stream: TextIO | None = None) -> object:
    """Reload when the folders changed since ``signature``; the signature now in force."""
    current = await run_in_threadpool(tree_signature, holder.paths)
    if current == signature:
        return signature
    generation = holder.current.generation + 1
    try:
        state = await run_in_threadpool(load_state, holder.paths, holder.validate, generation)
    except Exception as exc:  # a half-written or broken snapshot: keep serving the old state
        holder.last_reload_error = f"{type(exc).__name__}: {str(exc)[:500]}"
        _log(stream, {"event": "reload_failed", "error": holder.last_reload_error})
        return current
    holder.swap(state)
    holder.last_reload_error = None
    _log(stream, {"event": "reloaded", "generation": generation,
                  "snapshots": [s.id for s in state.snapshots]})
    return current


def reloading_lifespan(holder: StateHolder, interval: float = DEFAULT_INTERVAL, stream: TextIO | None = None
                       ) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Starlette lifespan that polls for changes while the server runs."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        signature: object = await run_in_threadpool(tree_signature, holder.paths)

        async def poll() -> None:
            nonlocal signature
            while True:
                await asyncio.sleep(interval)
                signature = await reload_once(holder, signature, stream)

        task = asyncio.create_task(poll())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
