"""Issue 13 (idnet): the moto organization collected by ``parc collect``, audited: the identity and network checks
read what the collector wrote (virtual MFA devices, server certificates, instances' metadata options, metadata
defaults), and what moto planted is found."""

from __future__ import annotations

from datetime import UTC, datetime

from collect_fixtures import Collected

from parc.core.audit import AuditOptions, audit
from parc.loaders.snapshot import load_audit_snapshot


def test_the_collected_snapshot_feeds_the_idnet_checks(org_snapshot: Collected) -> None:
    inputs = load_audit_snapshot(org_snapshot.mgmt)
    (a,) = inputs.accounts
    assert a.idnet.virtual_mfa is not None and a.idnet.certificates is not None
    assert a.idnet.instances is not None and [i.instance_id for i in a.idnet.instances] == [
        org_snapshot.moto.planted.instance]
    report = audit(inputs, AuditOptions(datetime.now(UTC), "test"))
    found = {(f.rule, f.resource) for f in report.findings}
    acct = inputs.accounts[0].account_id
    assert ("USER_DIRECT_POLICY", f"arn:aws:iam::{acct}:user/bob") in found  # an attached and an inline policy
    assert ("USER_DIRECT_POLICY", f"arn:aws:iam::{acct}:user/alice") not in found  # through Developers only
    assert ("ROLE_SERVICE_TRUST_NO_SOURCE", f"arn:aws:iam::{acct}:role/app-runtime") in found
    assert any(r == "NET_SG_OPEN_ADMIN_PORT" for r, _ in found)  # ssh-open
    assert any(r == "NET_ACL_OPEN_ADMIN_PORT" for r, _ in found)  # the allow-all ACL
    assert ("SUPPORT_ROLE_MISSING", "arn:aws:iam::aws:policy/AWSSupportAccess") in found
    idnet_gaps = [n for n in report.not_checked if n.check.startswith(("compute", "identity: expired",
                                                                        "account security: hardware"))]
    assert idnet_gaps == []  # every file they read was collected
    instance = org_snapshot.moto.planted.instance
    assert ("INSTANCE_NO_PROFILE", instance) in found
    imds = [i.http_tokens for i in a.idnet.instances]
    assert (("IMDSV2_NOT_REQUIRED", instance) in found) == (imds != ["required"]), imds
