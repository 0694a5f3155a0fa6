"""``run_map``: one function over many items, in-process, on all local cores, or on a Dask cluster.

Why a module of its own: every organization-wide command (audit, who-can, what-can, escalation, replay) cuts its
work into independent partitions and merges the results in a fixed order; only how the partitions are run
changes with ``--scheduler``. The results come back in input order whatever the scheduler, so the merge, and with it
the output, is byte for byte the same.

Schedulers:

* ``local``: in this process, one item after the other; Dask is not imported.
* ``processes``: every local core, a pool of worker processes set up as Dask's multiprocessing scheduler sets
  up its own (no network, no dashboard).
* ``tcp://HOST:PORT``: an existing ``distributed`` scheduler (``dask scheduler`` / ``dask worker``); the workers
  must have parc installed (the same version). The commands ship the snapshot to them (``parc.scale.snapshot``).

``fn`` and the items must pickle (module-level functions; Dask uses cloudpickle). ``run_map_shared`` ships one
shared value (an organization's SCPs, RCPs, catalog) once per worker instead of once per item.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import importlib.util
import os
import pickle
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

LOCAL = "local"
PROCESSES = "processes"
SCHEDULERS = (LOCAL, PROCESSES, "tcp://HOST:PORT")

_ADDRESS = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?P<port>\d{1,5})$")

CONNECT_TIMEOUT = "10s"
"""How long to wait for a scheduler at an address before saying it cannot be reached."""

INSTALL_HINT = "install it with: pip install 'parc[dask]' (or: pip install 'dask[distributed]')"


class SchedulerError(Exception):
    """A scheduler that cannot be used: a malformed address, Dask not installed, or a cluster not reachable."""


def check_scheduler(value: str) -> str:
    """``value`` as ``run_map`` takes it (``local``, ``processes`` or ``tcp://HOST:PORT``); SchedulerError with
    the reason otherwise, including Dask missing for a scheduler that needs it."""
    text = value.strip()
    if text == LOCAL:
        return text
    if text != PROCESSES:
        m = _ADDRESS.match(text)
        if m is None:
            raise SchedulerError(f"{value!r} is not a scheduler: local, processes, or tcp://HOST:PORT "
                                 "(a Dask distributed scheduler's address)")
        port = int(m.group("port"))
        if not 1 <= port <= 65535:
            raise SchedulerError(f"{value!r}: the port must be from 1 to 65535")
    missing = [name for name in ("dask", "distributed") if importlib.util.find_spec(name) is None]
    if text == PROCESSES:
        missing = [name for name in missing if name == "dask"]
    if missing:
        raise SchedulerError(f"--scheduler {text} needs Dask ({' and '.join(missing)} not installed); {INSTALL_HINT}")
    return text


def run_map(fn: Callable[[T], R], items: Sequence[T], scheduler: str = LOCAL) -> list[R]:
    """``[fn(x) for x in items]``, run by ``scheduler``; results in input order. An exception raised by ``fn``
    is raised here (the first one, in input order under ``local``)."""
    return run_map_shared(_call, fn, items, scheduler)


def _call(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


def run_map_shared(fn: Callable[[S, T], R], shared: S, items: Sequence[T], scheduler: str = LOCAL) -> list[R]:
    """``[fn(shared, x) for x in items]``, with ``shared`` shipped once per worker (scattered to every worker of a
    cluster; one graph key under ``processes``) rather than once per item; results in input order."""
    scheduler = check_scheduler(scheduler)
    if scheduler == LOCAL or not items:
        return [fn(shared, item) for item in items]
    if scheduler == PROCESSES:
        return _processes(fn, shared, items)
    return _distributed(fn, shared, items, scheduler)


def iter_map_shared(fn: Callable[[S, T], R], shared: S, items: Sequence[T], scheduler: str = LOCAL) -> Iterator[R]:
    """``run_map_shared``'s results one at a time, in input order, for a caller that folds them as they come
    (``parc replay``'s counts): it never holds more than a few partitions' results, whatever the scheduler.

    Under ``local`` each item runs only when its result is asked for. Under ``processes`` at most
    ``STREAM_WINDOW`` items per core are in flight: the next is sent when the oldest result is taken. On a cluster
    every item is sent at once, but each result stays on its worker until it is taken, and is released then."""
    scheduler = check_scheduler(scheduler)
    if scheduler == LOCAL:
        return (fn(shared, item) for item in items)
    if not items:
        return iter(())
    if scheduler == PROCESSES:
        return _processes_streamed(fn, shared, items)
    return _distributed_streamed(fn, shared, items, scheduler)


STREAM_WINDOW = 2
"""Items in flight per core under ``processes`` when results are streamed: one running and one queued keeps every
core busy while the parent folds."""


_POOL: list[Any] = []
"""The worker processes of ``processes``, started on first use and kept for the life of this process (a second map,
as a test suite or a long command runs, does not pay their start and imports again)."""


def _pool() -> Any:
    if not _POOL:
        from concurrent.futures import ProcessPoolExecutor

        mp: Any = importlib.import_module("dask.multiprocessing")
        pool = ProcessPoolExecutor(os.cpu_count() or 1, mp_context=mp.get_context(),
                                   initializer=mp.initialize_worker_process)
        atexit.register(pool.shutdown)
        _POOL.append(pool)
    return _POOL[0]


def _processes(fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
    return list(_processes_streamed(fn, shared, items))


def _processes_streamed(fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> Iterator[R]:
    """The items on the local pool, results in input order: ``fn`` and ``shared`` pickled once (cloudpickle, as
    Dask does) and unpickled once per worker process, at most ``STREAM_WINDOW`` items per core in flight."""
    pool = _pool()
    cloudpickle: Any = importlib.import_module("cloudpickle")  # Dask's own pickler: closures and lambdas travel
    payload = cloudpickle.dumps((fn, shared))
    window = STREAM_WINDOW * (os.cpu_count() or 1)
    pending: deque[Any] = deque()
    try:
        for item in items:
            pending.append(pool.submit(_apply_pickled, payload, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:  # an error (or a caller that stopped reading): what has not started never runs
            future.cancel()


_UNPICKLED: dict[bytes, tuple[Any, Any]] = {}
"""In a worker process: the last (fn, shared) received, by its digest, so that it is unpickled once per map."""


def _apply_pickled(payload: bytes, item: Any) -> Any:
    digest = hashlib.sha256(payload).digest()
    found = _UNPICKLED.get(digest)
    if found is None:
        _UNPICKLED.clear()
        found = _UNPICKLED[digest] = pickle.loads(payload)
    fn, shared = found
    return fn(shared, item)


def _distributed_streamed(fn: Callable[[S, T], R], shared: S, items: Sequence[T], address: str) -> Iterator[R]:
    with _client(address) as client:
        pending: deque[Any] = deque(_submit(client, fn, shared, items))
        try:
            while pending:
                future = pending.popleft()
                result: R = future.result()
                future.release()
                yield result
        finally:
            for future in pending:
                future.cancel()


def _for_cluster(client: Any, shared: S) -> S:
    """``shared`` as the cluster's workers need it: a job (a dataclass) whose ``snapshot`` has ``for_cluster``
    (``parc.scale.snapshot.Snapshot``) carries the snapshot that method chooses (the path when the workers see the
    driver's files, the data otherwise)."""
    snapshot = getattr(shared, "snapshot", None)
    choose = getattr(snapshot, "for_cluster", None)
    if choose is None or not dataclasses.is_dataclass(shared) or isinstance(shared, type):
        return shared
    chosen = choose(client)
    return shared if chosen is snapshot else dataclasses.replace(shared, snapshot=chosen)


_CLIENTS: dict[str, Any] = {}
"""Clients held open by ``connected`` (address -> client), reused by every map of the command."""


def _connect(address: str) -> Any:
    distributed: Any = importlib.import_module("distributed")
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"--scheduler {address}: cannot reach a Dask scheduler there: {exc}") from None


@contextmanager
def connected(scheduler: str) -> Iterator[None]:
    """Hold a cluster's connection for a whole command: an unreachable scheduler is said before any work starts
    (SchedulerError), and every map of the command reuses the connection. Nothing to do for local schedulers."""
    scheduler = check_scheduler(scheduler)
    if scheduler in (LOCAL, PROCESSES) or scheduler in _CLIENTS:
        yield
        return
    client = _connect(scheduler)
    _CLIENTS[scheduler] = client
    try:
        yield
    finally:
        del _CLIENTS[scheduler]
        client.close()


@contextmanager
def _client(address: str) -> Iterator[Any]:
    """The connection ``connected`` holds for the command, else one for this map only (closed after it)."""
    held = _CLIENTS.get(address)
    if held is not None:
        yield held
        return
    client = _connect(address)
    try:
        yield client
    finally:
        client.close()


def _distributed(fn: Callable[[S, T], R], shared: S, items: Sequence[T], address: str) -> list[R]:
    with _client(address) as client:
        return run_on_client(client, fn, shared, items)


def run_on_client(client: Any, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
    """The map on an open ``distributed.Client`` (the benchmark and tests hold one for a LocalCluster)."""
    results: list[R] = client.gather(_submit(client, fn, shared, items))
    return results


def _submit(client: Any, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[Any]:
    """The items' futures on the cluster, ``shared`` scattered once to every worker."""
    common = client.scatter(_for_cluster(client, shared), broadcast=True, hash=False)
    futures: list[Any] = client.map(fn, [common] * len(items), list(items), pure=False)
    return futures
