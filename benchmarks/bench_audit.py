"""Benchmark for ``parc audit``: a generated account of 5,000 roles, 2,000 managed policies, 300 users in 20 groups,
a few resource policies, a credential report, a password policy and a VPC of 2,000 network interfaces (the network
benchmark's generator), audited end to end as the command does it. Seeded: every run builds the same account.

Times are CPU time of the process (``time.process_time``), per stage of the audit, so other load on a shared
machine does not count; wall time beside it, and the peak RSS at the end.

    .venv/bin/python benchmarks/bench_audit.py [--scale X] [--seed N] [--roles N] [--policies N] [--users N]
        [--enis N] [--save-reference FILE] [--check-reference FILE]

``--scale X`` multiplies the roles, policies and users (the 5,000-role account at 1). ``--save-reference`` keeps the
report's findings, not-checked entries and access graph as canonical JSON; ``--check-reference`` checks that this
code gives them byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_network import generate as generate_vpc
from benchclock import canonical, cpu_seconds, peak_rss_mb, reference

from parc.api import rcp_supported_services
from parc.catalog import default_catalog
from parc.core.audit import AuditOptions, audit
from parc.loaders.snapshot import load_audit_snapshot

ACCT = "123456789012"
PARTNER = "999988887777"
V = "2012-10-17"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com",
            "states.amazonaws.com", "cloudformation.amazonaws.com", "events.amazonaws.com"]
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated")


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _policy(rnd: random.Random, i: int) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.4:
        b = f"arn:aws:s3:::data-{rnd.randrange(300)}"
        st = [_allow(["s3:GetObject", "s3:ListBucket"], [b, f"{b}/*"])]
    elif kind < 0.6:
        st = [_allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
                     f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t{rnd.randrange(400)}")]
    elif kind < 0.75:
        st = [_allow(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:us-east-1:{ACCT}:q{i}")]
    elif kind < 0.85:
        st = [_allow(["ec2:Describe*", "cloudwatch:GetMetricData"]),
              _allow("ec2:StopInstances", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})]
    elif kind < 0.95:
        st = [_allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*")]
    else:  # a few IAM powers: what escalation looks for
        st = [_allow(rnd.choice(["iam:PassRole", "iam:AttachRolePolicy", "iam:CreatePolicyVersion"]),
                     f"arn:aws:iam::{ACCT}:{rnd.choice(['role', 'policy'])}/*")]
    return {"PolicyName": f"p{i}", "Arn": f"arn:aws:iam::{ACCT}:policy/p{i}", "Path": "/", "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": _doc(*st)}]}


def generate(seed: int, roles: int, policies: int, users: int, groups: int = 20, star: float = 0.01) -> dict[str, Any]:
    """``star``: the share of roles whose trust policy allows "*" (limited to an organization); each such role makes
    the role-assumption graph decide every principal of the account."""
    rnd = random.Random(seed)
    admin = {"PolicyName": "AdministratorAccess", "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
             "Path": "/", "DefaultVersionId": "v1",
             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": _doc(_allow("*"))}]}
    managed = [_policy(rnd, i) for i in range(policies - 1)]
    pool = [p["Arn"] for p in managed]

    def attach(n: int) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in rnd.sample(pool, n)]

    role_list = []
    for i in range(roles):
        r = rnd.random()
        cond: dict[str, Any] | None = None
        if r < 0.55:
            principal: Any = {"Service": rnd.choice(SERVICES)}
        elif r < 0.75:
            principal = {"AWS": f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}"}
        elif r < 0.86:
            principal = {"AWS": f"arn:aws:iam::{ACCT}:root"}
            cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        elif r < 1 - star:
            principal = {"AWS": f"arn:aws:iam::{PARTNER}:root"}
            cond = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
        else:
            principal = {"AWS": "*"}
            cond = {"StringEquals": {"aws:PrincipalOrgID": "o-bench00001"}}
        st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if cond:
            st["Condition"] = cond
        entry: dict[str, Any] = {
            "RoleName": f"role-{i}", "RoleId": f"AROA{i:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCT}:role/role-{i}", "AssumeRolePolicyDocument": _doc(st),
            "RolePolicyList": [], "AttachedManagedPolicies": attach(rnd.randint(1, 3)),
            "InstanceProfileList": ([{"Arn": f"arn:aws:iam::{ACCT}:instance-profile/role-{i}"}]
                                    if principal == {"Service": "ec2.amazonaws.com"} else []),
        }
        if i % 500 == 0:
            entry["AttachedManagedPolicies"].append({"PolicyName": "AdministratorAccess", "PolicyArn": admin["Arn"]})
        role_list.append(entry)
    group_list = [{"GroupName": f"group-{g}", "GroupId": f"AGPA{g:017d}", "Path": "/",
                   "Arn": f"arn:aws:iam::{ACCT}:group/group-{g}", "GroupPolicyList": [],
                   "AttachedManagedPolicies": attach(rnd.randint(1, 3))} for g in range(groups)]
    user_list = [{
        "UserName": f"user-{u}", "UserId": f"AIDA{u:017d}", "Path": "/", "Arn": f"arn:aws:iam::{ACCT}:user/user-{u}",
        "GroupList": [f"group-{g}" for g in rnd.sample(range(groups), rnd.randint(1, 2))],
        "UserPolicyList": ([{"PolicyName": "own", "PolicyDocument": _doc(_allow(
            "sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}"))}] if u % 3 == 0 else []),
        "AttachedManagedPolicies": attach(rnd.randint(0, 2)),
    } for u in range(users)]
    details = {"UserDetailList": user_list, "GroupDetailList": group_list, "RoleDetailList": role_list,
               "Policies": [admin, *managed]}
    buckets = [
        {"arn": "arn:aws:s3:::bench-public", "policy": _doc({"Effect": "Allow", "Principal": "*",
                                                            "Action": "s3:GetObject",
                                                            "Resource": "arn:aws:s3:::bench-public/*"})},
        {"arn": "arn:aws:s3:::bench-partner", "policy": _doc({"Effect": "Allow", "Principal": {"AWS": PARTNER},
                                                             "Action": ["s3:GetObject", "s3:ListBucket"],
                                                             "Resource": ["arn:aws:s3:::bench-partner",
                                                                          "arn:aws:s3:::bench-partner/*"]})},
    ]
    rows = [HEADER, f"<root_account>,arn:aws:iam::{ACCT}:root,2020-01-01T00:00:00+00:00,not_supported,"
            "2026-11-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,"
            "N/A,false,N/A,false,N/A"]
    for u in range(users):
        mfa = "true" if rnd.random() < 0.7 else "false"
        rotated = f"2026-{rnd.randint(1, 11):02d}-01T00:00:00+00:00"
        rows.append(f"user-{u},arn:aws:iam::{ACCT}:user/user-{u},2022-01-01T00:00:00+00:00,true,"
                    f"2026-{rnd.randint(1, 11):02d}-15T00:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,{mfa},true,"
                    f"{rotated},2026-11-2{rnd.randint(0, 9)}T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,"
                    "false,N/A,false,N/A")
    return {"details": details, "buckets": buckets, "report": "\n".join(rows) + "\n"}


def write(folder: Path, data: dict[str, Any], vpc: dict[str, Any]) -> None:
    folder.mkdir(parents=True)
    (folder / "get-account-authorization-details.json").write_text(json.dumps(data["details"], indent=1))
    (folder / "resource-policies.json").write_text(json.dumps(data["buckets"], indent=1))
    (folder / "credential-report.csv").write_text(data["report"])
    (folder / "password-policy.json").write_text(json.dumps({"PasswordPolicy": {"MinimumPasswordLength": 12}}))
    (folder / "ec2").mkdir()
    (folder / "ec2" / "vpc.json").write_text(json.dumps(vpc, indent=1))


REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def write_data_stores(folder: Path, seed: int, buckets: int, per_region: int) -> None:
    """The data stores the audit's encryption and exposure checks read (issue 13): ``buckets`` S3 buckets with their
    encryption, versioning and Block Public Access files, and in each of three regions ``per_region`` volumes and
    snapshots (with their sharing), a tenth as many RDS instances, snapshots, file systems, keys and secrets."""
    rnd = random.Random(seed + 13)

    def put(rel: str, value: object) -> None:
        f = folder / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(value))

    put("s3control-get-public-access-block.json", {"PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}})
    for b in range(buckets):
        name = f"data-{b:05d}"
        algo = rnd.choice(["AES256", "aws:kms", "AES256", "aws:kms:dsse"])
        put(f"s3/{name}/get-bucket-encryption.json", {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algo}}]}})
        put(f"s3/{name}/get-bucket-versioning.json", {"Status": "Enabled"} if rnd.random() < 0.5 else {})
        put(f"s3/{name}/get-public-access-block.json", {})
        put(f"s3/{name}/get-bucket-policy.json", {})
    small = max(1, per_region // 10)
    for r in REGIONS:
        put(f"ec2/{r}/get-ebs-encryption-by-default.json", {"EbsEncryptionByDefault": rnd.random() < 0.5})
        put(f"ec2/{r}/describe-volumes.json", {"Volumes": [
            {"VolumeId": f"vol-{r[:2]}{i:08x}", "Encrypted": rnd.random() < 0.8} for i in range(per_region)]})
        snaps = [f"snap-{r[:2]}{i:08x}" for i in range(per_region)]
        put(f"ec2/{r}/describe-snapshots.json", {"Snapshots": [
            {"SnapshotId": s, "Encrypted": rnd.random() < 0.8, "OwnerId": ACCT} for s in snaps]})
        put(f"ec2/{r}/describe-snapshot-attribute.json", {s: {"SnapshotId": s, "CreateVolumePermissions": (
            [{"Group": "all"}] if rnd.random() < 0.01 else [])} for s in snaps})
        put(f"rds/{r}/describe-db-instances.json", {"DBInstances": [
            {"DBInstanceIdentifier": f"db-{i}", "DBInstanceArn": f"arn:aws:rds:{r}:{ACCT}:db:db-{i}",
             "StorageEncrypted": rnd.random() < 0.8, "PubliclyAccessible": rnd.random() < 0.1,
             "AutoMinorVersionUpgrade": rnd.random() < 0.9} for i in range(small)]})
        put(f"rds/{r}/describe-db-clusters.json", {"DBClusters": []})
        put(f"rds/{r}/describe-db-snapshots.json", {"DBSnapshots": [
            {"DBSnapshotIdentifier": f"s-{i}", "DBSnapshotArn": f"arn:aws:rds:{r}:{ACCT}:snapshot:s-{i}",
             "Encrypted": True} for i in range(small)]})
        put(f"rds/{r}/describe-db-snapshot-attributes.json", {f"s-{i}": {"DBSnapshotAttributesResult": {
            "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": []}]}} for i in range(small)})
        put(f"rds/{r}/describe-db-cluster-snapshots.json", {"DBClusterSnapshots": []})
        put(f"rds/{r}/describe-db-cluster-snapshot-attributes.json", {})
        put(f"efs/{r}/describe-file-systems.json", {"FileSystems": [
            {"FileSystemId": f"fs-{i:08x}", "Encrypted": rnd.random() < 0.9} for i in range(small)]})
        keys = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(small)]
        put(f"kms/{r}/describe-key.json", {k: {"KeyMetadata": {
            "Arn": f"arn:aws:kms:{r}:{ACCT}:key/{k}", "KeyManager": "CUSTOMER", "KeyState": "Enabled",
            "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS"}} for k in keys})
        put(f"kms/{r}/get-key-rotation-status.json", {k: {"KeyRotationEnabled": rnd.random() < 0.5} for k in keys})
        put(f"secretsmanager/{r}/list-secrets.json", {"SecretList": [
            {"ARN": f"arn:aws:secretsmanager:{r}:{ACCT}:secret:s{i}", "Name": f"s{i}",
             "RotationEnabled": rnd.random() < 0.5} for i in range(small)]})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--roles", type=int, default=5000)
    ap.add_argument("--policies", type=int, default=2000)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--enis", type=int, default=2000)
    ap.add_argument("--star", type=float, default=0.01, help="share of roles trusting \"*\" (default 1%%)")
    ap.add_argument("--buckets", type=int, default=200, help="S3 buckets with their data-protection files")
    ap.add_argument("--volumes", type=int, default=2000, help="EBS volumes and snapshots per region (3 regions)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply roles, policies and users (default 1)")
    ap.add_argument("--save-reference", type=Path, default=None, help="keep the answers here (.gz: gzipped)")
    ap.add_argument("--check-reference", type=Path, default=None, help="check the answers against this file")
    args = ap.parse_args(argv)
    args.roles, args.policies, args.users = (round(n * args.scale) for n in (args.roles, args.policies, args.users))
    data = generate(args.seed, args.roles, args.policies, args.users, star=args.star)
    vpc = generate_vpc(args.seed, enis=args.enis)
    print(f"parc audit benchmark: {args.roles} roles ({args.star:.0%} trusting \"*\"), {args.policies} managed "
          f"policies, {args.users} users, {len(vpc.get('NetworkInterfaces', []))} network interfaces, "
          f"{args.buckets} buckets, {args.volumes} volumes and snapshots per region (seed {args.seed})", flush=True)
    stages: dict[str, tuple[float, float]] = {}
    current: list[object] = [None, 0.0, 0.0]

    def progress(stage: str, done: int, total: int) -> None:
        # The clocks are read only when a stage begins: read on every tick (one per document, per principal...),
        # they cost the measured audit some 15,000 pairs of system calls.
        if current[0] == stage:
            return
        now, wall = cpu_seconds(), time.perf_counter()
        if current[0] is not None:
            stages[str(current[0])] = (now - float(current[1]), wall - float(current[2]))  # type: ignore[arg-type]
        current[0], current[1], current[2] = stage, now, wall

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ACCT
        write(folder, data, vpc)
        write_data_stores(folder, args.seed, args.buckets, args.volumes)
        t0, w0 = cpu_seconds(), time.perf_counter()
        inputs = load_audit_snapshot(folder)
        t_load, w_load = cpu_seconds() - t0, time.perf_counter() - w0
        catalog = default_catalog()
        t0, w0 = cpu_seconds(), time.perf_counter()
        report = audit(inputs, AuditOptions(NOW, "bench", catalog, rcp_supported_services()), progress)
        t_audit, w_audit = cpu_seconds() - t0, time.perf_counter() - w0
        if current[0] is not None:
            stages[str(current[0])] = (cpu_seconds() - float(current[1]),  # type: ignore[arg-type]
                                       time.perf_counter() - float(current[2]))  # type: ignore[arg-type]
        answers: dict[str, str] = {}
        if args.save_reference or args.check_reference:
            where = {str(folder): "$SNAPSHOT", tmp: "$TMP"}
            doc = report.to_dict()
            doc.pop("snapshot", None)
            answers["audit"] = canonical(doc, where)
            answers["access_graph"] = canonical(report.graph.to_dict(), where)
    print(f"  {'load the snapshot (export, reports, VPC, positions)':<52} {t_load:8.2f} s CPU {w_load:8.2f} s wall")
    for stage, (dt, dw) in stages.items():
        print(f"  {stage:<52} {dt:8.2f} s CPU {dw:8.2f} s wall")
    print(f"  {'audit, all checks':<52} {t_audit:8.2f} s CPU {w_audit:8.2f} s wall")
    print(f"  {'total':<52} {t_load + t_audit:8.2f} s CPU {w_load + w_audit:8.2f} s wall")
    print(f"  {'peak RSS':<52} {peak_rss_mb():8.0f} MB")
    s = report.summary()
    print(f"  {s['total']} findings {s['by_severity']}; not checked: {s['not_checked']}")
    if answers:
        return reference(answers, args.save_reference, args.check_reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
