"""Benchmark of the positioned JSON reader (``parse_json``) on real-shaped documents: the audit benchmark's
5,000-role authorization-details export, the 1,641 AWS managed policies in ../shared/data/aws-managed-policies, and a
small policy. CPU time (``time.process_time``), the median of several runs, with the cyclic garbage collector
paused as the snapshot loaders pause it (parc.core.gcpause).

    .venv/bin/python benchmarks/bench_jsonpos.py [--runs N] [--reader default|precise]

``--reader precise`` times the character-by-character reader alone (the one that every error comes from).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audit import generate

from parc.core.gcpause import gc_paused
from parc.core.policy import jsonpos

MANAGED = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-managed-policies"
SMALL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}, indent=2)


def _precise(text: str) -> object:
    return jsonpos._Reader(text).document()


def _median_cpu(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        work()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reader", choices=("default", "precise"), default="default")
    args = ap.parse_args(argv)
    parse: Callable[[str], object] = jsonpos.parse_json if args.reader == "default" else _precise
    details = json.dumps(generate(1, 5000, 2000, 300)["details"], indent=1)
    managed = [p.read_text() for p in sorted(MANAGED.glob("*.json"))]
    with gc_paused():
        _report(parse, details, managed, args.reader, args.runs)
    return 0


def _report(parse: Callable[[str], object], details: str, managed: list[str], reader: str, runs: int) -> None:
    print(f"parse_json ({reader}), CPU seconds, median of {runs} runs")
    t = _median_cpu(lambda: parse(details), runs)
    print(f"  authorization details, 5,000 roles ({len(details) / 1e6:.1f} M chars)  {t:8.3f} s")
    t = _median_cpu(lambda: [parse(text) for text in managed], runs)
    print(f"  {len(managed):,} AWS managed policies ({sum(map(len, managed)) / 1e6:.1f} M chars)      {t:8.3f} s")
    t = _median_cpu(lambda: [parse(SMALL) for _ in range(1000)], runs) / 1000
    print(f"  a small policy ({len(SMALL)} chars)                         {t * 1e6:8.1f} us")


if __name__ == "__main__":
    sys.exit(main())
