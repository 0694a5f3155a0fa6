"""The request body, read incrementally and never past ``--max-body`` bytes (a 413 in AWS's shape beyond)."""

from __future__ import annotations

from starlette.requests import Request

from parc.server.errors import ApiError

DEFAULT_MAX_BODY = 1 << 20
"""1 MiB: Access Analyzer takes policy documents up to a few hundred KB (ValidatePolicy's policyDocument has no
modelled maximum; IAM's simulator takes up to 131,072 characters per policy); a 1 MiB body holds several."""


def too_large(limit: int) -> ApiError:
    return ApiError(413, "RequestEntityTooLargeException", f"the request body exceeds {limit} bytes (--max-body)")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or ApiError 413 as soon as it is known to be longer than ``limit`` (from Content-Length,
    else while streaming: what was read is dropped, the rest never buffered)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
