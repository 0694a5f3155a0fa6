"""The machinery every collector shares: boto3 clients built once per service and region (adaptive retries, an
optional endpoint), one ``call`` that goes through the table of ``parc.collect.calls`` and turns every failure into
a recorded gap instead of an exception, atomic file writes, and a bounded pool that runs the collectors' tasks.

Why by hand: boto3 gives the calls and the retries; what no library gives is the snapshot's contract (a denied call
is a line in ``collection.json`` and the rest goes on; a file is never half-written; a folder written by hand and
one collected are interchangeable).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

from parc.collect.calls import Call

CallObserver = Callable[[str, str], None]
"""``observer(service, operation)``: told of every API call as botocore starts it (its ``before-parameter-build``
event, which every handler hears; ``before-call`` stops at the first handler that answers, as a Stubber does)."""
Progress = Callable[[str, str, int, int], None]
"""``progress(account, label, done, total)``: called as an account's tasks finish."""


class CollectError(Exception):
    """Collection cannot start (no credentials, an output folder that is not parc's): exit 2."""


@dataclass(frozen=True)
class Failure:
    """One call that did not answer: a gap in the snapshot, listed in ``collection.json``."""

    call: Call
    region: str
    resource: str
    error: str
    message: str
    time: str

    def to_dict(self) -> dict[str, object]:
        return {"call": self.call.action, "operation": f"{self.call.service}:{self.call.operation}",
                "area": self.call.area, "region": self.region, "resource": self.resource, "noun": self.call.noun,
                "error": self.error, "message": self.message, "time": self.time}


@dataclass
class Task:
    """One unit of work; it may return follow-up tasks (one per bucket, per key...), run in the same pool."""

    label: str
    run: Callable[[], Iterable[Task] | None]


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        v = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def write_json(path: Path, data: object) -> None:
    """Write atomically: a temporary file in the same folder, then a rename, so a reader (or an interrupted run)
    never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, default=_json_default, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_name(text: str) -> bool:
    """Whether an id or name from an answer can be part of a file name as it is (no path separator, not a dot
    name): AWS's naming rules guarantee it, an emulator or a proxy may not."""
    return bool(text) and text not in (".", "..") and not any(c in text for c in "/\\\0")


def strip_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def client_config(service: str, max_attempts: int = 10) -> Config:
    """Adaptive retries: client-side rate limiting and backoff on throttling, up to ``max_attempts`` attempts.
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html"""
    extra: dict[str, Any] = {"inject_host_prefix": False} if service == "s3control" else {}
    return Config(retries={"mode": "adaptive", "max_attempts": max_attempts}, user_agent_extra="parc-collect",
                  **extra)


_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")


