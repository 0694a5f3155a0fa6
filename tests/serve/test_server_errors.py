"""Requests the SDKs would not send get AWS-shaped errors: oversize bodies (413, read incrementally), malformed
JSON, unknown paths and methods, IAM-protocol requests answered in IAM's ErrorResponse XML; a request id on
every response; the server answers /health afterwards."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from serve_fixtures import RunningServer, start_server
from serve_http import request

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
IAM_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
LIMIT = 4096


@pytest.fixture(scope="module")
def small() -> Iterator[RunningServer]:
    """A server with a small --max-body, so that an oversize body is cheap to send."""
    server = start_server(("examples/org/111122223333",), max_body=LIMIT)
    try:
        yield server
    finally:
        server.stop()


def _json_error(status: int, headers: Any, body: bytes) -> tuple[int, str, dict[str, Any]]:
    assert headers["x-amzn-RequestId"]
    assert headers["Content-Type"].startswith("application/json")
    return status, headers["x-amzn-ErrorType"], json.loads(body)


def _iam_error(status: int, headers: Any, body: bytes) -> tuple[int, str]:
    assert headers["x-amzn-RequestId"]
    root = ET.fromstring(body)
    assert root.tag == IAM_NS + "ErrorResponse"
    code = root.findtext(f"{IAM_NS}Error/{IAM_NS}Code")
    assert code and root.findtext(f"{IAM_NS}Error/{IAM_NS}Message") is not None
    assert root.findtext(f"{IAM_NS}RequestId")
    return status, code


def test_oversize_json_body_with_content_length_is_413(small: RunningServer) -> None:
    body = json.dumps({"policyDocument": "x" * LIMIT, "policyType": "IDENTITY_POLICY"}).encode()
    status, code, data = _json_error(*request(small.url, "POST", "/policy/validation", body, JSON))
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert str(LIMIT) in data["message"]


def test_oversize_iam_body_is_413_in_iam_shape(small: RunningServer) -> None:
    body = b"Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" + b"x" * LIMIT
    assert _iam_error(*request(small.url, "POST", "/", body, FORM)) == (413, "RequestEntityTooLarge")


def test_oversize_chunked_body_is_cut_off_while_reading(small: RunningServer) -> None:
    """No Content-Length: the server counts as it reads and answers 413 once past the limit."""
    parts = urlsplit(small.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /policy/validation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 1024
        try:
            for _ in range(LIMIT // 1024 + 2):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close before the rest is sent
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"RequestEntityTooLargeException" in reply


def test_body_at_the_limit_is_read(small: RunningServer) -> None:
    doc = json.dumps({"Version": "2012-10-17", "Statement": []})
    body = json.dumps({"policyDocument": doc, "policyType": "IDENTITY_POLICY"}).encode()
    body += b" " * (LIMIT - len(body))
    status, _headers, _body = request(small.url, "POST", "/policy/validation", body, JSON)
    assert status == 200


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b"\xff\xfe", b'"text"', b"{" * 100000],
                         ids=["truncated", "array", "not_utf8", "string", "deep_nesting"])
def test_malformed_json_is_validation_exception_cannot_parse(serve_url: str, body: bytes) -> None:
    status, code, data = _json_error(*request(serve_url, "POST", "/policy/validation", body, JSON))
    assert (status, code, data["reason"]) == (400, "ValidationException", "cannotParse")


def test_unknown_path_is_404_unknown_operation(serve_url: str) -> None:
    status, code, _data = _json_error(*request(serve_url, "POST", "/policy/nothing", b"{}", JSON))
    assert (status, code) == (404, "UnknownOperationException")


def test_wrong_method_on_operation_path(serve_url: str) -> None:
    status, code, _data = _json_error(*request(serve_url, "GET", "/policy/validation"))
    assert (status, code) == (405, "MethodNotAllowedException")


def test_iam_form_request_gets_iam_shaped_answer(serve_url: str) -> None:
    """Before or after the IAM operations are merged, an unknown action is an ErrorResponse (4xx/501)."""
    status, code = _iam_error(*request(serve_url, "POST", "/", b"Action=NoSuchAction&Version=2010-05-08", FORM))
    assert 400 <= status < 500 or (status, code) == (501, "NotImplemented")


def test_get_on_root_is_iam_shaped(serve_url: str) -> None:
    status, _code = _iam_error(*request(serve_url, "GET", "/"))
    assert 400 <= status < 500


def test_every_response_has_a_distinct_request_id(serve_url: str) -> None:
    ids = {request(serve_url, "GET", "/health")[1]["x-amzn-RequestId"] for _ in range(5)}
    assert len(ids) == 5


def test_access_log_has_one_json_line_per_request(serve_server: RunningServer) -> None:
    status, headers, _ = request(serve_server.url, "POST", "/policy/validation", b"{", JSON)
    rid = headers["x-amzn-RequestId"]
    lines = [json.loads(x) for x in serve_server.log.getvalue().splitlines() if rid in x]
    assert len(lines) == 1
    line = lines[0]
    assert line["status"] == status == 400
    assert (line["method"], line["path"], line["operation"]) == ("POST", "/policy/validation", "ValidatePolicy")
    assert line["duration_ms"] >= 0 and line["time"]
