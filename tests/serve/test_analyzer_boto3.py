"""Access Analyzer's operations through a real boto3 client against the real server: every case of
analyzer_cases.json (each cites the API reference page it follows) answered as the library answers it, with the
expected outcome; paging; locations that point at what they name; AWS-shaped errors that boto3 raises as its
modelled exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from serve_library import CASES, call, library_answer, server_answer


@pytest.fixture
def analyzer(boto3_client: Any) -> Any:
    return boto3_client("accessanalyzer")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_answers_as_library(analyzer: Any, case: dict[str, Any]) -> None:
    op, params, expect = case["operation"], case["params"], case["expect"]
    response = call(analyzer, op, params)
    got = server_answer(op, response)
    assert got == library_answer(op, params)
    if "issueCodes" in expect:
        assert sorted({f[0] for f in got["findings"]}) == sorted(expect["issueCodes"])
    if "result" in expect:
        assert got["result"] == expect["result"]
        if expect["result"] == "PASS":
            assert response["reasons"] == []
    if "statementIds" in expect:
        assert sorted({r.get("statementId") for r in response["reasons"]}) == expect["statementIds"]


def _spans(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f["issueCode"], loc) for f in response["findings"] for loc in f["locations"]]


@pytest.mark.parametrize("case", [c for c in CASES if c["operation"] == "ValidatePolicy"],
                         ids=[c["name"] for c in CASES if c["operation"] == "ValidatePolicy"])
def test_validate_spans_cover_the_element_the_path_names(analyzer: Any, case: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Position.html: line from 1, column and
    offset from 0; the span's text is the JSON of the element its path names (API_PathElement.html: ``key`` names
    a member's name, ``value`` a member on the way, ``index`` an array item)."""
    text = case["params"]["policyDocument"]
    lines = text.split("\n")
    response = analyzer.validate_policy(**case["params"])
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    for _code, loc in _spans(response):
        start, end = loc["span"]["start"], loc["span"]["end"]
        for pos in (start, end):
            assert sum(len(x) + 1 for x in lines[: pos["line"] - 1]) + pos["column"] == pos["offset"]
        if document is None or not loc["path"]:
            continue
        node: Any = document
        for element in loc["path"]:
            if "key" in element:  # the span is the member's name
                assert element["key"] in node
                node = element["key"]
            else:
                node = node[element["index"]] if "index" in element else node[element["value"]]
        assert json.loads(text[start["offset"]:end["offset"]]) == node


def test_validate_pages_with_max_results_and_next_token(analyzer: Any) -> None:
    """https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html: maxResults and
    nextToken page the findings; the pages together are the whole list, in order."""
    name = "validate_identity_reports_invalid_action_and_passrole_star"
    params = next(c["params"] for c in CASES if c["name"] == name)
    whole = analyzer.validate_policy(**params)["findings"]
    assert len(whole) == 2
    first = analyzer.validate_policy(**params, maxResults=1)
    assert first["findings"] == whole[:1] and first["nextToken"]
    second = analyzer.validate_policy(**params, maxResults=1, nextToken=first["nextToken"])
    assert second["findings"] == whole[1:] and "nextToken" not in second
    with pytest.raises(analyzer.exceptions.ValidationException) as info:
        analyzer.validate_policy(policyDocument=params["policyDocument"] + " ", policyType="IDENTITY_POLICY",
                                 nextToken=first["nextToken"])
    assert info.value.response["reason"] == "fieldValidationFailed"
    with pytest.raises(analyzer.exceptions.ValidationException):
        analyzer.validate_policy(**params, nextToken="not-a-token")
    with pytest.raises(analyzer.exceptions.ValidationException):
        analyzer.validate_policy(**params, maxResults=0)


def test_invalid_policy_in_check_is_invalid_parameter(analyzer: Any) -> None:
    with pytest.raises(analyzer.exceptions.InvalidParameterException) as info:
        analyzer.check_no_new_access(existingPolicyDocument="{", newPolicyDocument="{}", policyType="IDENTITY_POLICY")
    assert "JSON syntax error" in info.value.response["Error"]["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_malformed_action_in_access_is_validation_exception(analyzer: Any) -> None:
    with pytest.raises(analyzer.exceptions.ValidationException):
        analyzer.check_access_not_granted(policyDocument="{}", access=[{"actions": ["s3"]}],
                                          policyType="IDENTITY_POLICY")
    with pytest.raises(analyzer.exceptions.ValidationException):
        analyzer.check_access_not_granted(policyDocument="{}", access=[{}], policyType="IDENTITY_POLICY")


@pytest.fixture
def unchecked(boto3_client: Any, serve_url: str) -> Any:
    """A client that sends what it is given (no client-side parameter validation): the server's own checks."""
    import boto3
    from botocore.config import Config

    return boto3.client("accessanalyzer", endpoint_url=serve_url, region_name="us-east-1",
                        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy",
                        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))


@pytest.mark.parametrize("params", [
    {"policyType": "IDENTITY_POLICY"},
    {"policyDocument": "{}", "policyType": "NOT_A_TYPE"},
    {"policyDocument": 5, "policyType": "IDENTITY_POLICY"},
    {"policyDocument": "{}", "policyType": "IDENTITY_POLICY", "validatePolicyResourceType": "AWS::S3::Bucket"},
    {"policyDocument": "{}", "policyType": "IDENTITY_POLICY", "locale": "XX"},
], ids=["missing_document", "unknown_type", "document_not_string", "resource_type_on_identity", "unknown_locale"])
def test_bad_validate_input_is_validation_exception(unchecked: Any, params: dict[str, Any]) -> None:
    with pytest.raises(unchecked.exceptions.ValidationException) as info:
        unchecked.validate_policy(**params)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["reason"] == "fieldValidationFailed"


def test_bad_check_input_is_validation_exception(unchecked: Any) -> None:
    for op, params in [
        ("check_no_new_access", {"newPolicyDocument": "{}", "policyType": "IDENTITY_POLICY"}),
        ("check_access_not_granted", {"policyDocument": "{}", "policyType": "IDENTITY_POLICY",
                                      "access": [{"actions": ["s3:GetObject"]}, {"actions": ["s3:PutObject"]}]}),
        ("check_no_public_access", {"policyDocument": "{}", "resourceType": "AWS::Nope::Thing"}),
        ("check_no_new_access", {"newPolicyDocument": "{}", "existingPolicyDocument": "{}",
                                 "policyType": "SERVICE_CONTROL_POLICY"}),
    ]:
        with pytest.raises(unchecked.exceptions.ValidationException):
            getattr(unchecked, op)(**params)
