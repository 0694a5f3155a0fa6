"""Reading an Access Analyzer request: the JSON body and query string checked against botocore's service model.

botocore ships AWS's own description of every operation (members, types, required members, enums, list bounds),
the same model the SDKs build requests from; checking input against it (``botocore.validate.ParamValidator``
does the types, required members and bounds; enums are checked here) keeps parc's answers to bad input in step
with what AWS's model says, without a hand-written copy of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from parc.server.errors import ApiError, validation

SERVICE = "accessanalyzer"


@lru_cache(maxsize=1)
def service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE)


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise validation(f"the request body is not JSON: {exc}", "cannotParse") from None
    if not isinstance(data, dict):
        raise validation("the request body must be a JSON object", "cannotParse")
    return data


def _query_members(shape: Any, query: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        if member.serialization.get("location") != "querystring":
            continue
        wire = member.serialization.get("name", name)
        if wire not in query:
            continue
        raw = query[wire]
        if member.type_name == "integer":
            try:
                out[name] = int(raw)
            except ValueError:
                raise validation(f"{wire} must be an integer, not {raw[:50]!r}", field=wire) from None
        else:
            out[name] = raw
    return out


def _bounds(shape: Any, params: Any, where: str) -> None:
    """What botocore's validator leaves to the service: enum values and the maximum lengths of lists."""
    if shape.type_name == "structure" and isinstance(params, dict):
        for name, member in shape.members.items():
            if name in params:
                _bounds(member, params[name], f"{where}.{name}" if where else name)
    elif shape.type_name == "list" and isinstance(params, list):
        most = shape.metadata.get("max")
        if isinstance(most, int) and len(params) > most:
            raise validation(f"{where} holds {len(params)} items; at most {most}", field=where)
        for i, item in enumerate(params):
            _bounds(shape.member, item, f"{where}[{i}]")
    elif shape.type_name == "string" and shape.enum and isinstance(params, str) and params not in shape.enum:
        raise validation(f"{where}: {params[:100]!r} is not one of {', '.join(shape.enum)}", field=where)


def read_input(operation: str, body: bytes, query: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input members (body and query string), checked against AWS's model for it."""
    from botocore.validate import ParamValidator

    shape = service_model().operation_model(operation).input_shape
    data = _json_body(body)
    params = {k: v for k, v in data.items() if k in shape.members
              and shape.members[k].serialization.get("location") is None}
    params.update(_query_members(shape, query))
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise validation(report.generate_report().replace("Parameter validation failed:\n", "").strip()[:2000])
    _bounds(shape, params, "")
    return params


def require_text(params: Mapping[str, Any], name: str) -> str:
    value = params[name]
    if not isinstance(value, str):  # the validator has checked it; this narrows the type
        raise ApiError(400, "ValidationException", f"{name} must be a string", {"reason": "fieldValidationFailed"})
    return value
