"""Benchmark for ``--scheduler``: an organization of generated accounts (``org_workload.py``, 20 by default),
audited and searched for escalation paths in one process (``local``) and on a Dask ``LocalCluster`` of 1 and of 2
worker processes (the data shipped to the workers, as ``--scheduler tcp://HOST:PORT`` does).

For each configuration: wall time, CPU time of the driver and of the workers (their ``getrusage`` before and after),
the speed-up over ``local`` in wall time, and the peak memory (max RSS) of the driver and of each worker. Each
configuration runs in a fresh process, so one's memory does not count in another's. Every configuration must give
the same findings and paths as ``local`` (the script checks it, and fails otherwise). On a shared machine the wall
times depend on the other load: read them with the CPU times beside them.

    .venv/bin/python benchmarks/bench_org.py [--accounts 20] [--roles 300] [--policies 150] [--users 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import org_workload  # noqa: E402

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _usage() -> tuple[float, int]:
    """(CPU seconds, max RSS in MB) of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss // 1024


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_one(org: str, workers: int) -> dict[str, Any]:
    """One configuration, in this process: ``workers`` 0 is ``local``."""
    from parc.api import rcp_supported_services
    from parc.catalog import default_catalog
    from parc.core.account.escalation import escalation
    from parc.core.account.evaluator import Evaluator
    from parc.core.audit import AuditOptions, audit
    from parc.loaders.snapshot import load_audit_snapshot
    from parc.reporters.audit_json import render_audit_json
    from parc.scale.account import org_escalation
    from parc.scale.audit import spread_audit
    from parc.scale.runner import connected
    from parc.scale.snapshot import Settings, Snapshot

    cluster: Any = None
    client: Any = None
    scheduler = "local"
    if workers:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0")
        scheduler = str(cluster.scheduler_address)
        client = Client(cluster)

    def worker_usage() -> dict[str, tuple[float, int]]:
        return dict(client.run(_usage)) if client is not None else {}

    rcp = rcp_supported_services()
    catalog = default_catalog()
    out: dict[str, Any] = {"workers": workers}
    cpu0, _ = _usage()
    inputs = load_audit_snapshot(org)
    cpu1, _ = _usage()
    out["load_cpu"] = cpu1 - cpu0
    with connected(scheduler):
        for stage in ("audit", "escalation"):
            before = worker_usage()
            cpu0, wall0 = _usage()[0], time.perf_counter()
            if stage == "audit":
                options = AuditOptions(NOW, "bench", catalog, rcp)
                if workers:
                    spread = spread_audit(Snapshot.of(org, scheduler, inputs=inputs, audit=True), scheduler,
                                          Settings(NOW, rcp))
                    options = replace(options, assume=spread.assume, privilege=spread.privilege)
                report = audit(inputs, options)
                digest = _digest(render_audit_json(report))
            else:
                ev = Evaluator(inputs.estate, rcp_services=rcp)
                if workers:
                    result = org_escalation(Snapshot.of(org, scheduler, estate=inputs.estate), ev, None, scheduler,
                                            relax=True, max_gains=20)
                else:
                    result = escalation(ev, None, relax=True, max_gains=20)
                digest = _digest(json.dumps(result.to_dict(), sort_keys=True))
            wall = time.perf_counter() - wall0
            cpu = _usage()[0] - cpu0
            after = worker_usage()
            worker_cpu = sum(after[w][0] - before.get(w, (0.0, 0))[0] for w in after)
            out[stage] = {"wall": wall, "driver_cpu": cpu, "workers_cpu": worker_cpu, "digest": digest}
        out["driver_peak_mb"] = _usage()[1]
        out["worker_peak_mb"] = sorted(m for _, m in worker_usage().values())
    if client is not None:
        client.close()
        cluster.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--roles", type=int, default=300, help="roles per account")
    ap.add_argument("--policies", type=int, default=150, help="managed policies per account")
    ap.add_argument("--users", type=int, default=30, help="users per account")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run", type=int, default=None, help=argparse.SUPPRESS)  # one configuration, in a child
    ap.add_argument("--org", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run is not None:
        print(json.dumps(run_one(args.org, args.run)))
        return 0
    print(f"parc organization benchmark: {args.accounts} accounts of {args.roles} roles, {args.policies} managed "
          f"policies and {args.users + 1} users each (seed {args.seed}); {os.cpu_count()} CPU(s) on this machine",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        org = str(Path(tmp) / "org")
        org_workload.write_org(Path(org), args.accounts, args.roles, args.policies, args.users, args.seed)
        rows = []
        for workers in (0, 1, 2):
            proc = subprocess.run([sys.executable, __file__, "--run", str(workers), "--org", org],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(f"  ({'local' if workers == 0 else f'{workers} worker(s)'} done: {json.dumps(rows[-1])})",
                  flush=True)
    base = rows[0]
    print(f"  {'configuration':<22} {'stage':<11} {'wall s':>8} {'speed-up':>9} {'driver CPU s':>13} "
          f"{'workers CPU s':>14}   peak MB (driver; workers)")
    ok = True
    for r in rows:
        name = "local" if r["workers"] == 0 else f"LocalCluster, {r['workers']} worker{'s' * (r['workers'] > 1)}"
        for stage in ("audit", "escalation"):
            s = r[stage]
            same = s["digest"] == base[stage]["digest"]
            ok = ok and same
            print(f"  {name:<22} {stage:<11} {s['wall']:8.2f} {base[stage]['wall'] / s['wall']:8.2f}x "
                  f"{s['driver_cpu']:13.2f} {s['workers_cpu']:14.2f}   {r['driver_peak_mb']}; "
                  f"{', '.join(str(m) for m in r['worker_peak_mb']) or '-'}{'' if same else '  DIFFERENT OUTPUT'}")
    print("  same findings and paths as local in every configuration" if ok else "  OUTPUTS DIFFER FROM LOCAL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
