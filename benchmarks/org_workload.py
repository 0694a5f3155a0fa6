"""A seeded organization of generated accounts, for ``bench_org.py`` and the ``--scheduler`` tests.

Each account is ``bench_audit.generate``'s account (roles trusting services, other roles, their account root under
MFA, a partner account under an external id, and "*" limited to the organization; managed policies from the
synthetic workload's mix; users in groups; a credential report) under its own id, with two changes that make the
organization's questions cross accounts: the partner is the next account of the organization (so trust and
escalation paths run from one account into another), and every account sits under the same root SCPs and RCP.
Everything is a pure function of the seed: the same arguments write the same files, byte for byte.

    python benchmarks/org_workload.py OUT --accounts 20 --roles 500
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import bench_audit  # noqa: E402

ORG_ID = "o-bench00001"  # the id bench_audit's "*" trust policies are limited to
FIRST_ACCOUNT = 100000000000
V = "2012-10-17"


def account_ids(n: int) -> list[str]:
    return [str(FIRST_ACCOUNT + 1111 * i) for i in range(n)]


def organization(account_id: str, management: str) -> dict[str, Any]:
    """organization.json for one account: FullAWSAccess and a guardrail at the root, an OU, the account."""
    guard = {"Version": V, "Statement": [
        {"Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                                      "organizations:LeaveOrganization"], "Resource": "*"}]}
    full = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    perimeter = {"Version": V, "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "kms:*"], "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
                       "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    return {"organization_id": ORG_ID, "management_account_id": management, "levels": [
        {"id": "r-bnch", "type": "ROOT", "name": "Root",
         "scps": [{"name": "FullAWSAccess", "document": full}, {"name": "Guardrails", "document": guard}],
         "rcps": [{"name": "DataPerimeter", "document": perimeter}]},
        {"id": "ou-bnch-workload", "type": "ORGANIZATIONAL_UNIT", "name": "workloads",
         "scps": [{"name": "FullAWSAccess", "document": full}]},
        {"id": account_id, "type": "ACCOUNT", "scps": [{"name": "FullAWSAccess", "document": full}]},
    ]}


def deployer(account_id: str) -> dict[str, Any]:
    """A user allowed to assume any role of any account: the roles of the previous account that trust this one
    (under an external id) give it cross-account paths, some to an administrator."""
    return {"UserName": "deployer", "UserId": f"AIDADEPLOYER{account_id}", "Path": "/",
            "Arn": f"arn:aws:iam::{account_id}:user/deployer", "GroupList": [], "AttachedManagedPolicies": [],
            "UserPolicyList": [{"PolicyName": "assume-anywhere", "PolicyDocument": {"Version": V, "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/*"}]}}]}


def write_org(root: Path, accounts: int, roles: int, policies: int, users: int, seed: int = 1,
              enis: int = 0) -> list[str]:
    """Write ``accounts`` account folders under ``root`` (created); their ids. ``enis`` > 0 adds a VPC each."""
    ids = account_ids(accounts)
    root.mkdir(parents=True, exist_ok=True)
    for i, acct in enumerate(ids):
        partner = ids[(i + 1) % len(ids)] if len(ids) > 1 else bench_audit.PARTNER
        data = bench_audit.generate(seed + i, roles, policies, users)
        text = json.dumps(data).replace(bench_audit.ACCT, acct).replace(bench_audit.PARTNER, partner)
        data = json.loads(text)
        data["details"]["UserDetailList"].append(deployer(acct))
        folder = root / acct
        folder.mkdir()
        (folder / "get-account-authorization-details.json").write_text(json.dumps(data["details"], indent=1))
        (folder / "resource-policies.json").write_text(json.dumps(data["buckets"], indent=1))
        (folder / "credential-report.csv").write_text(data["report"])
        (folder / "password-policy.json").write_text(json.dumps({"PasswordPolicy": {"MinimumPasswordLength": 12}}))
        (folder / "organizations").mkdir()
        (folder / "organizations" / "organization.json").write_text(
            json.dumps(organization(acct, ids[0]), indent=1))
        if enis > 0:
            from bench_network import generate as generate_vpc

            (folder / "ec2").mkdir()
            vpc = json.loads(json.dumps(generate_vpc(seed + i, enis=enis)).replace(bench_audit.ACCT, acct))
            (folder / "ec2" / "vpc.json").write_text(json.dumps(vpc, indent=1))
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--roles", type=int, default=500)
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--enis", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    ids = write_org(args.out, args.accounts, args.roles, args.policies, args.users, args.seed, args.enis)
    print(f"{len(ids)} accounts written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
