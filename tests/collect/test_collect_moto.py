"""``parc collect`` end to end against moto's server: what was planted is collected in the snapshot layout the
loaders read (without a finding), and ``parc audit``, ``who-can`` and ``net check`` answer on it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from collect_fixtures import Collected, Moto
from moto_account import MGMT, answer_unemulated

from parc.cli.main import cli
from parc.collect import run as collect_run
from parc.collect.calls import AREAS
from parc.loaders.account import load_snapshot
from parc.loaders.ec2 import load as load_ec2
from parc.loaders.snapshot import load_audit_snapshot


def _json(path: Path) -> object:
    return json.loads(path.read_text())


def test_org_collection_is_complete(org_snapshot: Collected) -> None:
    s = org_snapshot.summary
    assert s.failures == 0 and not s.interrupted and not s.not_collected
    assert set(s.accounts) == {MGMT, org_snapshot.moto.planted.member}
    for folder in (org_snapshot.mgmt, org_snapshot.member):
        record = _json(folder / "collection.json")
        assert isinstance(record, dict)
        assert record["status"] == "complete" and record["failures"] == [] and record["areas"] == list(AREAS)
        assert record["regions"] == ["us-east-1", "eu-west-1"]
    top = _json(org_snapshot.out / "collection.json")
    assert isinstance(top, dict) and top["status"] == "complete"
    assert not (org_snapshot.out / ".parc-collect").exists()


def test_layout_is_what_the_loaders_read(org_snapshot: Collected) -> None:
    m = org_snapshot.mgmt
    for name in ("get-account-authorization-details.json", "credential-report.json", "password-policy.json",
                 "resource-policies.json", "lambda-functions.json", "glue-dev-endpoints.json",
                 "s3control-get-public-access-block.json", "ec2/describe-security-groups.json",
                 "ec2/describe-instances.json", "s3/public-data/get-bucket-policy.json",
                 "s3/acl-bucket/get-bucket-acl.json", "s3/private-data/get-public-access-block.json",
                 "s3/private-data/get-bucket-ownership-controls.json", "s3/private-data/get-bucket-encryption.json",
                 "s3/private-data/get-bucket-versioning.json", "s3/private-data/get-bucket-logging.json",
                 "kms/us-east-1/get-key-policy.json", "kms/us-east-1/get-key-rotation-status.json",
                 "kms/us-east-1/list-aliases.json", "secretsmanager/us-east-1/list-secrets.json",
                 "cloudtrail/us-east-1/describe-trails.json", "cloudtrail/us-east-1/get-trail-status.json",
                 "cloudtrail/us-east-1/get-event-selectors.json", "ec2/us-east-1/describe-flow-logs.json",
                 "ec2/us-east-1/get-ebs-encryption-by-default.json",
                 "ec2/us-east-1/get-instance-metadata-defaults.json",
                 "iam/list-virtual-mfa-devices.json", "iam/get-account-summary.json",
                 "accessanalyzer/us-east-1/list-analyzers.json", "securityhub/us-east-1/describe-hub.json",
                 "rds/eu-west-1/describe-db-instances.json", "config/eu-west-1/describe-configuration-recorders.json"):
        assert (m / name).is_file(), name
    assert (org_snapshot.out / "organizations" / "describe-organization.json").is_file()
    # The account's Block Public Access, through S3 Control's account-in-the-host-name endpoint.
    block = _json(m / "s3control-get-public-access-block.json")
    assert block == {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                        "BlockPublicPolicy": False, "RestrictPublicBuckets": False}}
    # A bucket without a policy: the call answered NoSuchBucketPolicy, which is "none", not a gap.
    assert _json(m / "s3/acl-bucket/get-bucket-policy.json") == {}
    acl = _json(m / "s3/acl-bucket/get-bucket-acl.json")
    assert "AllUsers" in json.dumps(acl)
    details = _json(m / "get-account-authorization-details.json")
    assert isinstance(details, dict)
    dev = next(p for p in details["Policies"] if p["Arn"].endswith(":policy/DevPolicy"))
    assert sorted(v["VersionId"] for v in dev["PolicyVersionList"]) == ["v1", "v2"]
    assert dev["DefaultVersionId"] == "v2"
    mfa = _json(m / "iam/list-mfa-devices.json")
    assert isinstance(mfa, dict) and sorted(mfa) == ["alice", "bob"]
    assert mfa["alice"]["MFADevices"] == [] and len(mfa["bob"]["MFADevices"]) == 1
    # Both regions' VPCs are merged into the one file the network loader reads.
    vpcs = _json(m / "ec2/describe-vpcs.json")
    assert isinstance(vpcs, dict)
    assert {"10.0.0.0/16", "10.1.0.0/16"} <= {v["CidrBlock"] for v in vpcs["Vpcs"]}


def test_every_collected_file_is_read_without_a_finding(org_snapshot: Collected) -> None:
    inputs = load_audit_snapshot(org_snapshot.out)
    assert inputs.problems == ()
    estate = load_snapshot(org_snapshot.out)
    assert [f.to_dict() for a in estate.accounts for f in a.findings] == []
    result = load_ec2(org_snapshot.mgmt / "ec2")
    assert result.findings == []
    member = next(a for a in estate.accounts if a.account_id == org_snapshot.moto.planted.member)
    assert member.org is not None
    assert [lvl.kind for lvl in member.org.levels] == ["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]
    assert any(p.name == "DenyLeave" for p in member.org.levels[1].scps)
    assert any(p.name == "OrgOnly" for p in member.org.levels[0].rcps)
    mgmt = next(a for a in estate.accounts if a.account_id == MGMT)
    assert {(c.arn, c.role_arn) for c in mgmt.compute} == {
        (f"arn:aws:lambda:us-east-1:{MGMT}:function:process-orders", f"arn:aws:iam::{MGMT}:role/app-runtime"),
        # Two regions collected: the loader's glue-dev-endpoints.json takes one "Region", so the ARN has "*".
        (f"arn:aws:glue:*:{MGMT}:devEndpoint/notebook", f"arn:aws:iam::{MGMT}:role/app-runtime")}
    arns = {r.arn for r in mgmt.resource_policies}
    assert f"arn:aws:lambda:us-east-1:{MGMT}:function:process-orders" in arns
    assert f"arn:aws:ecr:us-east-1:{MGMT}:repository/team/app" in arns
    assert any(":elasticfilesystem:us-east-1:" in a for a in arns)
    assert any(r.arn == "arn:aws:s3:::public-data" for r in mgmt.resource_policies)
    # S3's own settings reach the account model under the names the loader reads (Block Public Access, ACLs).
    assert mgmt.s3 is not None and mgmt.s3.account_block is not None
    assert mgmt.s3.account_block.ignore_public_acls and not mgmt.s3.account_block.restrict_public_buckets
    assert "acl-bucket" in mgmt.s3.by_name and mgmt.s3.by_name["acl-bucket"].acl is not None
    assert any(r.arn.startswith("arn:aws:kms:us-east-1:") for r in mgmt.resource_policies)
    assert any(r.arn.startswith("arn:aws:secretsmanager:") for r in mgmt.resource_policies)


def test_audit_finds_what_was_planted(org_snapshot: Collected) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", str(org_snapshot.out), "--format", "json", "--no-progress"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    found = {(f["rule"], f["resource"]) for f in report["findings"]}
    p = org_snapshot.moto.planted
    for expected in [("RESOURCE_PUBLIC", "arn:aws:s3:::public-data"),
                     ("ROLE_ASSUMABLE_BY_ANYONE", f"arn:aws:iam::{MGMT}:role/open-role"),
                     ("USER_CONSOLE_NO_MFA", f"arn:aws:iam::{MGMT}:user/alice"),
                     ("ADMIN_EQUIVALENT", f"arn:aws:iam::{MGMT}:user/bob"),
                     ("PASSWORD_POLICY_MISSING", f"arn:aws:iam::{MGMT}:account-password-policy"),
                     ("NET_INTERNET_EXPOSED_SENSITIVE_PORT", p.instance),
                     ("ROLE_CROSS_ACCOUNT", f"arn:aws:iam::{p.member}:role/vendor")]:
        assert expected in found, expected
    assert any(f["rule"] == "RESOURCE_CROSS_ACCOUNT" and ":kms:" in f["resource"] for f in report["findings"])
    assert report["input_problems"] == []
    # moto's credential report has no root row: said, not taken as fine.
    assert any("root" in n["check"] for n in report["not_checked"])
    assert not any("(collection)" in n["check"] for n in report["not_checked"])


def test_who_can_and_net_check_answer_on_the_snapshot(org_snapshot: Collected) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["who-can", "--account", str(org_snapshot.out), "--format", "json",
                                 "s3:GetObject", "arn:aws:s3:::private-data/report.csv"])
    assert result.exit_code == 0, result.output
    assert f"arn:aws:iam::{MGMT}:role/app-runtime" in result.output
    assert f"arn:aws:iam::{MGMT}:user/bob" in result.output
    result = runner.invoke(cli, ["net", "check", str(org_snapshot.mgmt / "ec2"), "--from", "203.0.113.10",
                                 "--to", org_snapshot.moto.planted.instance, "--protocol", "tcp", "--port", "22"])
    assert result.exit_code == 0, result.output
    assert "reachable" in result.output.lower()
    result = runner.invoke(cli, ["net", "check", str(org_snapshot.mgmt / "ec2"), "--from", "203.0.113.10",
                                 "--to", org_snapshot.moto.planted.instance, "--protocol", "tcp", "--port", "3306"])
    assert "not reachable" in result.output.lower() or "blocked" in result.output.lower(), result.output


def test_cli_collect_then_audit(moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first command, `parc collect OUT && parc audit OUT`, through the CLI and the variable boto3
    honours (AWS_ENDPOINT_URL); without --org, the management account's own chain of parents is collected. moto does
    not emulate three calls: they are answered with AWS's documented examples (``moto_account.AWS_EXAMPLES``)."""
    real = collect_run.collect
    monkeypatch.setattr(collect_run, "collect", lambda options: real(replace(
        options, client_hook=answer_unemulated, session=moto.session(), sleep=lambda _: None)))
    out = tmp_path / "out"
    runner = CliRunner()
    env = {"AWS_ENDPOINT_URL": moto.url}
    result = runner.invoke(cli, ["collect", str(out), "--region", "us-east-1", "--no-progress"], env=env)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    org_dir = out / MGMT / "organizations"
    assert (org_dir / f"list-parents-{MGMT}.json").is_file()
    assert (out / MGMT / "ec2" / "describe-instances.json").is_file()
    record = _json(out / MGMT / "collection.json")
    assert isinstance(record, dict) and record["areas"] == list(AREAS) and record["status"] == "complete"
    datetime.fromisoformat(str(record["finished"]).replace("Z", "+00:00")).astimezone(UTC)
    result = runner.invoke(cli, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Anyone can s3:GetObject on arn:aws:s3:::public-data" in result.output
    assert moto.planted.instance in result.output  # SSH open to the internet, found through the collected VPC
    assert "(collection)" not in result.output
    # A rerun into the same folder replaces the account's folder whole.
    (out / MGMT / "stale.json").write_text("{}")
    result = runner.invoke(cli, ["collect", str(out), "--region", "us-east-1", "--only", "iam", "--no-progress"],
                           env=env)
    assert result.exit_code == 0, result.output
    assert not (out / MGMT / "stale.json").exists()
    assert not (out / MGMT / "s3control-get-public-access-block.json").exists()
    assert _json(out / MGMT / "collection.json")["areas"] == ["iam"]  # type: ignore[index]


def test_org_without_member_role_says_which_accounts_were_not_collected(moto: Moto, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen: list[tuple[str, str, int, int]] = []
    from parc.collect.run import collect

    summary = collect(moto.options(out, org=True, areas=frozenset({"iam"}),
                                   progress=lambda *a: seen.append(a)))
    member = moto.planted.member
    assert summary.not_collected == [{"account": member, "area": "all", "reason": "no --member-role given"}]
    assert {a for a, *_ in seen} == {"organization", MGMT}
    assert all(0 < done <= total for _, _, done, total in seen)
    result = CliRunner().invoke(cli, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"{member}: account (collection): not collected: no --member-role given" in result.output


def test_a_member_account_says_its_organization_policies_were_not_collected(moto: Moto, tmp_path: Path) -> None:
    import boto3

    from parc.collect.run import collect

    member = moto.planted.member
    creds = moto.session().client("sts", endpoint_url=moto.url).assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="test")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name="us-east-1")
    out = tmp_path / "out"
    summary = collect(moto.options(out, session=session, areas=frozenset({"iam", "org"})))
    assert list(summary.accounts) == [member]
    assert summary.failures == 0
    assert (out / member / "organizations" / "describe-organization.json").is_file()
    assert not (out / member / "organizations" / f"list-parents-{member}.json").exists()
    result = CliRunner().invoke(cli, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "organization SCPs and RCPs (collection): not collected: the organization's SCPs and RCPs can be read " \
           "only from the management account" in result.output
