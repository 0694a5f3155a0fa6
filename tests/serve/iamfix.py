"""Helpers for the IAM Query tests: requests serialized by botocore's own Query serializer and answers parsed by
botocore's own Query parser, so the tests prove the wire shapes the SDKs and the aws CLI use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import botocore.session
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from parc.core.account.model import Estate
from parc.server.iam import QueryResponse, handle_query

MODEL = botocore.session.get_session().get_service_model("iam")
SERIALIZER = create_serializer("query")
PARSER = create_parser("query")


def body_for(operation: str, params: Mapping[str, Any]) -> bytes:
    """The form body botocore sends for ``operation`` with ``params``."""
    req = SERIALIZER.serialize_to_request(dict(params), MODEL.operation_model(operation))
    body = req["body"]
    return urlencode(body).encode() if isinstance(body, dict) else body if isinstance(body, bytes) else body.encode()


def parse(operation: str, response: QueryResponse) -> dict[str, Any]:
    """The answer as botocore parses it (an error answer gives ``{"Error": {...}}``)."""
    om = MODEL.operation_model(operation)
    shape = om.output_shape if response.status < 300 else None
    return PARSER.parse({"status_code": response.status, "headers": {}, "body": response.body}, shape)


def call(operation: str, params: Mapping[str, Any], estates: Sequence[Estate] = ()) -> dict[str, Any]:
    response = handle_query(body_for(operation, params), estates)
    out = parse(operation, response)
    out["_status"] = response.status
    return out


def error_code(answer: Mapping[str, Any]) -> str | None:
    err = answer.get("Error")
    return err.get("Code") if isinstance(err, Mapping) else None
