"""In-process rate of ``parc.server.iam.handle_query`` (no HTTP): the IAM Query calls ``parc serve`` answers.

Bodies are serialized by botocore's own Query serializer, as boto3 sends them. Measures a typical
SimulateCustomPolicy (one policy of three statements, two actions on one resource, one typed context entry), a
SimulatePrincipalPolicy over examples/org, and ListRoles. Run: ``.venv/bin/python benchmarks/bench_iam_query.py
[--seconds S]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

import botocore.session
from botocore.serialize import create_serializer

from parc.core.account.model import Estate
from parc.loaders.account import load_snapshot
from parc.server.iam import handle_query

ROOT = Path(__file__).resolve().parents[1]
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "PutFromVpc", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]}, indent=2)


def body(operation: str, params: dict[str, object]) -> bytes:
    model = botocore.session.get_session().get_service_model("iam")
    req = create_serializer("query").serialize_to_request(params, model.operation_model(operation))
    return urlencode(req["body"]).encode()


def rate(label: str, data: bytes, estates: list[Estate], seconds: float) -> None:
    for _ in range(20):
        assert handle_query(data, estates).status == 200
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        handle_query(data, estates)
        times.append(time.perf_counter() - t)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(f"{label}: {len(times) / sum(times):,.0f} calls/s, p50 {statistics.median(times) * 1e3:.2f} ms, "
          f"p99 {p99 * 1e3:.2f} ms ({len(times):,} calls)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per call kind (default 3)")
    args = parser.parse_args(argv)
    estates = [load_snapshot(ROOT / "examples" / "org")]
    custom = body("SimulateCustomPolicy", {
        "PolicyInputList": [POLICY], "ActionNames": ["s3:GetObject", "s3:PutObject"],
        "ResourceArns": ["arn:aws:s3:::b/k"], "CallerArn": "arn:aws:iam::111122223333:user/alice",
        "ContextEntries": [{"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["true"],
                            "ContextKeyType": "boolean"}]})
    principal = body("SimulatePrincipalPolicy", {
        "PolicySourceArn": "arn:aws:iam::444455556666:user/alice", "ActionNames": ["s3:GetObject", "iam:CreateUser"],
        "ResourceArns": ["arn:aws:s3:::prod-customer-data/x"]})
    rate("SimulateCustomPolicy (1 policy, 2 actions x 1 resource)", custom, [], args.seconds)
    rate("SimulatePrincipalPolicy (examples/org user, 2 actions)", principal, estates, args.seconds)
    rate("ListRoles (examples/org, 13 roles)", body("ListRoles", {}), estates, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
