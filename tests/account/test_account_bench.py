"""The account benchmark's generator stays usable: seeded, loadable, and every question runs on what it builds."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import benchmark_modules
from parc.core.account import Evaluator, escalation, who_can
from parc.loaders.account import load_snapshot


def bench() -> ModuleType:
    return benchmark_modules.load("bench_account")


def test_generated_account_loads_and_answers(tmp_path: Path) -> None:
    b = bench()
    details, resource_policies, _ = b.generate(seed=3, roles=120, policies=60, users=15, groups=4)
    again, _, _ = b.generate(seed=3, roles=120, policies=60, users=15, groups=4)
    assert json.dumps(details, sort_keys=True) == json.dumps(again, sort_keys=True)  # seeded
    assert len(details["RoleDetailList"]) == 120
    folder = tmp_path / b.ACCT
    folder.mkdir()
    (folder / "get-account-authorization-details.json").write_text(json.dumps(details))
    (folder / "resource-policies.json").write_text(json.dumps(resource_policies))
    estate = load_snapshot(folder)
    assert not [f for f in estate.findings if f.code != "ACCOUNT_MISSING_POLICY"]
    ev = Evaluator(estate)
    result = who_can(ev, "s3:GetObject", f"arn:aws:s3:::{b.TARGET_BUCKET}/reports/x.csv")
    # The bucket policy names every 97th role: those are allowed without any identity policy of their own.
    assert f"arn:aws:iam::{b.ACCT}:role/role-97" in {e.principal.arn for e in result.entries}
    esc = escalation(ev)
    assert esc.principals == 135
    assert f"arn:aws:iam::{b.ACCT}:role/role-0" in esc.administrators  # every 250th role is an administrator
