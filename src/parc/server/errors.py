"""Errors in the shapes AWS's SDKs parse, so that boto3 raises its usual exceptions.

REST-JSON services (Access Analyzer): the error code in the ``x-amzn-ErrorType`` header, a JSON body with
``message`` (botocore reads the code from the header, the message from the body). IAM (the Query protocol): an
``ErrorResponse`` XML document; the IAM package (``parc.server.iam``) builds its own, :func:`iam_fallback` answers
the failures outside it (an oversize body, a crash) with the request id the server already gave the request.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from starlette.responses import Response

REQUEST_ID = "x-amzn-RequestId"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"


class ApiError(Exception):
    """An error to answer with: HTTP status, AWS's error code, a message for the user."""

    def __init__(self, status: int, code: str, message: str, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}


def validation(message: str, reason: str = "fieldValidationFailed", field: str | None = None) -> ApiError:
    """Access Analyzer's ValidationException (400): ``reason`` is one of its ValidationExceptionReason values
    (unknownOperation, cannotParse, fieldValidationFailed, other, notSupported); ``field`` fills ``fieldList``."""
    extra: dict[str, object] = {"reason": reason}
    if field is not None:
        extra["fieldList"] = [{"name": field, "message": message}]
    return ApiError(400, "ValidationException", message, extra)


def json_error(status: int, code: str, message: str, request_id: str,
               extra: dict[str, object] | None = None) -> Response:
    body = json.dumps({**(extra or {}), "message": message}).encode()
    return Response(body, status_code=status, media_type="application/json",
                    headers={"x-amzn-ErrorType": code, REQUEST_ID: request_id})


def iam_error_xml(status: int, code: str, message: str, request_id: str) -> bytes:
    kind = "Sender" if status < 500 else "Receiver"
    return (f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{escape(request_id)}</RequestId>"
            "</ErrorResponse>").encode()


def iam_fallback(status: int, code: str, message: str, request_id: str) -> Response:
    return Response(iam_error_xml(status, code, message, request_id), status_code=status, media_type="text/xml",
                    headers={REQUEST_ID: request_id})
