"""Faults a real account brings: a denied call, throttling, an interrupted or killed run, a folder that is not
parc's, no credentials. A denied or failed call is a gap in collection.json and a "not checked" line in the audit,
never a crash; the snapshot stays readable."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner
from collect_fixtures import Moto
from moto_account import MGMT, answer_unemulated, canned

from parc.cli.main import cli
from parc.collect import run as collect_run
from parc.collect.run import Options, collect
from parc.collect.runner import CollectError
from parc.loaders.snapshot import load_audit_snapshot

DENIED = {"Error": {"Code": "AccessDenied", "Message": "User is not authorized to perform: s3:GetBucketPolicy"}}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def deny_bucket_policy(client: Any) -> None:
    answer_unemulated(client)
    client.meta.events.register("before-call.s3.GetBucketPolicy", lambda **_: canned(403, DENIED))


class Throttle:
    """Answers the first ``times`` sends of kms:ListKeys with ThrottlingException, as AWS does under load; the
    retries then reach moto (before-send sits under botocore's retry loop, unlike the Stubber's before-call)."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.sent = 0

    def hook(self, client: Any) -> None:
        deny_bucket_policy(client)
        client.meta.events.register("before-send.kms.ListKeys", self.send)

    def send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.sent += 1
        if self.left <= 0:
            return None
        self.left -= 1
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": "r"}, _Raw(body))


def _all_json_parses(folder: Path) -> int:
    n = 0
    for f in folder.rglob("*.json"):
        json.loads(f.read_text())
        n += 1
    assert not list(folder.rglob("*.tmp"))
    return n


