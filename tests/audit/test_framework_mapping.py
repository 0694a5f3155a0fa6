"""The CIS AWS Foundations Benchmark mapping (``src/parc/core/audit/frameworks/cis-aws.json``) against the benchmark
and against the audit: every control id exists in the version named, with its title; every control of the version
is in the mapping (decided, or MANUAL with a reason); every code it names is one the audit can produce.

The control lists (ids, titles, Automated/Manual) are in ../shared/data/cis-aws-foundations/ (from the benchmark's
published control list, CIS Amazon Web Services Foundations Benchmark v6.0 and v7.0:
https://www.cisecurity.org/benchmark/amazon_web_services).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from parc.core.audit.codes import PLANNED, PRODUCED
from parc.core.audit.framework import MappingError, codes, parse_mapping
from parc.core.lint.base import RULES
from parc.loaders.frameworks import load_frameworks, mapping_text

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "cis-aws-foundations"
SOURCES = {"cis-aws-7.0": "cis-aws-7.0.json", "cis-aws-6.0": "cis-aws-6.0.json"}


def _benchmark(fid: str) -> dict[str, dict[str, str]]:
    path = DATA / SOURCES[fid]
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared data folder of the project)")
    return {c["id"]: c for c in json.loads(path.read_text())["controls"]}


def test_the_shipped_mapping_has_both_versions() -> None:
    assert [fw.id for fw in load_frameworks()] == ["cis-aws-7.0", "cis-aws-6.0"]


@pytest.mark.parametrize("fid", list(SOURCES))
def test_every_control_id_exists_in_the_version_named_with_its_title(fid: str) -> None:
    bench = _benchmark(fid)
    (fw,) = [f for f in load_frameworks() if f.id == fid]
    ids = [c.id for c in fw.controls]
    assert len(ids) == len(set(ids))
    unknown = [i for i in ids if i not in bench]
    assert unknown == [], f"{fid}: control ids the benchmark does not have: {unknown}"
    assert {c.id: c.title for c in fw.controls} == {i: c["title"] for i, c in bench.items()}
    assert set(ids) == set(bench), f"{fid}: controls of the benchmark not in the mapping: {set(bench) - set(ids)}"


@pytest.mark.parametrize("fid", list(SOURCES))
def test_every_automated_control_is_decided(fid: str) -> None:
    """Issue 13: every automated control that a snapshot can decide is decided (none is left MANUAL)."""
    bench = _benchmark(fid)
    (fw,) = [f for f in load_frameworks() if f.id == fid]
    manual_automated = [c.id for c in fw.controls if c.manual and bench[c.id]["assessment"] == "Automated"]
    assert manual_automated == []
    assert all(c.manual or (c.fail and c.needs) for c in fw.controls)


def _lint_codes() -> set[str]:
    return {code for r in RULES for code in r.codes}


def test_every_mapped_code_is_one_the_audit_can_produce() -> None:
    known = PRODUCED | PLANNED | _lint_codes()
    unknown = sorted(codes(load_frameworks()) - known)
    assert unknown == []


def _audit_source() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "src" / "parc" / "core").rglob("*.py")
                     if p.name != "codes.py")


def test_produced_codes_are_produced_by_the_source() -> None:
    """A code listed as produced appears in the audit's source: the framework view never PASSes on a check that
    does not exist."""
    source = _audit_source()
    absent = sorted(c for c in PRODUCED if not re.search(rf'"{c}"|f"{{kind}}_{c.split("_", 1)[-1]}"', source))
    assert absent == []


def test_planned_codes_that_the_source_now_produces_are_listed_as_produced() -> None:
    """When a check of issue 13 is merged, its code goes into PRODUCED, or its CIS controls stay NOT CHECKED."""
    source = _audit_source()
    now_produced = sorted(c for c in PLANNED - PRODUCED if f'"{c}"' in source)
    assert now_produced == [], f"add these to parc.core.audit.codes.PRODUCED: {now_produced}"


@pytest.mark.parametrize(("change", "path"), [
    (lambda d: d["frameworks"]["cis-aws-7.0"]["controls"]["2.4"].update(check="nope"), "controls.2.4.check"),
    (lambda d: d["checks"]["root-mfa"].update(needs=["nope"]), "$.checks.root-mfa.needs[0]"),
    (lambda d: d["checks"]["root-mfa"].update(needs=[]), "$.checks.root-mfa.needs"),
    (lambda d: d["checks"]["root-mfa"].update(fail=[]), "$.checks.root-mfa.fail"),
    (lambda d: d["frameworks"]["cis-aws-7.0"]["controls"]["2.2"].update(manual="nope"), "controls.2.2.manual"),
    (lambda d: d["inputs"]["iam"].update(files="x"), "$.inputs.iam.files"),
    (lambda d: d["checks"]["unused-credentials"]["thresholds"].update(unused_days={"at_most": "45"}),
     "$.checks.unused-credentials.thresholds.unused_days"),
])
def test_a_broken_mapping_is_refused_with_its_path(change: object, path: str) -> None:
    data = json.loads(mapping_text())
    assert callable(change)
    change(data)
    with pytest.raises(MappingError) as err:
        parse_mapping(data)
    assert path in str(err.value)
