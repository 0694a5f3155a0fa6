"""S3: every bucket (whatever its region; the bucket calls go to the bucket's own region), its policy (also into
``resource-policies.json``), ACL, Block Public Access, ownership controls, default encryption, versioning (with MFA
delete) and logging, raw in ``s3/BUCKET/``; the account's Block Public Access in
``s3control-get-public-access-block.json`` (the name the accounts loader reads, taken from it).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html (a null LocationConstraint is us-east-1)
https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html
"""

from __future__ import annotations

from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.runner import Account, Task, safe_name
from parc.loaders.account.s3 import ACCOUNT_BLOCK

FOLDER = "s3"
ACCOUNT_PUBLIC_ACCESS_BLOCK = ACCOUNT_BLOCK


def tasks(acct: Account, region: str) -> list[Task]:
    return [Task("s3: buckets", lambda: buckets(acct, region)),
            Task("s3: account public access block", lambda: account_block(acct, region))]


def account_block(acct: Account, region: str) -> None:
    data = acct.call(C.GET_ACCOUNT_PUBLIC_ACCESS_BLOCK, region, "", AccountId=acct.account_id)
    if data is not None:
        acct.write(ACCOUNT_PUBLIC_ACCESS_BLOCK, data)


def buckets(acct: Account, region: str) -> list[Task]:
    data = acct.call(C.LIST_BUCKETS, region)
    if data is None:
        return []
    acct.write(f"{FOLDER}/{C.LIST_BUCKETS.file}", data)
    out = []
    for b in data.get("Buckets", []):
        name = b.get("Name") if isinstance(b, dict) else None
        if isinstance(name, str) and safe_name(name):
            out.append(Task(f"s3: bucket {name}", partial(bucket, acct, region, b)))
        else:
            acct.fail(C.LIST_BUCKETS, region, str(name), "UnexpectedName", f"a bucket name parc cannot use: {name!r}")
    return out


def bucket_region(acct: Account, region: str, entry: dict[str, Any]) -> str | None:
    if isinstance(entry.get("BucketRegion"), str):
        return str(entry["BucketRegion"])
    name = str(entry["Name"])
    loc = acct.call(C.GET_BUCKET_LOCATION, region, name, Bucket=name)
    if loc is None:
        return None
    constraint = loc.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def bucket(acct: Account, region: str, entry: dict[str, Any]) -> None:
    name = str(entry["Name"])
    where = bucket_region(acct, region, entry) or region
    folder = f"{FOLDER}/{name}"
    policy = acct.call(C.GET_BUCKET_POLICY, where, name, Bucket=name)
    if policy is not None:
        acct.write(f"{folder}/{C.GET_BUCKET_POLICY.file}", policy)
        if policy.get("Policy"):
            acct.add("resource-policies", [{"arn": f"arn:{acct.partition}:s3:::{name}", "policy": policy["Policy"]}])
    for spec in C.BUCKET_CALLS:
        data = acct.call(spec, where, name, Bucket=name)
        if data is not None:
            acct.write(f"{folder}/{spec.file}", data)
