"""The server's frame: /health, the request id on every response, unknown paths, the IAM route's shape."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest


def _get(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (looked up case-insensitively) and body."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_health_reports_loaded_snapshot_and_catalog(serve_url: str) -> None:
    from parc.catalog import catalog_version

    status, headers, body = _get(serve_url + "/health")
    assert status == 200
    assert headers.get("x-amzn-RequestId")
    data = json.loads(body)
    assert data["status"] == "ok"
    assert data["snapshots_loaded"] == 1
    assert data["accounts"] == ["111122223333"]
    assert data["catalog_version"] == catalog_version()


@pytest.mark.serve_accounts("examples/org")
def test_marker_loads_other_snapshot(serve_url: str) -> None:
    data = json.loads(_get(serve_url + "/health")[2])
    assert data["accounts"] == ["111122223333", "444455556666", "777788889999"]


def test_unknown_path_is_json_error_with_type_header(serve_url: str) -> None:
    status, headers, body = _get(serve_url + "/no/such/operation")
    assert status == 404
    assert headers.get("x-amzn-ErrorType") == "UnknownOperationException"
    assert headers.get("x-amzn-RequestId")
    assert "message" in json.loads(body)


def test_boto3_client_fixture_reaches_server(boto3_client: Any) -> None:
    client = boto3_client("accessanalyzer")
    assert client.meta.endpoint_url.startswith("http://127.0.0.1:")
