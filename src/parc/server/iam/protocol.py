"""AWS's Query protocol for IAM, both directions, driven by botocore's own IAM service model.

Why the model rather than hand-written shapes: IAM has dozens of operations whose inputs nest lists of structures
(``ContextEntries.member.1.ContextKeyValues.member.2``) and whose outputs carry lists, maps and timestamps under
member names the model fixes. The model botocore ships is the one the SDKs and the ``aws`` CLI serialize requests
with and parse answers with, so reading a request and writing an answer from the same model keeps the wire shapes
exactly what the clients expect, and a new botocore (a new member, like ``OrderedOrganizationPolicyInputList``)
arrives with no code to change. botocore is already a dependency (boto3, for ``parc collect``). What botocore does
not have is the server side: turning a form body back into a structure (its serializer goes the other way) and
writing XML (its parser reads it); those two walks are here, each a few dozen lines over the model's shapes.

https://docs.aws.amazon.com/IAM/latest/APIReference/CommonParameters.html
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

API_VERSION = "2010-05-08"
NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
XML_CONTENT_TYPE = "text/xml"
MAX_BODY = 1 << 20
"""A form body larger than this is refused before it is parsed (IAM's largest parameter is 128 KiB of policy)."""


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """One HTTP answer: the status, the XML body and its content type (the server writes them as they are)."""

    status: int
    body: bytes
    content_type: str


class QueryError(Exception):
    """An error AWS would answer: its code, HTTP status and message (``ErrorResponse``)."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


def invalid_input(message: str) -> QueryError:
    return QueryError("InvalidInput", message, 400)


def no_such_entity(message: str) -> QueryError:
    return QueryError("NoSuchEntity", message, 404)


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """IAM's service model as the installed botocore ships it (loaded once: a few hundred milliseconds)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("iam")


def request_id() -> str:
    return str(uuid.uuid4())


# -- text and XML ---------------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Text escaped for an XML element; characters XML 1.0 cannot carry become U+FFFD (a message may echo any
    input, and an answer the client cannot parse would hide the error it reports)."""
    value = _NOT_XML.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def error_body(code: str, message: str, sender: bool = True, rid: str | None = None) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{"Sender" if sender else "Receiver"}</Type>'
        f"<Code>{xml_text(code)}</Code><Message>{xml_text(message)}</Message></Error>"
        f"<RequestId>{rid or request_id()}</RequestId></ErrorResponse>"
    ).encode()


def query_error(status: int, code: str, message: str) -> QueryResponse:
    """An IAM error answer (``ErrorResponse``): botocore raises the exception the model names for ``code``
    (``NoSuchEntity`` -> ``NoSuchEntityException``) and a ``ClientError`` with that code otherwise."""
    return QueryResponse(status, error_body(code, message, sender=status < 500), XML_CONTENT_TYPE)


def serialize_output(operation: OperationModel, result: Mapping[str, Any]) -> bytes:
    """``<XResponse><XResult>...</XResult><ResponseMetadata><RequestId>`` from the output shape."""
    name = operation.name
    parts = [f'<{name}Response xmlns="{NAMESPACE}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        parts.append(f"<{wrapper}>")
        _members(shape, result, parts)
        parts.append(f"</{wrapper}>")
    parts.append(f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata></{name}Response>")
    return "".join(parts).encode()


def _members(shape: Shape, value: Mapping[str, Any], out: list[str]) -> None:
    for member, mshape in shape.members.items():
        v = value.get(member)
        if v is not None:
            _element(mshape.serialization.get("name", member), mshape, v, out)


def _element(tag: str, shape: Shape, value: Any, out: list[str]) -> None:
    kind = shape.type_name
    out.append(f"<{tag}>")
    if kind == "structure":
        _members(shape, value, out)
    elif kind == "list":
        member = shape.member
        mtag = member.serialization.get("name", "member")
        for item in value:
            _element(mtag, member, item, out)
    elif kind == "map":
        ktag = shape.key.serialization.get("name", "key")
        vtag = shape.value.serialization.get("name", "value")
        for k, v in value.items():
            out.append("<entry>")
            _element(ktag, shape.key, k, out)
            _element(vtag, shape.value, v, out)
            out.append("</entry>")
    elif kind == "boolean":
        out.append("true" if value else "false")
    elif kind == "timestamp":
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        out.append(at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    else:
        out.append(xml_text(str(value)))
    out.append(f"</{tag}>")


# -- the form body --------------------------------------------------------------------------------------------------


def read_form(body: bytes) -> dict[str, str]:
    """The form fields of a Query request. Malformed input (not UTF-8, a field given twice, too large) is an
    AWS-shaped error, never an exception."""
    if len(body) > MAX_BODY:
        raise QueryError("RequestEntityTooLarge", f"The request body is larger than {MAX_BODY} bytes.", 413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("MalformedQueryString", "The request body is not UTF-8 form data.") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueryError("MalformedQueryString", f"The request body is not form data: {exc}") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise QueryError("MalformedQueryString", f"The parameter {key} is given more than once.")
        form[key] = value
    return form


def read_input(operation: OperationModel, form: Mapping[str, str]) -> dict[str, Any]:
    """The operation's parameters as botocore would have them before serializing (lists, structures, integers),
    checked against the model: required members, enums, lengths and ranges. An unknown parameter is an error
    rather than ignored: a misspelled ``ContextEntries`` silently dropped would change the answer."""
    tree: dict[str, Any] = {}
    for key, value in form.items():
        if key in ("Action", "Version"):
            continue
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise invalid_input(f"The parameter {key} conflicts with the parameter {'.'.join(parts[:-1])}.")
            node = child
        last = parts[-1]
        if last in node:
            raise invalid_input(f"The parameter {key} conflicts with another parameter.")
        node[last] = value
    shape = operation.input_shape
    if shape is None:
        if tree:
            raise invalid_input(f"{operation.name} takes no parameters (got {', '.join(sorted(tree))}).")
        return {}
    return _structure(shape, tree, "")


def _structure(shape: Shape, node: object, path: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise invalid_input(f"The parameter {path} must be a structure.")
    members = shape.members
    out: dict[str, Any] = {}
    for name, sub in node.items():
        where = f"{path}.{name}" if path else name
        mshape = members.get(name)
        if mshape is None:
            raise invalid_input(f"Unknown parameter {where}.")
        out[name] = _value(mshape, sub, where)
    for name in shape.required_members:
        if name not in out:
            where = f"{path}.{name}" if path else name
            raise QueryError("ValidationError", f"1 validation error detected: Value null at '{_camel(where)}' "
                             "failed to satisfy constraint: Member must not be null")
    return out


def _value(shape: Shape, node: object, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, node, path)
    if kind == "list":
        return _list(shape, node, path)
    if kind == "map":
        return _map(shape, node, path)
    if not isinstance(node, str):
        raise invalid_input(f"The parameter {path} must be a single value, not a structure.")
    meta = shape.metadata
    if kind == "integer" or kind == "long":
        try:
            number = int(node)
        except ValueError:
            raise QueryError("ValidationError", f"1 validation error detected: Value '{node}' at '{_camel(path)}' "
                             "failed to satisfy constraint: Member must be a number") from None
        if "min" in meta and number < meta["min"]:
            raise _constraint(node, path, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and number > meta["max"]:
            raise _constraint(node, path, f"Member must have value less than or equal to {meta['max']}")
        return number
    if kind == "boolean":
        if node.lower() not in ("true", "false"):
            raise _constraint(node, path, "Member must be true or false")
        return node.lower() == "true"
    if kind == "timestamp":
        try:
            return datetime.fromisoformat(node.replace("Z", "+00:00"))
        except ValueError:
            raise _constraint(node, path, "Member must be an ISO 8601 timestamp") from None
    enum = meta.get("enum") or getattr(shape, "enum", None)
    if enum and node not in enum:
        raise _constraint(node, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
    if "min" in meta and len(node) < meta["min"]:
        raise _constraint(node, path, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and len(node) > meta["max"]:
        raise _constraint(node, path, f"Member must have length less than or equal to {meta['max']}")
    return node


def _items(node: object, tag: str, path: str) -> list[object]:
    if node == "":  # botocore sends an empty list as the bare name with an empty value
        return []
    if not isinstance(node, dict) or set(node) != {tag}:
        raise invalid_input(f"The parameter {path} must be a list ({path}.{tag}.1, {path}.{tag}.2, ...).")
    entries = node[tag]
    if not isinstance(entries, dict):
        raise invalid_input(f"The parameter {path}.{tag} must be numbered ({path}.{tag}.1, ...).")
    try:
        numbered = sorted((int(k), v) for k, v in entries.items() if k.isdigit() and k[0] != "0")
    except ValueError:
        numbered = []
    if len(numbered) != len(entries) or [i for i, _ in numbered] != list(range(1, len(numbered) + 1)):
        raise invalid_input(f"The parameter {path}.{tag} must be numbered 1, 2, ... without gaps.")
    return [v for _, v in numbered]


def _list(shape: Shape, node: object, path: str) -> list[Any]:
    member = shape.member
    tag = member.serialization.get("name", "member")
    out = [_value(member, item, f"{path}.{tag}.{i}") for i, item in enumerate(_items(node, tag, path), 1)]
    meta = shape.metadata
    if "min" in meta and len(out) < meta["min"]:
        raise _constraint(str(len(out)), path, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and len(out) > meta["max"]:
        raise _constraint(str(len(out)), path, f"Member must have length less than or equal to {meta['max']}")
    return out


def _map(shape: Shape, node: object, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, entry in enumerate(_items(node, "entry", path), 1):
        if not isinstance(entry, dict) or set(entry) != {"key", "value"}:
            raise invalid_input(f"The parameter {path}.entry.{i} must have a key and a value.")
        key = _value(shape.key, entry["key"], f"{path}.entry.{i}.key")
        out[key] = _value(shape.value, entry["value"], f"{path}.entry.{i}.value")
    return out


def _camel(path: str) -> str:
    return ".".join(p[:1].lower() + p[1:] for p in path.split("."))


def _constraint(value: str, path: str, what: str) -> QueryError:
    shown = value if len(value) <= 100 else value[:97] + "..."
    return QueryError("ValidationError", f"1 validation error detected: Value '{shown}' at '{_camel(path)}' failed "
                      f"to satisfy constraint: {what}")
