"""AWS accepted every AWS managed policy, so the structural rules must find no ERROR in any of them.

Data: ../shared/data/aws-managed-policies/ (1,641 documents, read in place; see /work/shared/data/README.md).
The catalog rules are not run here: an action AWS has since retired is a legitimate finding of theirs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from parc.core.findings import FindingType
from parc.core.lint import validate
from parc.core.policy.model import PolicyType

DATA = Path(os.environ.get("PARC_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
FOLDER = DATA / "aws-managed-policies"

pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"shared data absent: {FOLDER}")


def test_no_structural_error_in_any_aws_managed_policy() -> None:
    files = sorted(FOLDER.glob("*.json"))
    assert len(files) > 1500
    errors = []
    oversized = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        result = validate(text, PolicyType.IDENTITY, None, path.name)
        errors += [(f.file, f.code, f.path) for f in result.findings if f.finding_type is FindingType.ERROR]
        size_warning = any(f.code == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" for f in result.findings)
        compact = len(json.dumps(json.loads(text), separators=(",", ":")))
        assert size_warning == (compact > 6144), path.name
        oversized += size_warning
    assert errors == []
    assert oversized > 0  # AWS managed policies may exceed the customer quota (Access Analyzer says so too)
