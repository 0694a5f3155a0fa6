"""Benchmark for the account questions: a generated account of 5,000 roles and 2,000 managed policies (plus 300 users
in 20 groups and a bucket policy), timing the loader, ``who-can`` for one action and resource, the role-assumption
graph, and ``escalation`` over the whole account. Seeded, so every run builds the same account.

Half of the managed policies are real AWS managed policy documents, read from ``../shared/data/aws-managed-policies``
when that folder is there (see its README); otherwise all 2,000 are generated, and the script says so.

    .venv/bin/python benchmarks/bench_account.py [--scale X] [--seed N] [--roles N] [--policies N] [--users N]
        [--save-reference FILE] [--check-reference FILE]

``--scale X`` multiplies the roles, policies and users (the 5,000-role account at 1). Times are CPU time (with wall
time beside it); the run ends with the peak RSS. ``--save-reference`` keeps the answers (who-can, the assume graph's
edges, the escalation paths) as canonical JSON; ``--check-reference`` checks that this code gives them byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchclock import Clock, canonical, reference

from parc.core.account import Evaluator, assume_graph, escalation, who_can
from parc.loaders.account import default_policy_check, load_snapshot

ACCT = "123456789012"
PARTNER = "999988887777"
V = "2012-10-17"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-managed-policies"
SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com",
            "states.amazonaws.com", "cloudformation.amazonaws.com", "sagemaker.amazonaws.com",
            "events.amazonaws.com", "codebuild.amazonaws.com", "datapipeline.amazonaws.com"]
TARGET_BUCKET = "bench-data-7"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _managed(arn: str, document: dict[str, Any]) -> dict[str, Any]:
    return {"PolicyName": arn.rsplit("/", 1)[1], "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": document}]}


def _customer_policy(rnd: random.Random, i: int, roles: int) -> dict[str, Any]:
    """A generated customer managed policy: mostly data access, some with conditions, a few IAM powers."""
    bucket = f"bench-data-{rnd.randrange(200)}"
    kind = rnd.random()
    stmts: list[dict[str, Any]] = []
    if kind < 0.35:
        stmts.append(_allow(["s3:GetObject", "s3:ListBucket"] + (["s3:PutObject"] if rnd.random() < 0.4 else []),
                            [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]))
    elif kind < 0.55:
        table = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t{rnd.randrange(300)}"
        stmts.append(_allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], table))
    elif kind < 0.7:
        stmts.append(_allow(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:us-east-1:{ACCT}:q{i}"))
        stmts.append(_allow("sns:Publish", f"arn:aws:sns:us-east-1:{ACCT}:topic{rnd.randrange(50)}"))
    elif kind < 0.82:
        stmts.append(_allow("s3:*", f"arn:aws:s3:::{bucket}/*",
                            Condition={"StringEquals": {"aws:SourceVpc": f"vpc-{rnd.randrange(10):04d}"}}))
    elif kind < 0.9:
        fn = f"arn:aws:lambda:us-east-1:{ACCT}:function:f{rnd.randrange(99)}"
        stmts.append(_allow(["lambda:InvokeFunction"], fn))
        stmts.append(_allow(["logs:CreateLogStream", "logs:PutLogEvents"]))
    elif kind < 0.96:
        targets = [f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}" for _ in range(rnd.randint(1, 3))]
        stmts.append(_allow("sts:AssumeRole", targets))
    elif kind < 0.985:
        passed = f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}"
        stmts.append(_allow("iam:PassRole", passed))
        stmts.append(_allow(rnd.choice([["ec2:RunInstances"], ["lambda:CreateFunction", "lambda:InvokeFunction"],
                                        ["cloudformation:CreateStack"]])))
    else:
        stmts.append(_allow(["iam:GetPolicy", "iam:CreatePolicyVersion"], f"arn:aws:iam::{ACCT}:policy/cp-{i}"))
    return _managed(f"arn:aws:iam::{ACCT}:policy/cp-{i}", _doc(*stmts))


def _aws_policies(limit: int) -> list[dict[str, Any]]:
    if not DATA.is_dir():
        return []
    out = []
    for file in sorted(DATA.glob("*.json"))[:limit]:
        out.append(_managed(f"arn:aws:iam::aws:policy/{file.stem}", json.loads(file.read_text())))
    return out


def generate(seed: int = 1, roles: int = 5000, policies: int = 2000, users: int = 300,
             groups: int = 20) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The export, the resource policies, and how many AWS managed documents were real."""
    rnd = random.Random(seed)
    aws = _aws_policies(policies // 2)
    admin = _managed("arn:aws:iam::aws:policy/AdministratorAccess", _doc(_allow("*")))
    customer = [_customer_policy(rnd, i, roles) for i in range(policies - len(aws) - 1)]
    boundaries = [
        _managed(f"arn:aws:iam::{ACCT}:policy/boundary-{i}",
                 _doc(_allow(["s3:*", "dynamodb:*", "sqs:*", "logs:*", f"{rnd.choice(['lambda', 'ec2'])}:*"])))
        for i in range(5)
    ]
    pool = [p["Arn"] for p in aws] + [p["Arn"] for p in customer]

    def attached(n: int) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in rnd.sample(pool, n)]

    role_list = []
    for i in range(roles):
        r = rnd.random()
        if r < 0.5:
            principal: dict[str, Any] = {"Service": rnd.choice(SERVICES)}
            cond = None
        elif r < 0.7:
            principal = {"AWS": f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}"}
            cond = None
        elif r < 0.8:
            principal = {"AWS": f"arn:aws:iam::{ACCT}:root"}
            cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if rnd.random() < 0.5 else None
        elif r < 0.9:
            principal = {"AWS": f"arn:aws:iam::{PARTNER}:root"}
            cond = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
        else:
            principal = {"Federated": f"arn:aws:iam::{ACCT}:saml-provider/corp"}
            cond = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        action = "sts:AssumeRoleWithSAML" if "Federated" in principal else "sts:AssumeRole"
        st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
        if cond:
            st["Condition"] = cond
        entry: dict[str, Any] = {
            "RoleName": f"role-{i}", "RoleId": f"AROA{i:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCT}:role/role-{i}",
            "AssumeRolePolicyDocument": _doc(st), "RolePolicyList": [],
            "AttachedManagedPolicies": attached(rnd.randint(1, 3)),
            "InstanceProfileList": ([{"Arn": f"arn:aws:iam::{ACCT}:instance-profile/role-{i}"}]
                                    if principal.get("Service") == "ec2.amazonaws.com" else []),
            "Tags": [{"Key": "team", "Value": f"team-{rnd.randrange(12)}"}],
        }
        if i % 250 == 0:
            entry["AttachedManagedPolicies"].append({"PolicyName": "AdministratorAccess",
                                                     "PolicyArn": admin["Arn"]})
        if rnd.random() < 0.1:
            b = rnd.choice(boundaries)["Arn"]
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b}
        role_list.append(entry)
    group_list = [{"GroupName": f"group-{g}", "GroupId": f"AGPA{g:017d}", "Path": "/",
                   "Arn": f"arn:aws:iam::{ACCT}:group/group-{g}", "GroupPolicyList": [],
                   "AttachedManagedPolicies": attached(rnd.randint(1, 3))} for g in range(groups)]
    user_list = []
    for u in range(users):
        user_list.append({
            "UserName": f"user-{u}", "UserId": f"AIDA{u:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCT}:user/user-{u}",
            "GroupList": [f"group-{g}" for g in rnd.sample(range(groups), rnd.randint(1, 2))],
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": _doc(_allow(
                "sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/role-{rnd.randrange(roles)}"))}] if u % 3 == 0 else [],
            "AttachedManagedPolicies": attached(rnd.randint(0, 2)),
            "Tags": [],
        })
    details = {"UserDetailList": user_list, "GroupDetailList": group_list, "RoleDetailList": role_list,
               "Policies": [*aws, admin, *customer, *boundaries]}
    bucket = {"arn": f"arn:aws:s3:::{TARGET_BUCKET}", "policy": _doc(
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCT}:role/role-{i}" for i in range(0, roles, 97)]},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{TARGET_BUCKET}/*"},
        {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{TARGET_BUCKET}/shared/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{TARGET_BUCKET}/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}})}
    return details, [bucket], len(aws)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply roles, policies and users (default 1)")
    ap.add_argument("--roles", type=int, default=5000)
    ap.add_argument("--policies", type=int, default=2000)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--save-reference", type=Path, default=None, help="keep the answers here (.gz: gzipped)")
    ap.add_argument("--check-reference", type=Path, default=None, help="check the answers against this file")
    ap.add_argument("--skip-validate", action="store_true", help="skip the load that validates every policy")
    args = ap.parse_args(argv)
    roles, policies, users = (round(n * args.scale) for n in (args.roles, args.policies, args.users))
    clock = Clock()
    details, resource_policies, real = generate(args.seed, roles, policies, users)
    print(f"parc account benchmark: {roles} roles, {len(details['Policies'])} managed policies "
          f"({real} real AWS managed documents{'' if real else ': ' + str(DATA) + ' not found, all generated'}), "
          f"{users} users in {len(details['GroupDetailList'])} groups (scale {args.scale:g})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ACCT
        folder.mkdir()
        (folder / "get-account-authorization-details.json").write_text(json.dumps(details))
        (folder / "resource-policies.json").write_text(json.dumps(resource_policies))
        del details
        estate = clock.run("load the snapshot", lambda: load_snapshot(folder))
        if not args.skip_validate:
            clock.run("load the snapshot, validating every policy",
                      lambda: load_snapshot(folder, check=default_policy_check()))
    print(f"  ({len(estate.findings)} snapshot findings)")
    ev = Evaluator(estate)
    resource = f"arn:aws:s3:::{TARGET_BUCKET}/reports/2026/q1.csv"
    result = clock.run(f"who-can s3:GetObject {resource}", lambda: who_can(ev, "s3:GetObject", resource))
    print(f"    {len(result.entries)} principals allowed "
          f"({sum(1 for e in result.entries if not e.verdict.allowed)} under conditions); "
          f"{result.candidates} of {result.principals} decided by the engine")
    answers = {"who_can": canonical(result.to_dict())}
    del result
    ev = Evaluator(estate)
    graph = clock.run("assume graph (every role's trust policy)", lambda: assume_graph(ev))
    print(f"    {len(graph.edges)} edges, {ev.decisions} decisions")
    if args.save_reference or args.check_reference:
        answers["assume_edges"] = canonical([e.to_dict() for e in graph.edges])
    del graph
    ev = Evaluator(estate)
    esc = clock.run("escalation over the whole account", lambda: escalation(ev))
    admin = sum(1 for p in esc.paths if p.gains == "administrator")
    print(f"    {esc.principals} principals: {len(esc.administrators)} administrators, {admin} can become one, "
          f"{len(esc.paths) - admin} other gains; {ev.decisions} decisions")
    clock.summary()
    if args.save_reference or args.check_reference:
        answers["escalation"] = canonical(esc.to_dict())
        return reference(answers, args.save_reference, args.check_reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
