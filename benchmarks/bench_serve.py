"""Load test of ``parc serve`` (issue 15): concurrent boto3 clients against a real server on loopback.

Starts ``parc serve`` in its own process (``--workers N`` uvicorn processes) on a free 127.0.0.1 port, then runs
``--clients`` boto3 clients (threads, spread over ``--procs`` client processes so that the clients' own Python
work does not share one interpreter lock) for ``--seconds``. The request mix: ValidatePolicy and CheckNoNewAccess
from the Access Analyzer test corpus, and SimulateCustomPolicy when the server serves IAM. Every answer is
compared with the library's answer for the same request (computed in-process beforehand); any error or mismatch
is counted and printed. Prints requests/s, p50 / p99 latency, and the library's own rate for the same requests
in one process, one thread.

    .venv/bin/python benchmarks/bench_serve.py [--clients 32] [--seconds 30] [--workers 2] [--procs 4] [--json F]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVE_TESTS = ROOT / "tests" / "serve"
if str(SERVE_TESTS) not in sys.path:
    sys.path.insert(0, str(SERVE_TESTS))

from serve_library import CASES, call, library_answer, server_answer  # noqa: E402

ACCOUNT = "examples/org/111122223333"
MIX_CASES = ("validate_identity_reports_invalid_action_and_passrole_star",
             "validate_clean_identity_policy_has_no_findings", "validate_condition_key_with_dots_located",
             "no_new_access_same_policy_passes",
             "no_new_access_added_action_fails", "no_new_access_resource_policy_new_principal_fails")
SIM_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret-bucket/*"}]})
SIM_ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]
SIM_RESOURCES = ["arn:aws:s3:::secret-bucket/k", "arn:aws:s3:::public-bucket/k"]


def iam_served() -> bool:
    import importlib.util

    return importlib.util.find_spec("parc.server.iam") is not None


def simulate_library(params: dict[str, Any]) -> dict[str, Any]:
    """The engine's decision for each action and resource of a SimulateCustomPolicy request (no principal: the
    simulator evaluates the identity policies alone)."""
    import parc

    out = {}
    for action in params["ActionNames"]:
        for resource in params["ResourceArns"]:
            decision = parc.authorize({"principal": "arn:aws:iam::111122223333:user/parc-simulator",
                                       "action": action, "resource": resource,
                                       "identity_policies": [params["PolicyInputList"][0]]})
            out[f"{action} {resource}"] = str(getattr(decision, "decision", decision))
    return {"decisions": out}


def simulate_server(response: dict[str, Any]) -> dict[str, Any]:
    names = {"allowed": "Allow", "explicitDeny": "ExplicitDeny", "implicitDeny": "ImplicitDeny"}
    return {"decisions": {f"{r['EvalActionName']} {r['EvalResourceName']}": names[r["EvalDecision"]]
                          for r in response["EvaluationResults"]}}


def request_mix(with_iam: bool) -> list[dict[str, Any]]:
    by_name = {c["name"]: c for c in CASES}
    mix = [{"service": "accessanalyzer", "operation": by_name[n]["operation"], "params": by_name[n]["params"]}
           for n in MIX_CASES]
    if with_iam:
        mix.append({"service": "iam", "operation": "SimulateCustomPolicy",
                    "params": {"PolicyInputList": [SIM_POLICY], "ActionNames": SIM_ACTIONS,
                               "ResourceArns": SIM_RESOURCES}})
    for item in mix:
        item["expected"] = answer_library(item)
    return mix


def answer_library(item: dict[str, Any]) -> dict[str, Any]:
    if item["operation"] == "SimulateCustomPolicy":
        return simulate_library(item["params"])
    return library_answer(item["operation"], item["params"])


def answer_server(client: Any, item: dict[str, Any]) -> dict[str, Any]:
    if item["operation"] == "SimulateCustomPolicy":
        return simulate_server(client.simulate_custom_policy(**item["params"]))
    return server_answer(item["operation"], call(client, item["operation"], item["params"]))


def client_thread(url: str, mix: list[dict[str, Any]], start: int, seconds: float | None, count: int | None,
                  ready: threading.Barrier, out: dict[str, Any]) -> None:
    """One boto3 client per service, requests round-robin from ``start`` until the time or count is up (timed
    from when every thread has made its clients)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy",
                                    region_name="us-east-1")
    config = Config(retries={"total_max_attempts": 1}, read_timeout=120, max_pool_connections=2)
    clients = {s: session.client(s, endpoint_url=url, config=config) for s in {m["service"] for m in mix}}
    ready.wait()
    until = time.monotonic() + (seconds or 0)
    i = start
    done = 0
    while (count is None and time.monotonic() < until) or (count is not None and done < count):
        item = mix[i % len(mix)]
        i += 1
        t0 = time.perf_counter()
        try:
            got = answer_server(clients[item["service"]], item)
        except Exception as exc:
            out["errors"].append(f"{item['operation']}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        finally:
            done += 1
        out["latencies"].append(time.perf_counter() - t0)
        if got != item["expected"]:
            out["mismatches"].append(f"{item['operation']}: server {got} != library {item['expected']}")


def run_clients(url: str, mix: list[dict[str, Any]], clients: int, seconds: float | None,
                count: int | None = None, first: int = 0) -> dict[str, Any]:
    """``clients`` threads in this process; each stops after ``seconds`` or after ``count`` requests."""
    out: dict[str, Any] = {"latencies": [], "errors": [], "mismatches": []}
    t0 = 0.0

    def started() -> None:
        nonlocal t0
        t0 = time.perf_counter()

    ready = threading.Barrier(clients, action=started)
    threads = [threading.Thread(target=client_thread, args=(url, mix, first + k, seconds, count, ready, out))
               for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["elapsed"] = time.perf_counter() - t0
    return out


def _proc(args: tuple[str, list[dict[str, Any]], int, float, int]) -> dict[str, Any]:
    url, mix, clients, seconds, first = args
    return run_clients(url, mix, clients, seconds, first=first)


def library_rate(mix: list[dict[str, Any]], seconds: float) -> float:
    """The library's own requests per second on the same mix, one thread, in this process."""
    done = 0
    until = time.monotonic() + seconds
    t0 = time.perf_counter()
    while time.monotonic() < until:
        answer_library(mix[done % len(mix)])
        done += 1
    return done / (time.perf_counter() - t0)


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c",
                             "from parc.cli.main import main; main()", "serve", "--account", str(ROOT / ACCOUNT),
                             "--port", str(port), "--workers", str(workers), "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"parc serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                                   ) from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("parc serve did not answer /health in 120 s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2, help="parc serve --workers")
    ap.add_argument("--procs", type=int, default=4, help="client processes the clients are spread over")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)

    proc, url = start_server(args.workers)
    try:
        with urllib.request.urlopen(url + "/health", timeout=10) as r:
            served_iam = json.loads(r.read())["iam"] == "served"
        mix = request_mix(served_iam and iam_served())
        warm = run_clients(url, mix, 4, None, count=2 * len(mix))  # each worker's first calls load the catalog
        if warm["errors"] or warm["mismatches"]:
            print("warm-up:", (warm["errors"] + warm["mismatches"])[:3])
        procs = max(1, min(args.procs, args.clients))
        shares = [args.clients // procs + (1 if k < args.clients % procs else 0) for k in range(procs)]
        jobs = [(url, mix, n, args.seconds, sum(shares[:k])) for k, n in enumerate(shares)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            parts = pool.map(_proc, jobs)
        wall = time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    latencies = sorted(x for p in parts for x in p["latencies"])
    errors = [e for p in parts for e in p["errors"]]
    mismatches = [m for p in parts for m in p["mismatches"]]
    elapsed = max(p["elapsed"] for p in parts)
    lib = library_rate(mix, min(10.0, args.seconds / 3))
    n = len(latencies) + len(errors)
    figures = {
        "clients": args.clients, "seconds": args.seconds, "server_workers": args.workers, "client_procs": procs,
        "operations": sorted({m["operation"] for m in mix}), "requests": n, "errors": len(errors),
        "mismatches": len(mismatches), "requests_per_s": n / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else None,
        "library_per_s": lib, "wall_s": wall, "cpus": os.cpu_count(),
    }
    print(f"parc serve: {args.clients} boto3 clients x {args.seconds:.0f} s, server --workers {args.workers}, "
          f"{os.cpu_count()} CPUs; mix {', '.join(figures['operations'])}")
    print(f"  requests {n}  errors {len(errors)}  mismatches with the library {len(mismatches)}")
    print(f"  {figures['requests_per_s']:.1f} requests/s   p50 {figures['p50_ms']:.1f} ms   p99 "
          f"{figures['p99_ms']:.1f} ms")
    print(f"  the library in-process, one thread, same requests: {lib:.1f} requests/s")
    for line in (errors + mismatches)[:10]:
        print("  !", line)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if errors or mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
