"""Validation throughput (policies per second) over the AWS managed policies.

Reads the 1,641 documents from ../shared/data/aws-managed-policies/ (beside the repository; never copied into it),
validates them ROUNDS times as identity policies, with and without the IAM catalog, and prints policies per
second. Run: ``.venv/bin/python benchmarks/bench_validate.py [--rounds N]``. Exits 0 with a message when the data
folder is absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from parc.core.findings import FindingType
from parc.core.lint import validate
from parc.core.policy.model import PolicyType

DATA = Path(os.environ.get("PARC_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
FOLDER = DATA / "aws-managed-policies"


def load() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(FOLDER.glob("*.json"))]


def run(policies: list[tuple[str, str]], catalog: object | None, rounds: int) -> tuple[list[float], int]:
    rates = []
    errors = 0
    for _ in range(rounds):
        start = time.perf_counter()
        for name, text in policies:
            result = validate(text, PolicyType.IDENTITY, catalog, name)
            errors += sum(1 for f in result.findings if f.finding_type is FindingType.ERROR)
        rates.append(len(policies) / (time.perf_counter() - start))
    return rates, errors // rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 1,641 policies (default 3)")
    args = parser.parse_args(argv)
    if not FOLDER.is_dir():
        print(f"bench_validate: skipped, {FOLDER} is absent (set PARC_DATA to the shared data folder)")
        return 0
    policies = load()
    chars = sum(len(t) for _, t in policies)
    print(f"{len(policies)} AWS managed policies, {chars / 1e6:.1f} MB, {args.rounds} rounds each")
    from parc.catalog import default_catalog

    catalog = default_catalog()
    validate(policies[0][1], PolicyType.IDENTITY, catalog)  # load the catalog outside the timing
    for label, cat in (
        ("structure and security rules (no catalog)", None),
        ("all rules, with the IAM catalog", catalog),
    ):
        rates, errors = run(policies, cat, args.rounds)
        print(
            f"  {label:45s} {statistics.median(rates):8.0f} policies/s (median of {args.rounds};"
            f" best {max(rates):.0f}); {errors} ERROR findings per pass"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
