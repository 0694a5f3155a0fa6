"""The Starlette application: routes, protocol dispatch, error shapes, the body limit and the health route.

Routing follows what AWS's SDKs send: Access Analyzer's REST-JSON operations are told apart by path
(``POST /policy/validation``...); IAM's Query operations are form-encoded POSTs (botocore posts them to ``/``) named by
their ``Action`` field, which the IAM package reads. The engine's calls are CPU-bound: they run in the thread pool
(``run_in_threadpool``) so the event loop keeps accepting and answering (``/health`` stays quick under load).
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parc.server.accesslog import OPERATION, REQUEST_ID, AccessLog
from parc.server.errors import REQUEST_ID as REQUEST_ID_HEADER
from parc.server.errors import ApiError, iam_fallback, json_error
from parc.server.limits import DEFAULT_MAX_BODY, read_body
from parc.server.state import ServerState, StateHolder

FORM = "application/x-www-form-urlencoded"
_XML_REQUEST_ID = re.compile(rb"<RequestId>([0-9A-Za-z-]{1,64})</RequestId>")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get(REQUEST_ID, "")) or "00000000-0000-0000-0000-000000000000"


def _set_operation(request: Request, name: str) -> None:
    request.scope.setdefault("state", {})[OPERATION] = name


def _is_iam(request: Request) -> bool:
    """A Query-protocol request: form-encoded (what botocore sends IAM), or anything posted to ``/`` that is not
    JSON (so that an IAM client with a broken body still gets IAM's error shape)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == FORM:
        return True
    return request.url.path == "/" and "json" not in ctype


class Server:
    """The request handlers, over a :class:`StateHolder` (read once per request)."""

    def __init__(self, holder: StateHolder, max_body: int, error_stream: TextIO | None) -> None:
        self.holder = holder
        self.max_body = max_body
        self.error_stream = error_stream

    async def health(self, request: Request) -> Response:
        from parc import __version__
        from parc.catalog import catalog_version

        _set_operation(request, "Health")
        state = self.holder.current
        body: dict[str, Any] = {
            "status": "ok",
            "parc_version": __version__,
            "catalog_version": catalog_version(),
            "snapshots_loaded": len(state.snapshots),
            "snapshot_ids": [s.id for s in state.snapshots],
            "snapshots": [{"id": s.id, "path": s.path, "accounts": [a.account_id for a in s.estate.accounts],
                           "findings": len(s.findings)} for s in state.snapshots],
            "accounts": sorted({a.account_id for s in state.snapshots for a in s.estate.accounts}),
            "generation": state.generation,
            "loaded_at": datetime.fromtimestamp(state.loaded_at, UTC).isoformat(timespec="seconds"),
            "iam": "served",
        }
        if self.holder.last_reload_error:
            body["last_reload_error"] = self.holder.last_reload_error
        return JSONResponse(body)

    async def dispatch(self, request: Request) -> Response:
        from parc.server.analyzer import ROUTES

        state = self.holder.current
        rid = _request_id(request)
        route = ROUTES.get(request.url.path.rstrip("/") or "/")
        iam = route is None and _is_iam(request)
        try:
            if route is not None:
                _set_operation(request, route.name)
                if request.method != "POST":
                    raise ApiError(405, "MethodNotAllowedException",
                                   f"{route.name} takes POST, not {request.method}")
                body = await read_body(request, self.max_body)
                query = dict(request.query_params)
                result = await run_in_threadpool(route.handle, body, query, state)
                return Response(json.dumps(result).encode(), media_type="application/json",
                                headers={REQUEST_ID_HEADER: rid})
            if iam:
                _set_operation(request, "IAM")
                if request.method != "POST":
                    raise ApiError(400, "InvalidAction", "IAM's Query API takes form-encoded POSTs")
                body = await read_body(request, self.max_body)
                return await self._iam(request, body, state, rid)
            raise ApiError(404, "UnknownOperationException",
                           f"no operation at {request.method} {request.url.path} (parc serve answers Access "
                           "Analyzer's policy checks and IAM's Query API; GET /health)")
        except ClientDisconnect:  # the caller left mid-body: nobody to answer, nothing went wrong here
            return Response(b"", status_code=400, headers={REQUEST_ID_HEADER: rid})
        except ApiError as err:
            if iam:
                return iam_fallback(err.status, _iam_code(err), err.message, rid)
            return json_error(err.status, err.code, err.message, rid, err.extra)
        except Exception as exc:  # a bug: answer AWS's 500 shape, log the traceback, keep serving
            self._log_crash(request, exc)
            message = f"internal error in parc ({type(exc).__name__}); request id {rid}"
            if iam:
                return iam_fallback(500, "ServiceFailure", message, rid)
            return json_error(500, "InternalServerException", message, rid)

    async def _iam(self, request: Request, body: bytes, state: ServerState, rid: str) -> Response:
        action = _form_action(body)
        if action:
            _set_operation(request, action)
        from parc.server.iam import handle_query

        answer = await run_in_threadpool(handle_query, body, state.estates)
        # The XML carries its own RequestId (botocore reads it from there): the header and the log say the same.
        found = _XML_REQUEST_ID.search(answer.body[-300:])
        if found:
            rid = found.group(1).decode("ascii", "replace")
            request.scope.setdefault("state", {})[REQUEST_ID] = rid
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type,
                        headers={REQUEST_ID_HEADER: rid})

    def _log_crash(self, request: Request, exc: BaseException) -> None:
        stream = self.error_stream or sys.stderr
        try:
            stream.write(f"parc serve: internal error on {request.method} {request.url.path}:\n")
            stream.write("".join(traceback.format_exception(exc)))
            stream.flush()
        except (OSError, ValueError):
            pass


def _iam_code(err: ApiError) -> str:
    """IAM's names for the errors raised outside the IAM package."""
    return {"RequestEntityTooLargeException": "RequestEntityTooLarge"}.get(err.code, err.code)


def _form_action(body: bytes) -> str | None:
    from urllib.parse import parse_qs

    try:
        values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=1000).get("Action")
    except ValueError:
        return None
    return values[0][:64] if values else None


def create_app(
    state: ServerState | StateHolder,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    access_log: bool = True,
    log_stream: TextIO | None = None,
    lifespan: Callable[[Starlette], Any] | None = None,
) -> Starlette:
    """The ASGI application over ``state`` (a holder when the server reloads snapshots)."""
    holder = state if isinstance(state, StateHolder) else StateHolder(state)
    server = Server(holder, max_body, log_stream)
    routes = [
        Route("/health", server.health, methods=["GET", "HEAD"]),
        Route("/{path:path}", server.dispatch, methods=ALL_METHODS),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.holder = holder
    app.add_middleware(AccessLog, stream=log_stream, enabled=access_log)
    return app
