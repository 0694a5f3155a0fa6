"""``parc validate --mode iam`` and the "will IAM accept it?" verdict in every format (issue 11, section 5).

The verdict is separate from Access Analyzer's levels: an empty Action array is only a SUGGESTION there, yet IAM's
API refuses the document ("Policy statement must contain actions."); a missing Version is a WARNING there, yet IAM
stores the document (it "defaults to 2008-10-17",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.catalog import default_catalog
from parc.cli.main import cli
from parc.core.lint import validate
from parc.core.policy.model import PolicyType

V = "2012-10-17"
EMPTY_ACTION = {"Version": V, "Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}
NO_VERSION = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
PASSROLE = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}


def run(tmp_path: Path, doc: object, *args: str) -> tuple[int, str]:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--no-catalog", *args, str(path)])
    return result.exit_code, result.stdout


def test_iam_mode_fails_on_what_iam_refuses_even_below_fail_on(tmp_path: Path) -> None:
    assert run(tmp_path, EMPTY_ACTION)[0] == 0  # a suggestion: below --fail-on error
    code, out = run(tmp_path, EMPTY_ACTION, "--mode", "iam")
    assert code == 1
    assert "[IAM rejects]" in out and "would be refused at deploy time" in out


def test_iam_mode_passes_what_iam_accepts_whatever_its_level(tmp_path: Path) -> None:
    assert run(tmp_path, PASSROLE, "--fail-on", "security")[0] == 1
    code, out = run(tmp_path, PASSROLE, "--mode", "iam")
    assert code == 0
    assert "would be accepted at deploy time" in out
    assert run(tmp_path, NO_VERSION, "--mode", "iam", "--fail-on", "warning")[0] == 0


def test_json_carries_the_verdict(tmp_path: Path) -> None:
    code, out = run(tmp_path, EMPTY_ACTION, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["files"][0]["iam_accepts"] is False
    (finding,) = doc["findings"]
    assert finding["iam_rejects"] is True and "must contain actions" in finding["iam_reason"]
    doc = json.loads(run(tmp_path, NO_VERSION, "--format", "json")[1])
    assert doc["files"][0]["iam_accepts"] is True
    assert all("iam_rejects" not in f for f in doc["findings"])


def test_json_verdict_is_null_for_types_iam_does_not_store(tmp_path: Path) -> None:
    doc = json.loads(run(tmp_path, EMPTY_ACTION, "--format", "json", "--type", "scp")[1])
    assert doc["files"][0]["iam_accepts"] is None


def test_sarif_carries_the_verdict(tmp_path: Path) -> None:
    doc = json.loads(run(tmp_path, EMPTY_ACTION, "--format", "sarif")[1])
    (result,) = doc["runs"][0]["results"]
    assert result["properties"]["iamRejects"] is True
    doc = json.loads(run(tmp_path, NO_VERSION, "--format", "sarif")[1])
    assert all("iamRejects" not in r["properties"] for r in doc["runs"][0]["results"])


DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "aws-managed-policies"


@pytest.mark.slow
def test_iam_accepted_every_aws_managed_policy_but_for_the_customer_size_quota() -> None:
    """AWS stored all 1,641 of them, so the verdict may refuse none, except for the 6,144-character quota, which
    binds customer managed policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
    and not AWS's own."""
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is absent: the AWS managed policies live in the workplace's shared data, not the repo")
    catalog = default_catalog()
    refused = Counter(
        f.code
        for path in sorted(DATA.glob("*.json"))
        for f in validate(path.read_text(), PolicyType.IDENTITY, catalog, path.name).findings
        if f.iam_rejects is not None
    )
    assert set(refused) == {"POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"}
