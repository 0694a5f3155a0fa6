"""EC2 and VPC, per region: the describe-* outputs ``parc.loaders.ec2`` reads, every selected region merged into
one file per call in ``ec2/`` (ids are unique across regions, and peering connections cross them), managed prefix
lists with their entries; and, for the audit's encryption, logging and metadata checks, the raw outputs of flow
logs, VPC endpoints (with their policies), volumes, EBS encryption by default and the instance metadata defaults
in ``ec2/REGION/`` (the network loader reads only the files at the folder's top).

https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html (and the other describe-*)
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListEntries.html
"""

from __future__ import annotations

from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.calls import Call
from parc.collect.runner import Account, Task

FOLDER = "ec2"


def tasks(acct: Account, region: str) -> list[Task]:
    out = [Task(f"ec2 {region}: {spec.operation}", partial(network_call, acct, region, spec))
           for spec in C.NETWORK_CALLS]
    out += [Task(f"ec2 {region}: {spec.operation}", partial(extra_call, acct, region, spec))
            for spec in C.EC2_EXTRA_CALLS]
    out.append(Task(f"ec2 {region}: snapshots", partial(snapshots, acct, region)))
    return out


def snapshots(acct: Account, region: str) -> None:
    """The account's own EBS snapshots, and who may create a volume from each (``describe-snapshot-attribute.json``:
    ``{"SNAPSHOT-ID": output}``). https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshotAttribute.html"""
    data = acct.call(C.DESCRIBE_SNAPSHOTS, region, region, OwnerIds=["self"])
    if data is None:
        return
    acct.write(f"{FOLDER}/{region}/{C.DESCRIBE_SNAPSHOTS.file}", data)
    out: dict[str, Any] = {}
    for snap in data.get("Snapshots", []):
        sid = snap.get("SnapshotId") if isinstance(snap, dict) else None
        if not isinstance(sid, str):
            continue
        got = acct.call(C.DESCRIBE_SNAPSHOT_ATTRIBUTE, region, sid, SnapshotId=sid, Attribute="createVolumePermission")
        if got is not None:
            out[sid] = got
    acct.write(f"{FOLDER}/{region}/{C.DESCRIBE_SNAPSHOT_ATTRIBUTE.file}", out)


def network_call(acct: Account, region: str, spec: Call) -> list[Task]:
    data = acct.call(spec, region, region)
    if data is None:
        return []
    acct.add(f"ec2-ok:{spec.file}", [region])
    lists = {k: v for k, v in data.items() if isinstance(v, list)}
    if spec.operation != "DescribeManagedPrefixLists":
        for key, items in lists.items():
            acct.add(f"ec2:{spec.file}:{key}", items)
        return []
    # Each prefix list's entries are one more call; the list is added once they are known (the loader reads a
    # list's CIDRs from its "Entries").
    return [Task(f"ec2 {region}: prefix list {pl.get('PrefixListId')}",
                 partial(prefix_list_entries, acct, region, spec, pl))
            for pl in lists.get("PrefixLists", []) if isinstance(pl, dict)]


def prefix_list_entries(acct: Account, region: str, spec: Call, pl: dict[str, Any]) -> None:
    pid = str(pl.get("PrefixListId", ""))
    data = acct.call(C.GET_MANAGED_PREFIX_LIST_ENTRIES, region, pid, PrefixListId=pid)
    if data is None:
        return  # the gap is recorded; a list without its entries would read as an empty list, so it is left out
    acct.add(f"ec2:{spec.file}:PrefixLists", [{**pl, "Entries": data.get("Entries", [])}])


def extra_call(acct: Account, region: str, spec: Call) -> None:
    data = acct.call(spec, region, region)
    if data is not None:
        acct.write(f"{FOLDER}/{region}/{spec.file}", data)


def finish(acct: Account) -> None:
    """Write the merged network files: one per call that answered in at least one region."""
    for spec in C.NETWORK_CALLS:
        if not acct.shared.get(f"ec2-ok:{spec.file}"):
            continue
        prefix = f"ec2:{spec.file}:"
        merged = {k[len(prefix):]: v for k, v in sorted(acct.shared.items()) if k.startswith(prefix)}
        if spec.operation == "DescribeInstances":
            merged.setdefault("Reservations", [])
        acct.write(f"{FOLDER}/{spec.file}", merged)
