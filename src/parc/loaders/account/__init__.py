"""Load account snapshots (one account folder, or a folder of account folders) into the core's Estate.

Layout of one account folder (see examples/org/README.md):

* ``get-account-authorization-details*.json``: the IAM export, one or several pages (merged in name order);
* ``resource-policies.json`` (optional): resource-based policies;
* ``organizations/`` (optional): the account's place in the organization with its SCPs and RCPs;
* ``lambda-functions.json``, ``glue-dev-endpoints.json`` (optional): compute that runs with a role;
* ``s3control-get-public-access-block.json`` and ``s3/BUCKET/*.json`` (optional): S3's own settings (``s3.py``).

Several accounts: a folder holding one such folder per account, named by account id; an ``organizations/`` folder
next to them (the management account's view) serves the accounts that have none of their own.

Partial data never raises: what cannot be read comes back as findings on the account. Only a snapshot that is not
there at all raises :class:`SnapshotError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from parc.core.account.arns import account_of
from parc.core.account.model import Account, Estate, Group, Role, User
from parc.core.findings import Finding
from parc.core.gcpause import without_cyclic_gc
from parc.core.policy.model import PolicyType
from parc.loaders.account.authdetails import AuthDetails, PolicyCheck, check_references, read_pages
from parc.loaders.account.jsonfile import SharedReads, load_error, read_json
from parc.loaders.account.organizations import load_organization
from parc.loaders.account.resources import RESOURCE_POLICIES, load_compute, load_resource_policies
from parc.loaders.account.s3 import load_s3
from parc.loaders.locate import locate

__all__ = ["SnapshotError", "default_policy_check", "load_account", "load_snapshot"]

EXPORT_GLOB = "get-account-authorization-details*.json"
ACCOUNT_DIR = re.compile(r"^\d{12}$")


class SnapshotError(ValueError):
    """The path holds no account snapshot at all."""


def default_policy_check() -> PolicyCheck:
    """Validate every document with parc's lint rules and the IAM catalog (its ERROR findings are reported)."""
    from parc.catalog import default_catalog
    from parc.core.lint import validate

    catalog = default_catalog()

    def check(source: str | dict[str, object], ptype: PolicyType) -> tuple[Finding, ...]:
        return validate(source, ptype, catalog=catalog).findings

    return check


def _is_account_folder(folder: Path) -> bool:
    return any(folder.glob(EXPORT_GLOB))


@without_cyclic_gc
def load_snapshot(path: str | Path, check: PolicyCheck | None = None, shared: SharedReads | None = None) -> Estate:
    """Load one account folder or a folder of account folders. ``shared``: the export files read, kept there for
    a caller that reads them again (``SharedReads``)."""
    root = Path(path)
    if not root.is_dir():
        raise SnapshotError(f"{root}: no such folder (expected an account snapshot folder)")
    if _is_account_folder(root):
        return Estate((load_account(root, check=check, shared=shared),))
    subs = sorted(p for p in root.iterdir() if p.is_dir() and _is_account_folder(p))
    if not subs:
        raise SnapshotError(
            f"{root}: no {EXPORT_GLOB} here nor in any sub-folder (expected an account snapshot, "
            "or a folder of them named by account id)"
        )
    shared_org = root / "organizations"
    accounts = [
        load_account(sub, check=check, shared_org=shared_org if shared_org.is_dir() else None, shared=shared)
        for sub in subs
    ]
    return Estate(tuple(accounts))


def load_account(
    folder: str | Path,
    account_id: str | None = None,
    check: PolicyCheck | None = None,
    shared_org: Path | None = None,
    shared: SharedReads | None = None,
) -> Account:
    folder = Path(folder)
    if not folder.is_dir():
        raise SnapshotError(f"{folder}: no such folder")
    findings: list[Finding] = []
    pages: list[tuple[Path, object]] = []
    files = sorted(folder.glob(EXPORT_GLOB), key=_page_order)
    if not files:
        raise SnapshotError(f"{folder}: no {EXPORT_GLOB}")
    for file in files:
        data, err = read_json(file, shared)
        if err is not None:
            findings.append(err)
            continue
        pages.append((file, data))
    details = read_pages(pages, check, shared)
    findings.extend(details.findings)
    findings.extend(check_references(details, files[0]))

    if account_id is None:
        account_id = _account_id(folder, details)
    if account_id is None:
        raise SnapshotError(
            f"{folder}: cannot tell the account id (name the folder after it, or include a user, group or role)"
        )

    resource_policies = []
    rp_file = folder / RESOURCE_POLICIES
    if rp_file.is_file():
        rps, rp_findings = load_resource_policies(rp_file)
        resource_policies = rps
        findings.extend(rp_findings)

    compute, compute_findings = load_compute(folder, account_id)
    findings.extend(compute_findings)
    s3, s3_findings = load_s3(folder)
    findings.extend(s3_findings)

    org = None
    org_dir = folder / "organizations"
    if not org_dir.is_dir() and shared_org is not None:
        org_dir = shared_org
    if org_dir.is_dir():
        org, org_findings = load_organization(org_dir, account_id)
        findings.extend(org_findings)

    entities: list[User | Group | Role] = [*details.users, *details.groups, *details.roles]
    foreign = [e.arn for e in entities if e.account_id != account_id]
    if foreign:
        findings.append(
            load_error(
                "ACCOUNT_FOREIGN_ENTITIES",
                f"{len(foreign)} entities belong to another account than {account_id} (first: {foreign[0]}); "
                "they are kept, and their ARNs decide which account they act in",
                files[0],
            )
        )
    locate(findings)
    return Account(
        account_id=account_id,
        users=tuple(details.users),
        groups=tuple(details.groups),
        roles=tuple(details.roles),
        policies=tuple(details.policies),
        resource_policies=tuple(resource_policies),
        compute=tuple(compute),
        org=org,
        findings=tuple(findings),
        s3=s3,
    )


def _page_order(file: Path) -> tuple[int, str]:
    """The unsuffixed page first, then pages by their number (``-2`` before ``-10``)."""
    suffix = file.stem.removeprefix("get-account-authorization-details").lstrip("-_.")
    digits = "".join(ch for ch in suffix if ch.isdigit())
    return (int(digits) if digits else (0 if not suffix else 1 << 30)), suffix


def _account_id(folder: Path, details: AuthDetails) -> str | None:
    if ACCOUNT_DIR.match(folder.name):
        return folder.name
    arns = [u.arn for u in details.users] + [r.arn for r in details.roles] + [g.arn for g in details.groups]
    arns += [p.arn for p in details.policies]
    for arn in arns:
        acct = account_of(arn)
        if acct:
            return acct
    return None
