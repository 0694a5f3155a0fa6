"""Build parc with its decision path compiled to C by mypyc, into ``build/compiled`` (``make compiled``; issue 6).

parc is pure Python, and that is the reference: ``make test`` and CI test it, and it runs anywhere Python 3.11 does.
For the biggest jobs (every principal x action x resource of an organization, months of logs) the modules that
decide a request can also be compiled with mypyc, the compiler that ships with mypy: it turns the same typed source
into C extensions, which cuts the time per decision by about a fifth to a third (``make bench`` measures both). No
code is written twice: the compiled modules are built from these very files, and ``make test-compiled`` runs the
whole test suite against them.

The build goes to a copy of the package (``build/compiled/parc``), never next to the sources, so an edited ``.py``
is never shadowed by a stale extension. Use it with ``PYTHONPATH=build/compiled`` (``parc --version`` then says
"compiled"). It needs a C compiler; the build is skipped, with a message, where there is none.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "parc"
OUT = ROOT / "build" / "compiled"

# The decision path: what a batch of requests runs through, per request. Compiling more buys little (the rest runs
# once per policy set or per report) and would make more of parc depend on the C build.
HOT_MODULES = (
    "parc/core/authz/fast.py",
    "parc/core/authz/aws_owned.py",
    "parc/core/authz/plan.py",
    "parc/core/authz/decision.py",
    "parc/core/authz/engine.py",
    "parc/core/authz/request.py",
    "parc/core/authz/compile.py",
    "parc/core/authz/principal.py",
    "parc/core/conditions/__init__.py",
    "parc/core/conditions/base.py",
    "parc/core/conditions/ip.py",
    "parc/core/conditions/date.py",
    "parc/core/conditions/string.py",
    "parc/core/conditions/boolean.py",
    "parc/core/conditions/numeric.py",
    "parc/core/match.py",
)


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*.py")):
        h.update(str(path.relative_to(SOURCE)).encode())
        h.update(path.read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def build(force: bool = False) -> Path:
    """Build (or reuse) the compiled copy; returns the directory to put on PYTHONPATH."""
    stamp = OUT / ".fingerprint"
    fingerprint = _fingerprint()
    if not force and stamp.is_file() and stamp.read_text() == fingerprint:
        return OUT
    mypyc = Path(sys.executable).with_name("mypyc")
    if not mypyc.exists():
        raise SystemExit(f"mypyc is not installed next to {sys.executable}: install parc's dev extra (make test does)")
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        raise SystemExit("no C compiler (cc or gcc) on this machine: the compiled build needs one; pure parc works")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    shutil.copytree(SOURCE, OUT / "parc", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    print(f"compiling {len(HOT_MODULES)} modules with mypyc into {OUT.relative_to(ROOT)} ...", file=sys.stderr)
    result = subprocess.run([str(mypyc), *HOT_MODULES], cwd=OUT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"mypyc failed (exit {result.returncode})")
    shutil.rmtree(OUT / "build", ignore_errors=True)
    stamp.write_text(fingerprint)
    return OUT


def main(argv: list[str]) -> int:
    out = build(force="--force" in argv)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
