"""``parc collect --print-policy``: generated from the table of calls, passed by parc's own validator, and covering
every call the collector was seen to make (botocore's before-call event, recorded in the moto runs)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from collect_fixtures import Collected, Moto

from parc.catalog import default_catalog
from parc.cli.main import cli
from parc.collect.calls import AREAS, all_calls, calls_by_operation
from parc.collect.policy import collector_policy
from parc.collect.run import collect
from parc.core.findings import FindingType
from parc.core.lint import validate
from parc.core.policy.model import PolicyType


def _actions(policy: dict[str, object]) -> set[str]:
    out: set[str] = set()
    for st in policy["Statement"]:  # type: ignore[attr-defined]
        a = st["Action"]
        out.update([a] if isinstance(a, str) else a)
    return out


def test_the_policy_passes_parcs_validator() -> None:
    for areas, org, role in [(frozenset(AREAS), True, "OrganizationAccountAccessRole"), (frozenset({"iam"}), False,
                                                                                          None)]:
        policy = collector_policy(areas, org, role)
        findings = validate(json.dumps(policy), PolicyType.IDENTITY, catalog=default_catalog()).findings
        assert [f for f in findings if f.finding_type in (FindingType.ERROR, FindingType.SECURITY_WARNING)] == []
        # API Gateway's read action is apigateway:GET (its actions are HTTP verbs; GET only reads):
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html
        assert all(a.split(":")[1].startswith(("Get", "List", "Describe", "GenerateCredentialReport",
                                               "AssumeRole")) or a == "apigateway:GET" for a in _actions(policy))


def test_print_policy_is_the_generated_one() -> None:
    result = CliRunner().invoke(cli, ["collect", "--print-policy", "--only", "s3", "--only", "kms"])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.output)
    assert policy == collector_policy(frozenset({"s3", "kms"}))
    assert {"s3:GetBucketPolicy", "s3:GetAccountPublicAccessBlock", "kms:GetKeyPolicy", "ec2:DescribeRegions",
            "sts:GetCallerIdentity"} <= _actions(policy)
    assert "iam:GetAccountAuthorizationDetails" not in _actions(policy)


def test_every_call_made_is_in_the_table_and_the_policy(org_snapshot: Collected, moto: Moto, tmp_path: Path) -> None:
    # The management account without --org collects its own chain (ListParents), which the --org walk does not use.
    collect(moto.options(tmp_path / "own", areas=frozenset({"org"})))
    table = calls_by_operation()
    recorded = moto.recorded
    assert recorded, "no call was recorded"
    unknown = sorted(r for r in recorded if r not in table)
    assert unknown == [], "calls made that the table (and so the policy) does not list"
    policy = _actions(collector_policy(frozenset(AREAS), True, "OrganizationAccountAccessRole"))
    assert {table[r].action for r in recorded} <= policy
    # And no part of the collector is untested: every call of the table was made against moto.
    never = sorted(f"{c.service}:{c.operation}" for c in all_calls() if (c.service, c.operation) not in recorded)
    assert never == []