def drop_account_host_prefix(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in the host name (``ACCOUNT.s3-control.REGION.amazonaws.com``, and
    ``ACCOUNT.127.0.0.1:PORT`` under ``--endpoint-url``), which no resolver answers for an emulator or a proxy at an
    address: with an endpoint given, the prefix is taken off before the request is signed (the account still
    travels in the ``x-amz-account-id`` header, which is how S3 Control reads it).
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html"""
    request.url = _ACCOUNT_HOST.sub(r"\1", request.url, count=1)


class Account:
    """One account being collected into ``folder``: its clients, the gaps, and the files its collectors share."""

    def __init__(self, session: Any, account_id: str, folder: Path, regions: tuple[str, ...],
                 endpoint_url: str | None = None, observer: CallObserver | None = None,
                 partition: str = "aws", max_attempts: int = 10,
                 client_hook: Callable[[Any], None] | None = None) -> None:
        self.session = session
        self.client_hook = client_hook
        self.max_attempts = max_attempts
        self.account_id = account_id
        self.partition = partition
        self.folder = folder
        self.regions = regions
        self.endpoint_url = endpoint_url
        self.observer = observer
        self.failures: list[Failure] = []
        self.calls = 0
        self.clients: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()
        self.shared: dict[str, list[Any]] = {}
        """Lists several collectors (or regions) add to, written whole at the end (resource policies...)."""
        self.notes: list[dict[str, str]] = []
        """Areas not collected at all, with why (organization policies of a member account)."""

    # -- clients and calls

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self.lock:
            c = self.clients.get(key)
            if c is None:
                c = self.session.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                        config=client_config(service, self.max_attempts))
                c.meta.events.register("before-parameter-build", self._started)
                if service == "s3control" and self.endpoint_url:
                    c.meta.events.register("before-sign.s3-control", drop_account_host_prefix)
                if self.client_hook is not None:
                    self.client_hook(c)
                self.clients[key] = c
            return c

    def _started(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls += 1
        if self.observer is not None:
            self.observer(model.service_model.service_name, model.name)

    def call(self, spec: Call, region: str, resource: str = "", **params: Any) -> dict[str, Any] | None:
        """The response (every page merged for a paginated call, without ``ResponseMetadata``); ``{}`` when AWS
        answers that there is none (one of ``spec.absent``); ``None`` when the call failed, which is recorded."""
        try:
            client = self.client(spec.service, region)
            if spec.paginated and client.can_paginate(spec.method):
                return strip_metadata(client.get_paginator(spec.method).paginate(**params).build_full_result())
            return strip_metadata(getattr(client, spec.method)(**params))
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code") or "ClientError")
            if code in spec.absent:
                return {}
            self.fail(spec, region, resource, code, str(err.get("Message") or exc))
        except (NoCredentialsError, NoRegionError):
            raise
        except Exception as exc:  # a connection refused, an unparsable answer: a gap like any other
            self.fail(spec, region, resource, type(exc).__name__, str(exc))
        return None

    def fail(self, spec: Call, region: str, resource: str, code: str, message: str) -> None:
        with self.lock:
            self.failures.append(Failure(spec, region, resource, code, message[:500], now_iso()))

    def bug(self, task: Task, exc: Exception) -> None:
        """A task failed inside parc: said in ``collection.json`` (the area is then not checked), never hidden."""
        with self.lock:
            self.notes.append({"area": task.label,
                               "reason": f"parc failed on it ({type(exc).__name__}: {exc}); please report it"})

    # -- output

    def write(self, relative: str, data: object) -> None:
        write_json(self.folder / relative, data)

    def add(self, name: str, items: Iterable[Any]) -> None:
        with self.lock:
            self.shared.setdefault(name, []).extend(items)


def run_tasks(tasks: Iterable[Task], jobs: int, done: Callable[[Task, int, int], None] | None = None,
              error: Callable[[Task, Exception], None] | None = None) -> None:
    """Run the tasks and those they return, at most ``jobs`` at a time. A task that raises (a bug in parc) is given
    to ``error`` and the others go on; a KeyboardInterrupt (in this thread or a worker) stops the run and raises
    ``Interrupted`` with the tasks that did not run."""
    pending: dict[Future[Iterable[Task] | None], Task] = {}
    queue = list(tasks)
    total = len(queue)
    finished = 0
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="parc-collect")
    try:
        while queue or pending:
            while queue and len(pending) < max(1, jobs) * 2:
                t = queue.pop(0)
                pending[pool.submit(t.run)] = t
            completed, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in completed:
                task = pending.pop(fut)
                exc = fut.exception()
                if isinstance(exc, KeyboardInterrupt):
                    raise exc
                if exc is not None:
                    if error is None or not isinstance(exc, Exception):
                        raise exc
                    error(task, exc)
                    continue
                more = list(fut.result() or ())
                queue.extend(more)
                total += len(more)
                finished += 1
                if done is not None:
                    done(task, finished, total)
    except KeyboardInterrupt:
        # Every task not yet through this loop counts as not run, even one that was running: its follow-up tasks
        # (a bucket's calls after the bucket list) were never scheduled.
        missing = [*queue, *pending.values()]
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise Interrupted(missing) from None
    pool.shutdown(wait=True)


class Interrupted(Exception):
    """The run was interrupted (Ctrl-C); ``missing`` are the tasks that did not run."""

    def __init__(self, missing: list[Task]) -> None:
        super().__init__(f"interrupted; {len(missing)} task(s) not run")
        self.missing = missing


@dataclass
class Summary:
    """What ``collect`` did, for the CLI's last lines and its exit code."""

    accounts: dict[str, Path] = field(default_factory=dict)
    failures: int = 0
    calls: int = 0
    interrupted: bool = False
    not_collected: list[dict[str, str]] = field(default_factory=list)
    skipped_regions: list[dict[str, str]] = field(default_factory=list)