def test_denied_calls_are_gaps_and_throttling_is_backed_off(moto: Moto, tmp_path: Path) -> None:
    out = tmp_path / "out"
    throttle = Throttle(1)
    summary = collect(moto.options(out, areas=frozenset({"iam", "s3", "kms"}), client_hook=throttle.hook,
                                   max_attempts=3))
    folder = out / MGMT
    record = json.loads((folder / "collection.json").read_text())
    assert record["status"] == "incomplete"
    assert [(f["call"], f["error"], f["resource"]) for f in record["failures"]] == [
        ("s3:GetBucketPolicy", "AccessDenied", b) for b in ("acl-bucket", "private-data", "public-data")]
    assert summary.failures == 3
    # The rest went on: every other bucket call answered, and the keys were listed after a throttled answer.
    assert (folder / "s3/public-data/get-bucket-acl.json").is_file()
    assert not (folder / "s3/public-data/get-bucket-policy.json").exists()
    assert throttle.sent == 2 and throttle.left == 0
    assert json.loads((folder / "kms/us-east-1/list-keys.json").read_text())["Keys"]
    policies = json.loads((folder / "resource-policies.json").read_text())
    assert not any(p["arn"].startswith("arn:aws:s3:::") for p in policies)
    assert any(":kms:" in p["arn"] for p in policies)
    _all_json_parses(folder)
    result = CliRunner().invoke(cli, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "S3 buckets (collection): AccessDenied on s3:GetBucketPolicy for 3 buckets" in result.output
    # The bucket policy was not read: the public bucket is not reported as fine, it is not checked.
    assert "public-data" not in result.output.split("not checked", 1)[0]


def test_cli_exits_1_when_calls_were_denied(moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = collect_run.collect

    def with_denial(options: Options) -> Any:
        return real(replace(options, client_hook=deny_bucket_policy, max_attempts=2, session=moto.session()))

    monkeypatch.setattr(collect_run, "collect", with_denial)
    result = CliRunner().invoke(cli, ["collect", str(tmp_path / "o"), "--only", "s3", "--endpoint-url", moto.url,
                                      "--region", "us-east-1", "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "3 failed" in result.output
    assert (tmp_path / "o" / MGMT / "s3" / "public-data" / "get-bucket-acl.json").is_file()


def test_interrupted_run_leaves_a_readable_snapshot_that_says_so(moto: Moto, tmp_path: Path) -> None:
    out = tmp_path / "out"
    collect(moto.options(out, areas=frozenset({"iam", "s3"})))
    assert json.loads((out / MGMT / "collection.json").read_text())["status"] == "complete"

    def interrupt(client: Any) -> None:
        def stop(**_: Any) -> None:
            raise KeyboardInterrupt

        client.meta.events.register("before-call.s3.GetBucketAcl", stop)

    summary = collect(moto.options(out, areas=frozenset({"iam", "s3"}), client_hook=interrupt, jobs=1))
    assert summary.interrupted
    record = json.loads((out / MGMT / "collection.json").read_text())
    assert record["status"] == "interrupted"
    assert "interrupted" in record["not_collected"][-1]["reason"]
    assert _all_json_parses(out / MGMT) > 3
    assert load_audit_snapshot(out).problems == ()
    result = CliRunner().invoke(cli, ["audit", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "collection: the collection was interrupted" in result.output
    assert not (out / ".parc-collect").exists()


def test_a_killed_run_leaves_the_previous_snapshot(moto: Moto, tmp_path: Path) -> None:
    out = tmp_path / "out"
    collect(moto.options(out, areas=frozenset({"iam"})))
    # What a killed run leaves: its work folder, with a half-written file in it.
    partial = out / ".parc-collect" / MGMT
    partial.mkdir(parents=True)
    (partial / "get-account-authorization-details.json").write_text('{"UserDetailList": [')
    inputs = load_audit_snapshot(out)
    assert [a.account_id for a in inputs.accounts] == [MGMT] and inputs.problems == ()
    collect(moto.options(out, areas=frozenset({"iam"})))
    assert not (out / ".parc-collect").exists()


def test_a_folder_not_written_by_parc_is_never_replaced(moto: Moto, tmp_path: Path) -> None:
    mine = tmp_path / "out" / MGMT
    mine.mkdir(parents=True)
    (mine / "get-account-authorization-details.json").write_text("{}")
    with pytest.raises(CollectError, match="not written by parc collect"):
        collect(moto.options(tmp_path / "out", areas=frozenset({"iam"})))
    result = CliRunner().invoke(cli, ["collect", str(tmp_path / "out"), "--only", "iam", "--endpoint-url", moto.url,
                                      "--no-progress"])
    assert result.exit_code == 2
    assert (mine / "get-account-authorization-details.json").read_text() == "{}"


def test_no_credentials_is_a_usage_error(moto: Moto, tmp_path: Path) -> None:
    unset: dict[str, str | None] = {k: None for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                      "AWS_SESSION_TOKEN")}
    unset.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": None, "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None, "AWS_WEB_IDENTITY_TOKEN_FILE": None})
    result = CliRunner().invoke(cli, ["collect", str(tmp_path / "o"), "--endpoint-url", moto.url, "--no-progress"],
                                env=unset)
    assert result.exit_code == 2, result.output
    assert "credentials" in result.output.lower()
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("args", [["--member-role", "R"], ["--region", "us-east-1", "--all-regions"], []])
def test_usage_errors(args: list[str], tmp_path: Path) -> None:
    argv = ["collect", *([str(tmp_path / "o")] if args else []), *args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output


def test_opt_in_regions_not_enabled_are_skipped_and_said(moto: Moto, tmp_path: Path) -> None:
    def opt_in(client: Any) -> None:
        answer_unemulated(client)
        client.meta.events.register("before-call.ec2.DescribeRegions", lambda **_: canned(200, {"Regions": [
            {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
            {"RegionName": "af-south-1", "OptInStatus": "not-opted-in"},
            {"RegionName": "ap-east-1", "OptInStatus": "opted-in"}]}))

    out = tmp_path / "out"
    summary = collect(moto.options(out, regions=(), all_regions=True, areas=frozenset({"securityhub"}),
                                   client_hook=opt_in))
    record = json.loads((out / MGMT / "collection.json").read_text())
    assert record["regions"] == ["ap-east-1", "us-east-1"]
    assert record["skipped_regions"] == [{"region": "af-south-1",
                                          "reason": "an opt-in region this account has not enabled"}]
    assert summary.skipped_regions[0]["region"] == "af-south-1"
    assert (out / MGMT / "securityhub" / "ap-east-1" / "describe-hub.json").is_file()
