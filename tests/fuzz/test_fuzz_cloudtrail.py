"""Fuzz the CloudTrail reader and mapping (parc replay): any bytes as a file (gzip or not), any JSON value at any
field of a record, never crash them, and nothing is lost silently: every record the reader yields is either mapped
to a call or counted unmapped with a reason, and a file that cannot be read is a located problem."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

from parc.core.replay import Call, Unmapped
from parc.loaders.cloudtrail import ReadProblems, Sessions, map_record, read_file

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
FIELDS = {
    "eventSource": st.sampled_from(["s3.amazonaws.com", "kms.amazonaws.com", "sts.amazonaws.com",
                                    "lambda.amazonaws.com", "dynamodb.amazonaws.com", "x.amazonaws.com"]),
    "eventName": st.sampled_from(["GetObject", "ListObjectsV2", "Decrypt", "AssumeRole", "GetItem",
                                  "GetFunction20150331v2", "Nope"]),
    "userIdentity": st.fixed_dictionaries({"type": st.sampled_from(["IAMUser", "AssumedRole", "Root", "AWSService"]),
                                           "arn": st.text(max_size=40), "accountId": st.text(max_size=12)},
                                          optional={"sessionContext": JSON}),
    "requestParameters": st.dictionaries(st.sampled_from(["bucketName", "key", "roleArn", "tableName", "tags"]),
                                         JSON | st.text(max_size=10), max_size=3),
    "resources": st.lists(st.dictionaries(st.sampled_from(["ARN", "type"]), JSON | st.text(max_size=30)),
                          max_size=2),
    "eventTime": st.text(max_size=25), "sourceIPAddress": st.text(max_size=20), "errorCode": st.text(max_size=15),
    "awsRegion": st.text(max_size=10), "eventType": st.sampled_from(["AwsApiCall", "AwsServiceEvent"]),
    "responseElements": JSON, "tlsDetails": JSON, "additionalEventData": JSON, "recipientAccountId": JSON,
}


@st.composite
def records(draw: st.DrawFn) -> Any:
    out: dict[str, Any] = {}
    for name, strat in FIELDS.items():
        if draw(st.integers(0, 4)) == 0:
            continue
        out[name] = draw(strat if draw(st.integers(0, 3)) else JSON)
    return out if draw(st.integers(0, 9)) else draw(JSON)


@fuzz
@given(st.lists(records(), max_size=4))
def test_every_record_is_mapped_or_counted(recs: list[Any]) -> None:
    sessions = Sessions()
    for rec in recs:
        if not isinstance(rec, dict):
            continue
        out = map_record(rec, "f:1", sessions=sessions)
        assert isinstance(out, Call | Unmapped)
        if isinstance(out, Unmapped):
            assert out.reason


@fuzz
@given(st.lists(records(), max_size=4), st.sampled_from(["records", "array", "lines"]), st.booleans(),
       st.integers(0, 40))
def test_reader_never_crashes_and_locates_failures(recs: list[Any], shape: str, compress: bool, cut: int) -> None:
    if shape == "records":
        body = json.dumps({"Records": recs})
    elif shape == "array":
        body = json.dumps(recs)
    else:
        body = "\n".join(json.dumps(r) for r in recs)
    data = body.encode()
    data = gzip.compress(data) if compress else data
    if cut:
        data = data[:-cut]  # a truncated file
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.json.gz"
        path.write_bytes(data)
        problems = ReadProblems()
        got = list(read_file(str(path), problems))
    assert all(isinstance(rec, dict) for _w, rec in got)
    read = len(got) + sum(problems.records.values())
    if not problems.files and not problems.skipped:
        assert read == len(recs) or shape == "lines"  # JSON Lines: a blank line is no record
    for where, _msg in problems.files:
        assert where.startswith(str(path))


@fuzz
@given(st.binary(max_size=200))
def test_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.json"
        path.write_bytes(data)
        problems = ReadProblems()
        list(read_file(str(path), problems))
