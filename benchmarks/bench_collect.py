"""Benchmark for ``parc collect``: a moto account (moto's server on a free loopback port) of 1,000 roles, 500
managed policies, 200 buckets with policies and a VPC in each of 3 regions, collected with ``--jobs 1`` and
``--jobs 8``: wall time (the calls wait on the emulator, so CPU time says little), the calls made, and the calls per
resource. Seeded names; moto answers far faster than AWS (no network, no throttling), so the times are a floor:
against AWS, the calls per resource and the effect of --jobs are what carries over.

    .venv/bin/python benchmarks/bench_collect.py [--roles N] [--policies N] [--buckets N] [--regions N] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

V = "2012-10-17"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def populate(url: str, roles: int, policies: int, buckets: int, regions: tuple[str, ...]) -> None:
    import boto3

    session = boto3.Session(region_name="us-east-1")
    iam = session.client("iam", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    trust = json.dumps({"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]})

    def policy(i: int) -> str:
        return iam.create_policy(PolicyName=f"policy-{i:04d}", PolicyDocument=json.dumps({"Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"],
             "Resource": f"arn:aws:s3:::bucket-{i:04d}/*"}]}))["Policy"]["Arn"]

    def role(i: int, arns: list[str]) -> None:
        iam.create_role(RoleName=f"role-{i:04d}", AssumeRolePolicyDocument=trust)
        if arns:
            iam.attach_role_policy(RoleName=f"role-{i:04d}", PolicyArn=arns[i % len(arns)])

    def bucket(i: int) -> None:
        name = f"bucket-{i:04d}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": V, "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{name}",
                                                                                 f"arn:aws:s3:::{name}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))

    # One call at a time: moto's server is not safe for concurrent writes (a dict changing size under a reader).
    arns = [policy(i) for i in range(policies)]
    for i in range(roles):
        role(i, arns)
    for i in range(buckets):
        bucket(i)
    for r in regions:
        ec2 = session.client("ec2", region_name=r, endpoint_url=url)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")


UNEMULATED = {
    # moto does not emulate these; answered in the shape of AWS's documented examples so that the benchmark times
    # the collector, not botocore's retries of an emulator's HTTP 500.
    ("accessanalyzer", "ListAnalyzers"): {"analyzers": []},
    ("ec2", "GetInstanceMetadataDefaults"): {"AccountLevel": {"HttpTokens": "required"}},
    ("ec2", "GetEbsDefaultKmsKeyId"): {"KmsKeyId": "alias/aws/ebs"},
}


def answer_unemulated(client: Any) -> None:
    from botocore.awsrequest import AWSResponse

    model = client.meta.service_model
    for (service, op), body in UNEMULATED.items():
        if service == model.service_name:
            answer = (AWSResponse("https://stub.invalid", 200, {}, None),
                      {**body, "ResponseMetadata": {"HTTPStatusCode": 200}})
            client.meta.events.register(f"before-call.{model.service_id.hyphenize()}.{op}",
                                        lambda answer=answer, **_: answer)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=500)
    ap.add_argument("--buckets", type=int, default=200)
    ap.add_argument("--regions", type=int, default=3)
    ap.add_argument("--jobs", default="1,8")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the dev extra is not installed
        print(f"bench_collect: skipped ({exc}; install parc[dev])")
        return 0
    from parc.collect.run import Options, collect

    regions = REGIONS[: args.regions]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    out: dict[str, Any] = {"roles": args.roles, "policies": args.policies, "buckets": args.buckets,
                           "regions": list(regions), "runs": []}
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        t = time.perf_counter()
        populate(url, args.roles, args.policies, args.buckets, regions)
        print(f"moto account: {args.roles} roles, {args.policies} policies, {args.buckets} buckets, "
              f"{len(regions)} regions (populated in {time.perf_counter() - t:.1f} s)")
        for jobs in (int(j) for j in args.jobs.split(",")):
            calls: Counter[str] = Counter()
            with tempfile.TemporaryDirectory() as tmp:
                wall, cpu = time.perf_counter(), time.process_time()
                summary = collect(Options(Path(tmp) / "out", regions=regions, jobs=jobs, endpoint_url=url,
                                          session=boto3.Session(region_name="us-east-1"),
                                          observer=lambda s, o, c=calls: c.update([f"{s}:{o}"]),
                                          sleep=lambda _: None, client_hook=answer_unemulated))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                size = sum(f.stat().st_size for f in (Path(tmp) / "out").rglob("*") if f.is_file())
            total = sum(calls.values())
            per_bucket = sum(n for k, n in calls.items() if k.startswith("s3:") and k != "s3:ListBuckets")
            run = {"jobs": jobs, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "calls": total,
                   "failed": summary.failures, "bytes": size,
                   "calls_per_bucket": round(per_bucket / max(1, args.buckets), 2),
                   "iam_export_pages": calls["iam:GetAccountAuthorizationDetails"],
                   "calls_per_region": round(sum(n for k, n in calls.items() if k.split(":")[0] not in
                                                 ("iam", "s3", "sts", "organizations", "s3control"))
                                             / len(regions), 1),
                   "by_call": dict(sorted(calls.items()))}
            out["runs"].append(run)
            print(f"--jobs {jobs}: {wall:.1f} s wall ({cpu:.1f} s CPU, emulator included), {total} calls "
                  f"({summary.failures} failed), {size / 1e6:.1f} MB written; "
                  f"{run['calls_per_bucket']} calls per bucket, {run['iam_export_pages']} pages of the IAM export "
                  f"for {args.roles + args.policies} roles and policies, {run['calls_per_region']} calls per region")
    finally:
        server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
