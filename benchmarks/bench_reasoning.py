"""Benchmark for automated reasoning (issue 14) over the 1,641 AWS managed policies in
``../shared/data/aws-managed-policies``:

- ``diff``: each policy against a copy with one Allow statement widened (its first action pattern made the whole
  service, or its resources ``*`` when the action already is, or its condition dropped);
- ``never``: each policy never allows ``iam:CreateAccessKey`` (a sensitive action; most policies never grant it);
- ``public``: each policy's resource-policy shape (every statement given ``"Principal": "*"``) has no public access
  outside account 111122223333.

For each check it prints the median and 99th percentile time per query (one check of one policy) as wall-clock
time and as the process's CPU time (the solvers run in the process; on a shared machine the CPU time is the cost
of the query, the wall time includes waiting for a core), the outcomes, and the share UNKNOWN. Seeded, so every
run widens the same statements.

    .venv/bin/python benchmarks/bench_reasoning.py [--limit N] [--every N] [--timeout S] [--seed N] [--json FILE]
        [--check diff|never|public ...]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from parc import api

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-managed-policies"
TRUSTED = "111122223333"


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def widen(policy: dict[str, Any], rnd: random.Random) -> dict[str, Any] | None:
    """A copy with one Allow statement widened, or None when the policy has no Allow statement."""
    out = copy.deepcopy(policy)
    stmts = _list(out.get("Statement", []))
    allows = [s for s in stmts if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if not allows:
        return None
    s = rnd.choice(allows)
    if "Action" in s:
        actions = _list(s["Action"])
        first = str(actions[0])
        service = first.split(":", 1)[0]
        if first not in ("*", f"{service}:*"):
            s["Action"] = [f"{service}:*", *actions[1:]]
            out["Statement"] = stmts
            return out
    if "Resource" in s and _list(s["Resource"]) != ["*"]:
        s["Resource"] = "*"
    elif "Condition" in s:
        del s["Condition"]
    else:
        s.pop("Action", None)
        s["NotAction"] = s.get("NotAction", "iam:*")
    out["Statement"] = stmts
    return out


def resource_shape(policy: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(policy)
    out["Statement"] = [{**s, "Principal": "*"} for s in _list(out.get("Statement", [])) if isinstance(s, dict)]
    return out


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v * 1000:.1f}"


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N policies (0: all)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per check (a timeout is UNKNOWN)")
    ap.add_argument("--every", type=int, default=1, help="only every N-th policy (a quick sample)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json", help="write the per-query results here")
    ap.add_argument("--check", action="append", choices=["diff", "never", "public"],
                    help="only this check (repeatable; default: all three)")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"bench_reasoning: {DATA} is not there; nothing to measure", file=sys.stderr)
        return 0
    files = sorted(DATA.glob("*.json"))
    if args.limit:
        files = files[: args.limit]
    files = files[:: max(1, args.every)]
    rnd = random.Random(args.seed)
    api.action_index()
    times: dict[str, list[float]] = {"diff": [], "never": [], "public": []}
    cpu: dict[str, list[float]] = {k: [] for k in times}
    outcomes: dict[str, Counter[str]] = {k: Counter() for k in times}
    rows: list[dict[str, Any]] = []
    unknown: list[tuple[str, str, str]] = []
    skipped = 0
    for f in files:
        try:
            policy = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            skipped += 1
            continue
        wide = widen(policy, rnd)
        checks: list[tuple[str, Any]] = []
        if wide is not None:
            checks.append(("diff", lambda p=policy, w=wide: api.check_no_new_access(p, w, timeout=args.timeout)))
        checks.append(("never", lambda p=policy: api.check_access_not_granted(p, ["iam:CreateAccessKey"],
                                                                               timeout=args.timeout)))
        checks.append(("public", lambda p=policy: api.check_no_public_access(resource_shape(p), accounts=[TRUSTED],
                                                                              timeout=args.timeout)))
        for name, run in checks:
            if args.check and name not in args.check:
                continue
            t0 = time.perf_counter()
            c0 = time.process_time()
            try:
                result = run()
                verdict, reason = result.result, result.reason
            except Exception as exc:  # a policy AWS would not accept (the engine refuses it): counted apart
                verdict, reason = "ERROR", f"{type(exc).__name__}: {exc}"
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            if verdict != "ERROR":
                times[name].append(dt)
                cpu[name].append(dc)
            outcomes[name][verdict] += 1
            if verdict == "UNKNOWN":
                unknown.append((name, f.stem, reason))
            rows.append({"check": name, "policy": f.stem, "result": verdict, "seconds": dt, "cpu_seconds": dc,
                         "reason": reason})
    print(f"automated reasoning over {len(files) - skipped} AWS managed policies "
          f"(timeout {args.timeout:g} s per check)")
    print(f"{'check':8} {'queries':>8} {'median ms':>10} {'p99 ms':>9} {'max ms':>9} {'cpu median':>11} "
          f"{'cpu p99':>9}  outcomes")
    for name, ts in times.items():
        if args.check and name not in args.check:
            continue
        oc = ", ".join(f"{k} {v}" for k, v in sorted(outcomes[name].items()))
        cs = cpu[name]
        print(f"{name:8} {len(ts):8d} {_ms(statistics.median(ts) if ts else None):>10} {_ms(_pct(ts, 99)):>9} "
              f"{_ms(max(ts, default=None)):>9} {_ms(statistics.median(cs) if cs else None):>11} "
              f"{_ms(_pct(cs, 99)):>9}  {oc}")
    total = sum(len(ts) for ts in times.values())
    share = len(unknown) / total if total else 0.0
    print(f"UNKNOWN: {len(unknown)} of {total} ({share * 100:.2f}%)")
    for name, pol, reason in unknown[:20]:
        print(f"  {name} {pol}: {reason}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
