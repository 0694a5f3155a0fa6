"""Time parc side by side with its peers on the synthetic workload (issue 6); ``make bench`` runs this.

For each policy-set size it prints decisions per second of parc and of each peer (a naive Python loop, moto's IAM
policy classes, PMapper's local simulation, Cedar through cedarpy), parc's speed as a multiple of each, and how
often each agrees with parc (and with the naive reference, a second opinion written from AWS's docs). Then the
figures the issue sets targets for: compiling the 1,000-statement set, the memory of a compiled 10,000-statement
set, validation throughput, and peak memory. Finally it runs the other ``benchmarks/bench_*.py`` scripts.

Everything runs on one core (the process pins itself to one CPU unless ``--cpu -1``). parc decides every request;
each peer is timed on the first requests of the workload, as many as fit in ``--budget`` seconds after a short
calibration run, and when that is fewer than all of them the rate is extrapolated and the table says so.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import workload  # noqa: E402
from peers import PEERS, Peer, PeerUnavailable, load, same  # noqa: E402
from peers.parc_engine import parc_module  # noqa: E402

Json = dict[str, Any]
CALIBRATION = 200
TARGETS = {10: 500_000, 100: 250_000, 1000: 100_000}
COMPILE_TARGET_MS = 50.0
MEMORY_TARGET_MB = 50.0
COLUMNS = ("engine", "decisions/s", "timed on", "parc ÷ engine", "agrees w/ parc", "agrees w/ naive", "prepare")


@dataclass
class EngineRun:
    name: str
    available: bool = True
    reason: str = ""
    prepare_ms: float | None = None
    rate: float | None = None
    """Decisions per second of CPU time."""
    wall_rate: float | None = None
    measured: int = 0
    total: int = 0
    agree_parc: float | None = None
    agree_naive: float | None = None
    notes: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list, repr=False)

    @property
    def extrapolated(self) -> bool:
        return 0 < self.measured < self.total

    def to_json(self) -> Json:
        out = asdict(self)
        del out["decisions"]
        out["extrapolated"] = self.extrapolated
        out["mix"] = dict(Counter(self.decisions))
        return out


def time_decisions(peer: Peer, requests: Sequence[Json], budget: float) -> tuple[list[str], float, float, int]:
    """Decide the first requests that fit in ``budget`` CPU seconds.

    Returns (decisions, decisions per CPU second, decisions per wall-clock second, how many). The rate that counts
    is per second of this process's CPU time: on a machine shared with other work, wall-clock time also counts the
    time the process waited for the core.
    """
    warm = requests[: min(len(requests), CALIBRATION)]
    t0 = time.process_time()
    peer.decide_many(warm)
    estimate = len(warm) / max(time.process_time() - t0, 1e-9)
    n = len(requests) if estimate * budget >= len(requests) else max(len(warm), int(estimate * budget))
    sample = requests[:n]
    gc.collect()
    # The workloads of every size and peer stay alive for the agreement columns: without freezing them, each full
    # collection during the timing walks millions of objects that no engine under test allocated.
    gc.freeze()
    w0, c0 = time.perf_counter(), time.process_time()
    decisions = peer.decide_many(sample)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    gc.unfreeze()
    return decisions, n / max(cpu, 1e-9), n / max(wall, 1e-9), n


def agreement(a: Sequence[str], b: Sequence[str]) -> float | None:
    n = min(len(a), len(b))
    if n == 0:
        return None
    return sum(same(x, y) for x, y in zip(a[:n], b[:n], strict=True)) / n


def run_engine(name: str, wl: workload.Workload, budget: float) -> EngineRun:
    run = EngineRun(name, total=len(wl.requests))
    try:
        peer = load(name)
    except PeerUnavailable as exc:
        return EngineRun(name, available=False, reason=str(exc), total=len(wl.requests))
    try:
        t0 = time.process_time()
        peer.prepare(wl.policies, wl.usernames)
        run.prepare_ms = (time.process_time() - t0) * 1000
        run.decisions, run.rate, run.wall_rate, run.measured = time_decisions(peer, wl.requests, budget)
    except Exception as exc:  # a peer that breaks must not stop the others
        run.available = False
        run.reason = f"failed: {type(exc).__name__}: {exc}"
    run.notes = list(peer.notes)
    return run


def bench_size(size: int, args: argparse.Namespace, engines: Sequence[str], say: Callable[[str], None]) -> Json:
    say(f"generating {size} statements, {args.requests:,} requests (seed {args.seed}) ...")
    wl = workload.make_workload(size, args.requests, args.seed)
    runs = []
    for name in engines:
        say(f"  timing {name} ...")
        # parc decides every request (it is the reference for agreement); the peers get the time budget.
        runs.append(run_engine(name, wl, float("inf") if name == "parc" else args.budget))
    by_name = {r.name: r for r in runs}
    parc, naive = by_name.get("parc"), by_name.get("naive")
    for r in runs:
        if parc and parc.available and r.available:
            r.agree_parc = agreement(parc.decisions, r.decisions)
        if naive and naive.available and r.available:
            r.agree_naive = agreement(naive.decisions, r.decisions)
    reference = parc if parc and parc.available else naive if naive and naive.available else None
    mix = dict(Counter(reference.decisions)) if reference else {}
    return {
        "statements": size,
        "requests": len(wl.requests),
        "features": workload.features(wl.policies),
        "mix": mix,
        "mix_of": reference.name if reference else None,
        "engines": runs,
    }


# --- parc-only figures -----------------------------------------------------------------------------------------


def parc_compile_ms(seed: int, size: int = 1000, repeat: int = 5) -> Json:
    try:
        parc = parc_module()
    except PeerUnavailable as exc:
        return {"available": False, "reason": str(exc)}
    if not callable(getattr(parc, "compile", None)):
        return {"available": False, "reason": "parc.compile is not there yet"}
    policies = workload.generate_policies(size, seed)
    try:
        from parc.core.authz.compile import clear_caches
    except ImportError:  # an older parc without shared matcher caches
        def clear_caches() -> None:
            return None
    times = []
    for _ in range(repeat):
        # Cold every time: parc shares compiled matchers between compilations, and a warm cache is not a compile.
        clear_caches()
        t0 = time.process_time()
        parc.compile(identity_policies=policies)
        times.append((time.process_time() - t0) * 1000)
    ms = statistics.median(times)
    target = COMPILE_TARGET_MS if size == 1000 else None  # the target is for 1,000 statements
    return {"available": True, "statements": size, "median_ms": ms, "runs": repeat, "target_ms": target}


def parc_memory(seed: int, size: int = 10_000) -> Json:
    try:
        parc = parc_module()
    except PeerUnavailable as exc:
        return {"available": False, "reason": str(exc)}
    if not callable(getattr(parc, "compile", None)):
        return {"available": False, "reason": "parc.compile is not there yet"}
    policies = workload.generate_policies(size, seed, per_policy=100)
    gc.collect()
    tracemalloc.start()
    engine = parc.compile(identity_policies=policies)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del engine
    mb = 1024 * 1024
    return {
        "available": True,
        "statements": size,
        "retained_mb": current / mb,
        "peak_mb": peak / mb,
        "target_mb": MEMORY_TARGET_MB if size == 10_000 else None,  # the target is for 10,000 statements
    }


def _validator() -> tuple[Callable[..., Any], str] | None:
    """``parc.validate`` if parc exports it, else the core function it will export."""
    try:
        parc = parc_module()
    except PeerUnavailable:
        return None
    fn = getattr(parc, "validate", None)
    if callable(fn):
        return fn, "parc.validate"
    try:
        from parc.core.lint import validate
    except ImportError:
        return None
    return validate, "parc.core.lint.validate (parc.validate is not exported yet)"


def parc_validation(seed: int, size: int = 1000, per_policy: int = 10, budget: float = 3.0) -> Json:
    found = _validator()
    if found is None:
        return {"available": False, "reason": "parc has no validate() yet"}
    validate, where = found
    kwargs: Json = {}
    if where != "parc.validate":  # parc.validate wires the catalog itself
        try:
            from parc.catalog import default_catalog

            kwargs["catalog"] = default_catalog()
        except (ImportError, AttributeError):
            pass
    texts = [json.dumps(doc, indent=2) for doc in workload.generate_policies(size, seed, per_policy)]
    try:
        validate(texts[0], **kwargs)
    except Exception as exc:
        return {"available": False, "reason": f"{where}(policy_text) failed: {type(exc).__name__}: {exc}"}
    done = 0
    t0 = time.process_time()
    while True:
        for t in texts:
            validate(t, **kwargs)
        done += 1
        elapsed = time.process_time() - t0
        if elapsed >= budget / 3 or done >= 50:
            break
    policies = done * len(texts)
    return {
        "available": True,
        "function": where,
        "with_catalog": where == "parc.validate" or "catalog" in kwargs,
        "policies_per_s": policies / elapsed,
        "statements_per_s": policies * per_policy / elapsed,
        "statements_per_policy": per_policy,
    }


def run_extras(python: str, say: Callable[[str], None]) -> list[Json]:
    """The other engineers' ``bench_*.py`` scripts, each in its own process, their output passed through."""
    out = []
    for script in sorted(HERE.glob("bench_*.py")):
        say(f"running {script.name} ...")
        t0 = time.perf_counter()
        proc = subprocess.run([python, str(script)], capture_output=True, text=True, cwd=HERE.parent, check=False)
        out.append(
            {
                "script": script.name,
                "returncode": proc.returncode,
                "seconds": time.perf_counter() - t0,
                "stdout": proc.stdout,
                "stderr": proc.stderr[-4000:],
            }
        )
    return out


