"""Benchmark for ``parc replay``: a generated CloudTrail log (``--events``, default 10 million) written streamed
into a temporary folder of gzip files laid out as AWS delivers them, replayed against a generated account (50
roles, 20 users) with a proposed policy change, on 1 worker (``local``) and on 2 (``processes``, Dask).

Reports events per second of wall clock (the workers run in parallel) and per CPU second (the replay partitions'
process time, summed over workers: what another load on a shared machine does not change), and peak memory per
worker (the largest VmHWM of a worker process; the one-worker run's is this process's, counted from the run's
start). Partition results are merged as they come, as ``parc replay`` does. Seeded: every run writes the same log.

    .venv/bin/python benchmarks/bench_replay.py [--events N] [--per-file N] [--seed N] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parc.cli.replay_work import Setup, partitions, run_partition
from parc.core.replay import Tally
from parc.loaders.cloudtrail import ReadProblems, list_files

ACCT = "123456789012"
V = "2012-10-17"
ROLES, USERS, BUCKETS, TABLES = 50, 20, 20, 10
START = datetime(2026, 11, 1, tzinfo=UTC)


def _doc(*st: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(st)}


def write_account(folder: Path) -> Path:
    policy = _doc({"Sid": "Data", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                   "Resource": ["arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-*/*"]},
                  {"Sid": "Tables", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                   "Resource": f"arn:aws:dynamodb:*:{ACCT}:table/*"},
                  {"Sid": "Ops", "Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:ListMetrics"],
                   "Resource": "*"})
    trust = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole"})
    details = {
        "UserDetailList": [{"UserName": f"user{i}", "UserId": f"AIDA{i:017d}", "Path": "/",
                            "Arn": f"arn:aws:iam::{ACCT}:user/user{i}", "GroupList": [], "Tags": [],
                            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": policy}],
                            "AttachedManagedPolicies": []} for i in range(USERS)],
        "RoleDetailList": [{"RoleName": f"role{i}", "RoleId": f"AROA{i:017d}", "Path": "/",
                            "Arn": f"arn:aws:iam::{ACCT}:role/role{i}", "AssumeRolePolicyDocument": trust,
                            "RolePolicyList": [], "InstanceProfileList": [], "Tags": [],
                            "AttachedManagedPolicies": [{"PolicyName": "App",
                                                         "PolicyArn": f"arn:aws:iam::{ACCT}:policy/App"}]}
                           for i in range(ROLES)],
        "GroupDetailList": [],
        "Policies": [{"PolicyName": "App", "Arn": f"arn:aws:iam::{ACCT}:policy/App", "Path": "/",
                      "DefaultVersionId": "v1",
                      "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": policy}]}],
    }
    acct = folder / "account" / ACCT
    acct.mkdir(parents=True)
    (acct / "get-account-authorization-details.json").write_text(json.dumps(details))
    proposed = _doc({"Sid": "Data", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                     "Resource": ["arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-*/*"]})
    (folder / "proposed.json").write_text(json.dumps(proposed))
    return acct


def _record(rng: random.Random, when: datetime) -> dict[str, Any]:
    if rng.random() < 0.3:
        i = rng.randrange(USERS)
        ident: dict[str, Any] = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCT}:user/user{i}", "accountId": ACCT,
                                 "userName": f"user{i}"}
    else:
        i = rng.randrange(ROLES)
        ident = {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCT}:assumed-role/role{i}/s{rng.randrange(5)}",
                 "accountId": ACCT, "sessionContext": {
                     "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCT}:role/role{i}"},
                     "attributes": {"mfaAuthenticated": "false", "creationDate": "2026-11-01T00:00:00Z"}}}
    kind = rng.random()
    bucket = f"bucket-{rng.randrange(BUCKETS)}"
    if kind < 0.4:
        src, name, params = "s3.amazonaws.com", "GetObject", {"bucketName": bucket, "key": f"k{rng.randrange(50)}"}
    elif kind < 0.55:
        src, name, params = "s3.amazonaws.com", "PutObject", {"bucketName": bucket, "key": f"k{rng.randrange(50)}"}
    elif kind < 0.65:
        src, name, params = "s3.amazonaws.com", "ListObjectsV2", {"bucketName": bucket}
    elif kind < 0.85:
        src, name, params = "dynamodb.amazonaws.com", "GetItem", {"tableName": f"t{rng.randrange(TABLES)}"}
    elif kind < 0.95:
        src, name, params = "ec2.amazonaws.com", "DescribeInstances", {}
    else:
        src, name, params = "sts.amazonaws.com", "GetCallerIdentity", {}
    return {"eventVersion": "1.09", "userIdentity": ident, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": src, "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": f"203.0.113.{rng.randrange(8)}", "userAgent": "aws-sdk-java/2.20",
            "requestParameters": params, "responseElements": None, "eventType": "AwsApiCall",
            "recipientAccountId": ACCT, "eventID": f"{rng.getrandbits(64):016x}"}


POOL = 20_000
"""Distinct calls the log draws from (who, what, on which resource, from which address); each event is one of them
at its own time. Writing from a pool keeps the generator fast enough for 10 million events."""


def write_log(folder: Path, events: int, per_file: int, seed: int) -> Path:
    """Streamed: one gzip file at a time, never the whole log in memory."""
    rng = random.Random(seed)
    pool = []
    for _ in range(POOL):
        text = json.dumps(_record(rng, START))
        head, _, tail = text.partition(START.strftime("%Y-%m-%dT%H:%M:%SZ"))
        pool.append((head, tail))
    root = folder / "AWSLogs" / ACCT / "CloudTrail" / "us-east-1"
    step = max(1, 30 * 86400 // max(events, 1))
    start = int(START.timestamp())
    written, n = 0, 0
    while written < events:
        count = min(per_file, events - written)
        when = datetime.fromtimestamp(start + written * step, UTC)
        day = root / when.strftime("%Y/%m/%d")
        day.mkdir(parents=True, exist_ok=True)
        parts = []
        for i in range(count):
            head, tail = pool[rng.randrange(POOL)]
            stamp = datetime.fromtimestamp(start + (written + i) * step, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(head + stamp + tail)
        with gzip.open(day / f"{ACCT}_CloudTrail_us-east-1_{n:06d}.json.gz", "wt", compresslevel=1) as fh:
            fh.write('{"Records": [' + ", ".join(parts) + "]}")
        written += count
        n += 1
    return folder / "AWSLogs"


def peak_rss_kb() -> int:
    """This process's peak RSS in KiB: ``VmHWM`` of /proc/self/status, the high-water mark of its own memory map.
    Why not ``ru_maxrss``: a process started by another (the ``processes`` workers, spawned) reports at least its
    parent's peak there, which Linux carries over through fork and exec; VmHWM does not."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> None:
    """Start the peak over (Linux: ``5`` written to /proc/self/clear_refs resets VmHWM), so that the one-worker
    run, which runs in this process, does not report the peak of writing the log."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _measured(setup: Setup, files: list[str]) -> tuple[Tally, ReadProblems, int, float]:
    t0 = time.process_time()
    tally, problems = run_partition(setup, files)
    return tally, problems, peak_rss_kb(), time.process_time() - t0


def run(setup: Setup, logs: Path, workers: int) -> dict[str, Any]:
    from parc.scale.runner import iter_map_shared

    problems = ReadProblems()
    files = list_files([str(logs)], problems)
    reset_peak_rss()
    t0 = time.perf_counter()
    tally = Tally()
    peak = 0
    cpu = 0.0
    for part, _probs, rss, seconds in iter_map_shared(_measured, setup, partitions(files),
                                                      "local" if workers == 1 else "processes"):
        tally.merge(part)
        peak = max(peak, rss)
        cpu += seconds
    wall = time.perf_counter() - t0
    return {"workers": workers, "events": tally.events, "wall_seconds": round(wall, 1),
            "events_per_second_wall": round(tally.events / wall), "cpu_seconds": round(cpu, 1),
            "events_per_cpu_second": round(tally.events / cpu) if cpu else None,
            "peak_rss_mb_per_worker": round(peak / 1024),
            "newly_denied_calls": sum(tally.newly_denied.values()), "replayed": tally.replayed,
            "unmapped": tally.unmapped}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--per-file", type=int, default=5000, help="records per log file (AWS: up to a few thousand)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts: 1 = local, more = processes")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parc-bench-replay-") as tmp:
        folder = Path(tmp)
        acct = write_account(folder)
        t0 = time.perf_counter()
        logs = write_log(folder, args.events, args.per_file, args.seed)
        print(f"wrote {args.events} events in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        setup = Setup(str(acct), False, (f"policy:arn:aws:iam::{ACCT}:policy/App={folder / 'proposed.json'}",))
        for w in (int(x) for x in args.workers.split(",")):
            print(json.dumps(run(setup, logs, w)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
