"""Issue 13 (idnet): instance profiles, IMDSv2 on instances and the account's metadata defaults, both ways; what
the snapshot lacks or could not read is "not checked", never a pass.

MetadataOptions (HttpTokens required = IMDSv2 only, HttpEndpoint disabled = no metadata service):
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsResponse.html
Security Hub EC2.8 (IMDSv2): https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html
Account defaults (AccountLevel.HttpTokens):
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetInstanceMetadataDefaults.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, audit_of, only, rules, run
from test_network import vpc_copy

from parc.core.audit import AuditReport, Severity

PROFILE = {"Arn": f"arn:aws:iam::{ACCT}:instance-profile/app", "Id": "AIPAAPP"}


def instance(iid: str, profile: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
             state: str = "running") -> dict[str, Any]:
    out: dict[str, Any] = {"InstanceId": iid, "State": {"Name": state}, "SubnetId": "subnet-0d2b4f6a8c1e30011",
                           "VpcId": "vpc-0a1f3c5e7d9b20001", "PrivateIpAddress": "10.0.1.99",
                           "Tags": [{"Key": "Name", "Value": iid}]}
    if profile is not None:
        out["IamInstanceProfile"] = profile
    if meta is not None:
        out["MetadataOptions"] = meta
    return out


def audited(tmp: Path, *instances: dict[str, Any], defaults: dict[str, Any] | None = None,
            raw_defaults: str | None = None) -> AuditReport:
    tmp.mkdir(parents=True, exist_ok=True)
    ec2 = vpc_copy(tmp, {"describe-instances.json": {"Reservations": [{"Instances": list(instances)}]}})
    report = audit_of(tmp, ec2=ec2)
    if defaults is None and raw_defaults is None:
        return report
    region = tmp / ACCT / "ec2" / "us-east-1"
    region.mkdir()
    (region / "get-instance-metadata-defaults.json").write_text(
        raw_defaults if raw_defaults is not None else json.dumps(defaults, indent=2))
    return run(tmp / ACCT)


REQUIRED = {"HttpTokens": "required", "HttpEndpoint": "enabled"}


@pytest.mark.parametrize(("name", "inst", "expected"), [
    ("IMDSV2_NOT_REQUIRED: HttpTokens optional, with a role (MEDIUM)",
     instance("i-1", PROFILE, {"HttpTokens": "optional", "HttpEndpoint": "enabled"}), ["IMDSV2_NOT_REQUIRED"]),
    ("fine: HttpTokens required", instance("i-1", PROFILE, REQUIRED), []),
    ("fine: the metadata endpoint disabled", instance("i-1", PROFILE, {"HttpTokens": "optional",
                                                                       "HttpEndpoint": "disabled"}), []),
    ("INSTANCE_NO_PROFILE: no IamInstanceProfile", instance("i-1", None, REQUIRED), ["INSTANCE_NO_PROFILE"]),
    ("both: no profile, optional tokens", instance("i-1", None, {"HttpTokens": "optional"}),
     ["IMDSV2_NOT_REQUIRED", "INSTANCE_NO_PROFILE"]),
    ("fine: a terminated instance is not checked", instance("i-1", None, {"HttpTokens": "optional"},
                                                            state="terminated"), []),
])
def test_instances(tmp_path: Path, name: str, inst: dict[str, Any], expected: list[str]) -> None:
    report = audited(tmp_path, inst)
    assert rules(report, "I") == expected
    if "IMDSV2_NOT_REQUIRED" in expected:
        f = only(report, "IMDSV2_NOT_REQUIRED")
        assert f.severity is (Severity.MEDIUM if "IamInstanceProfile" in inst else Severity.LOW)
        assert f.evidence[0].path == "Reservations[0].Instances[0]" and f.evidence[0].line


def test_instances_without_metadata_options_are_not_checked_for_imdsv2(tmp_path: Path) -> None:
    report = audited(tmp_path, instance("i-1", PROFILE))
    assert rules(report, "IMDSV2") == []
    (n,) = [n for n in report.not_checked if n.check == "compute: IMDSv2 on instances"]
    assert "i-1" in n.reason


def test_no_describe_instances_is_not_checked(tmp_path: Path) -> None:
    report = audit_of(tmp_path)
    assert [n for n in report.not_checked if n.check.startswith("compute: instance profiles")]


@pytest.mark.parametrize(("name", "defaults", "expected"), [
    ("IMDSV2_ACCOUNT_DEFAULT_OFF: no preference", {"AccountLevel": {"HttpTokens": "no-preference"}}, True),
    ("IMDSV2_ACCOUNT_DEFAULT_OFF: nothing set", {"AccountLevel": {}}, True),
    ("IMDSV2_ACCOUNT_DEFAULT_OFF: optional", {"AccountLevel": {"HttpTokens": "optional"}}, True),
    ("fine: required", {"AccountLevel": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}}, False),
])
def test_account_metadata_defaults(tmp_path: Path, name: str, defaults: dict[str, Any], expected: bool) -> None:
    report = audited(tmp_path, instance("i-1", PROFILE, REQUIRED), defaults=defaults)
    assert rules(report, "IMDSV2_ACCOUNT_DEFAULT_OFF") == (["IMDSV2_ACCOUNT_DEFAULT_OFF"] if expected else [])
    assert not [n for n in report.not_checked if "metadata defaults" in n.check]


def test_metadata_defaults_absent_or_unreadable_is_not_checked(tmp_path: Path) -> None:
    report = audited(tmp_path / "a", instance("i-1", PROFILE, REQUIRED))
    assert [n for n in report.not_checked if "metadata defaults" in n.check]
    report = audited(tmp_path / "b", instance("i-1", PROFILE, REQUIRED), raw_defaults='{"AccountLevel": ')
    assert rules(report, "IMDSV2_ACCOUNT_DEFAULT_OFF") == []
    assert [n for n in report.not_checked if "metadata defaults" in n.check]
    (p,) = [p for p in report.problems if "get-instance-metadata-defaults" in (p.file or "")]
    assert p.line == 1


def test_a_malformed_instance_is_located_and_the_rest_checked(tmp_path: Path) -> None:
    bad = instance("i-bad", None, REQUIRED)
    bad["IamInstanceProfile"] = "arn:aws:iam::123456789012:instance-profile/app"  # a string, not an object
    report = audited(tmp_path, bad, instance("i-ok", None, REQUIRED))
    assert [f.resource for f in report.findings if f.rule == "INSTANCE_NO_PROFILE"] == ["i-ok"]
    (p,) = [p for p in report.problems if "i-bad" in p.message]
    assert p.file and p.file.endswith("describe-instances.json") and p.line
