"""parc serve under random requests (both protocols): random paths, methods, headers and bodies, and bodies
shaped like each operation's input with members of random types. Never a 5xx (the server answers each request in
AWS's error shape, or answers it), and it keeps answering /health. Starts one real server (uvicorn in a thread)."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
from serve_fixtures import RunningServer, start_server
from serve_http import request

PATHS = ["/", "/health", "/policy/validation", "/policy/check-no-new-access", "/policy/check-access-not-granted",
         "/policy/check-no-public-access", "/policy/validation/", "/policy", "//", "/%00", "/policy/validation?x"]
TYPES = ["application/json", "application/x-amz-json-1.1", "application/x-www-form-urlencoded",
         "application/x-www-form-urlencoded; charset=utf-8", "text/xml", "", "multipart/form-data; boundary=x"]
MEMBERS = ["policyDocument", "policyType", "newPolicyDocument", "existingPolicyDocument", "access", "resourceType",
           "locale", "validatePolicyResourceType", "maxResults", "nextToken"]
IAM_ACTIONS = ["SimulateCustomPolicy", "SimulatePrincipalPolicy", "GetRole", "GetUser", "ListRoles", "ListUsers",
               "GetPolicy", "GetPolicyVersion", "ListPolicies", "GetAccountAuthorizationDetails", "Nope", ""]
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                             "Resource": "*"}]})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30)
    | st.sampled_from([POLICY, "IDENTITY_POLICY", "RESOURCE_POLICY", "AWS::S3::Bucket", "s3:GetObject", "*"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from([*MEMBERS, "actions", "resources"])
                                                                 | st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
json_bodies = st.dictionaries(st.sampled_from(MEMBERS), json_values, max_size=5).map(
    lambda d: json.dumps(d).encode())
form_fields = st.lists(st.tuples(st.sampled_from(["Action", "Version", "PolicyInputList.member.1",
                                                  "ActionNames.member.1", "ResourceArns.member.1",
                                                  "ContextEntries.member.1.ContextKeyName",
                                                  "ContextEntries.member.1.ContextKeyType",
                                                  "ContextEntries.member.1.ContextKeyValues.member.1",
                                                  "PolicySourceArn", "MaxItems", "Marker", "RoleName", "UserName"])
                                 | st.text(max_size=10),
                                 st.sampled_from([*IAM_ACTIONS, POLICY, "2010-05-08", "s3:GetObject", "string",
                                                  "numericLessThan", "1", "-1", "arn:aws:iam::111122223333:role/x"])
                                 | st.text(max_size=20)), max_size=8)
form_bodies = form_fields.map(lambda kv: "&".join(f"{quote(k)}={quote(v)}" for k, v in kv).encode())
bodies = json_bodies | form_bodies | st.binary(max_size=200)


_RUNNING: list[RunningServer] = []
"""The module's server: @fuzz's timed loop passes no fixtures to the test, so the tests read it from here."""


@pytest.fixture(scope="module", autouse=True)
def server() -> Iterator[RunningServer]:
    running = start_server(("examples/org/111122223333",))
    _RUNNING.append(running)
    try:
        yield running
    finally:
        _RUNNING.remove(running)
        running.stop()


def _iam_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("parc.server.iam") is not None


def _check_answer(status: int, headers: Any, body: bytes) -> None:
    assert headers["x-amzn-RequestId"]
    if status < 400:
        return
    assert status < 500 or (status == 501 and not _iam_available()), (status, body[:500])
    if headers.get("x-amzn-ErrorType"):
        assert "message" in json.loads(body)
    else:
        assert ET.fromstring(body).tag.endswith("ErrorResponse")


@fuzz
@given(method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE"]),
       path=st.sampled_from(PATHS) | st.text(alphabet="/abcxyz-.%?&=", max_size=20).map(lambda p: "/" + p),
       ctype=st.sampled_from(TYPES), body=bodies,
       extra=st.dictionaries(st.sampled_from(["X-Amz-Target", "Authorization", "X-Amz-Date", "Accept"]),
                             st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
                             max_size=3))
def test_random_requests_get_aws_shaped_answers(method: str, path: str, ctype: str, body: bytes,
                                                extra: dict[str, str]) -> None:
    headers = {**extra, "Content-Type": ctype} if ctype else dict(extra)
    _check_answer(*request(_RUNNING[0].url, method, path, body, headers))


@fuzz
@given(path=st.sampled_from(PATHS[2:6]), body=json_bodies, max_results=st.none() | st.text(max_size=6))
def test_operation_shaped_bodies_get_aws_shaped_answers(path: str, body: bytes, max_results: str | None) -> None:
    query = f"?maxResults={quote(max_results)}" if max_results is not None else ""
    _check_answer(*request(_RUNNING[0].url, "POST", path + query, body, {"Content-Type": "application/json"}))


def test_server_still_answers_health_after_the_fuzzing(server: RunningServer) -> None:
    status, _headers, body = request(server.url, "GET", "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert "Traceback" not in server.log.getvalue()
