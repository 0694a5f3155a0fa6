"""All 1,641 AWS managed policies through the catalog rules: AWS accepted every one of them, so the only errors
allowed are for actions the catalog does not know (INVALID_ACTION, INVALID_SERVICE_IN_ACTION), which Access Analyzer
also reports on AWS managed policies (its reference lists AmazonEMRFullAccessPolicy_v2, for one:
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html). Actions AWS has
retired are warnings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import CATALOG_RULES

from parc.catalog import default_catalog
from parc.core.findings import FindingType
from parc.core.lint.base import LintContext
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "aws-managed-policies"
ALLOWED_ERRORS = {"INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"}


@pytest.mark.slow
def test_managed_policies_raise_no_errors_but_unknown_actions() -> None:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is absent: the AWS managed policies live in the workplace's shared data, not the repo")
    files = sorted(DATA.glob("*.json"))
    assert len(files) == 1641
    catalog = default_catalog()
    errors: list[str] = []
    codes: set[str] = set()
    for path in files:
        parsed = parse_policy(path.read_text(), PolicyType.IDENTITY, path.name)
        assert parsed.policy is not None
        ctx = LintContext(parsed.policy, PolicyType.IDENTITY, catalog)
        for r in CATALOG_RULES:
            for f in r.fn(ctx):
                codes.add(f.code)
                if f.finding_type is FindingType.ERROR and f.code not in ALLOWED_ERRORS:
                    errors.append(f"{path.name} {f.path} {f.code}: {f.message}")
    assert errors == []
    # The rules did run: the managed policies name retired services (CodeStar, IoT Events ...).
    assert {"RETIRED_ACTION", "INVALID_ACTION"} <= codes