# --- output ----------------------------------------------------------------------------------------------------


def _rate(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _engine_build() -> str:
    try:
        from parc.api import engine_build
    except ImportError:
        return "not installed"
    return engine_build()


def render(report: Json) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buf = StringIO()
    console = Console(file=buf, width=140, force_terminal=False, color_system=None)
    m = report["machine"]
    console.print(
        f"parc benchmark — parc's engine: {m.get('parc_engine', '?')}; Python {m['python']}, {m['cpus']} CPU(s), "
        f"pinned to {m['pinned']}, "
        f"seed {report['seed']}, {report['requests']:,} requests per size; all times are CPU time of this process "
        f"(load average {m['loadavg']})"
    )
    for size in report["sizes"]:
        runs: list[EngineRun] = size["engines"]
        parc = next((r for r in runs if r.name == "parc" and r.available), None)
        mix = ", ".join(f"{k} {v / max(1, sum(size['mix'].values())):.0%}" for k, v in sorted(size["mix"].items()))
        table = Table(title=f"{size['statements']:,} statements — decisions: {mix} (per {size['mix_of']})")
        for col in COLUMNS:
            table.add_column(col, justify="left" if col in ("engine", "timed on") else "right")
        for r in runs:
            if not r.available:
                table.add_row(r.name, "not available", r.reason, "", "", "", "")
                continue
            timed = f"{r.measured:,}" + (f" of {r.total:,} *" if r.extrapolated else "")
            ratio = f"{parc.rate / r.rate:.1f}x" if parc and parc.rate and r.rate and r is not parc else "—"
            prep = "—" if r.prepare_ms is None else f"{r.prepare_ms:,.0f} ms"
            table.add_row(r.name, _rate(r.rate), timed, ratio, _pct(r.agree_parc), _pct(r.agree_naive), prep)
        console.print(table)
        target = TARGETS.get(size["statements"])
        if target:
            got = parc.rate if parc else None
            verdict = "parc not available" if got is None else ("met" if got >= target else "NOT met")
            console.print(f"  target: >= {target:,} decisions/s on one core — {verdict}")
    console.print("  * timed on a sample of the requests; the rate is extrapolated to per-second.")
    for r in report["sizes"][0]["engines"] if report["sizes"] else []:
        for note in r.notes:
            console.print(f"  {r.name}: {note}")
    console.print()
    c = report["compile"]
    if c.get("available"):
        verdict = ""
        if c["target_ms"] is not None:
            ok = "met" if c["median_ms"] < c["target_ms"] else "NOT met"
            verdict = f"; target < {c['target_ms']:.0f} ms — {ok}"
        console.print(
            f"compile {c['statements']:,} statements: {c['median_ms']:.1f} ms (median of {c['runs']}{verdict})"
        )
    else:
        console.print(f"compile: parc not available ({c['reason']})")
    mem = report["memory"]
    if mem.get("available"):
        verdict = ""
        if mem["target_mb"] is not None:
            ok = "met" if mem["retained_mb"] < mem["target_mb"] else "NOT met"
            verdict = f"; target < {mem['target_mb']:.0f} MB — {ok}"
        console.print(
            f"memory of a compiled {mem['statements']:,}-statement set: {mem['retained_mb']:.1f} MB retained, "
            f"{mem['peak_mb']:.1f} MB peak while compiling (tracemalloc{verdict})"
        )
    else:
        console.print(f"memory: parc not available ({mem['reason']})")
    v = report["validation"]
    if v.get("available"):
        cat = "with the IAM catalog" if v["with_catalog"] else "without the catalog"
        console.print(
            f"validation ({v['function']}, {cat}): {v['statements_per_s']:,.0f} statements/s "
            f"({v['policies_per_s']:,.0f} policies/s of {v['statements_per_policy']} statements)"
        )
    else:
        console.print(f"validation: skipped ({v['reason']})")
    console.print(f"peak memory of this run (RSS, workloads included): {report['peak_rss_mb']:.0f} MB")
    console.print(
        "parc simulate --jobs 2 scaling: not measured here (write a 1,000,000-request file with "
        "benchmarks/workload.py and time parc simulate)."
    )
    for extra in report["extras"]:
        console.print()
        console.print(f"--- {extra['script']} (exit {extra['returncode']}, {extra['seconds']:.1f} s)")
        console.print(extra["stdout"].rstrip(), markup=False, highlight=False)
        if extra["returncode"] != 0:
            console.print(extra["stderr"].rstrip(), markup=False, highlight=False)
    return buf.getvalue()


def to_json(report: Json) -> Json:
    out = dict(report)
    out["sizes"] = [{**s, "engines": [r.to_json() for r in s["engines"]]} for s in report["sizes"]]
    return out


def pin(cpu: int) -> str:
    if cpu < 0 or not hasattr(os, "sched_setaffinity"):
        return "no CPU (not pinned)"
    allowed = sorted(os.sched_getaffinity(0))
    chosen = cpu if cpu in allowed else allowed[0]
    os.sched_setaffinity(0, {chosen})
    return f"CPU {chosen}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Time parc side by side with its peers (issue 6).")
    ap.add_argument("--sizes", default="10,100,1000", help="statement counts, comma-separated (default 10,100,1000)")
    ap.add_argument("--requests", type=int, default=100_000, help="requests per size (default 100,000)")
    ap.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated (default {','.join(PEERS)}; 'none')")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=3.0, help="seconds of timing per engine and size (default 3)")
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default the first allowed; -1: do not pin)")
    ap.add_argument("--memory-statements", type=int, default=10_000, help="statements in the memory test (10,000)")
    ap.add_argument("--quick", action="store_true", help="small compile, memory and validation sets (a smoke test)")
    ap.add_argument("--no-extras", action="store_true", help="do not run the other benchmarks/bench_*.py scripts")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes: not a list of numbers: {args.sizes!r}")
    args.peer_list = [p.strip() for p in args.peers.split(",") if p.strip() and p.strip() != "none"]
    unknown = [p for p in args.peer_list if p not in PEERS]
    if unknown:
        ap.error(f"--peers: unknown {', '.join(unknown)}; known: {', '.join(PEERS)}")
    if any(s < 1 for s in args.size_list) or args.requests < 1:
        ap.error("--sizes and --requests must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    original = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pinned = pin(args.cpu)
    engines = ["parc", *args.peer_list]
    report: Json = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "pinned": pinned,
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "parc_engine": _engine_build(),
        },
        "seed": args.seed,
        "requests": args.requests,
        "sizes": [bench_size(size, args, engines, say) for size in args.size_list],
    }
    say("parc: compile, memory, validation ...")
    quick = args.quick
    report["compile"] = parc_compile_ms(args.seed, 100 if quick else 1000, 1 if quick else 5)
    report["memory"] = parc_memory(args.seed, 200 if quick else args.memory_statements)
    report["validation"] = parc_validation(args.seed, 20 if quick else 1000, budget=args.budget)
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if original is not None:
        os.sched_setaffinity(0, original)  # the other scripts may measure several cores
    report["extras"] = [] if args.no_extras else run_extras(sys.executable, say)
    sys.stdout.write(render(report))
    if args.json:
        args.json.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
        say(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
