"""A bounded load test (the long one is benchmarks/bench_serve.py): 8 concurrent boto3 clients, a fixed number of
requests each over the mix of operations, zero errors and every answer the library's. No timing asserts. It also
pins a concurrency bug found by the load test: reasoning checks running side by side in the thread pool raised
Z3Exception (the solvers' context was process-wide); each check now has a z3 context of its own, and the server runs
them side by side without a lock."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import bench_serve  # noqa: E402


def test_eight_clients_no_errors_and_library_answers(serve_url: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(serve_url + "/health", timeout=30) as r:
        iam = json.loads(r.read())["iam"] == "served"
    mix = bench_serve.request_mix(iam)
    out: dict[str, Any] = bench_serve.run_clients(serve_url, mix, clients=8, seconds=None, count=2 * len(mix))
    assert out["errors"] == []
    assert out["mismatches"] == []
    assert len(out["latencies"]) == 8 * 2 * len(mix)
