"""Encryption and exposure of the account's other data stores: EBS (encryption by default per region, volumes,
snapshots, public snapshots), RDS (instances, clusters, snapshots: encryption, public accessibility, public
snapshots, automatic minor version upgrades), EFS (encryption), KMS customer keys (rotation, pending deletion) and
Secrets Manager (rotation). Key and secret policies open to other accounts are ``external.py``'s (the engine's).

Each check reads what ``parc.loaders.data_stores`` found; where the file it needs is absent (a region, a service
not collected) it says so in a "not checked" entry naming the file and where.
"""

from __future__ import annotations

from parc.core.audit.data_model import DataStores, Item
from parc.core.audit.data_s3 import CATEGORY, _missing
from parc.core.audit.model import AuditFinding, CheckResult, Severity

CHECK_EBS = "data: EBS encryption (by default, volumes, snapshots)"
CHECK_EBS_PUBLIC = "data: EBS snapshots shared publicly"
CHECK_RDS = "data: RDS encryption, public access and minor version upgrades"
CHECK_RDS_SNAPSHOTS = "data: RDS snapshots (encryption, shared publicly)"
CHECK_EFS = "data: EFS encryption"
CHECK_KMS = "data: KMS customer keys (rotation, pending deletion)"
CHECK_SECRETS = "data: Secrets Manager rotation"

EBS_DOCS = "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html"
EBS_SHARE_DOCS = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html"
RDS_ENC_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
RDS_PUBLIC_DOCS = ("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
                   "USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding")
RDS_SHARE_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html"
RDS_UPGRADE_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Minor.html"
EFS_DOCS = "https://docs.aws.amazon.com/efs/latest/ug/encryption.html"
KMS_ROTATION_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
KMS_DELETE_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"
SECRETS_DOCS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html"


def _f(rule: str, severity: Severity, title: str, item: Item, why: str, fix: str, account: str, evidence: str,
       docs: str, **details: object) -> AuditFinding:
    return AuditFinding(rule, severity, CATEGORY, title, item.resource, why, fix, account,
                        (item.evidence(evidence),), docs, item.region, {"region": item.region, **details})


def _where(data: DataStores, kind: str) -> tuple[str, ...]:
    return data.missing.get(kind, ())


def ebs(aid: str, data: DataStores) -> CheckResult:
    out: list[AuditFinding] = []
    for d in data.of("ebs-default"):
        if d.flag("EbsEncryptionByDefault") is False:
            out.append(_f("EBS_DEFAULT_ENCRYPTION_OFF", Severity.MEDIUM,
                          f"EBS encryption by default is off in {d.region}", d,
                          "New volumes (and the snapshots taken from them) in this region are stored unencrypted "
                          "unless whoever creates them asks otherwise.",
                          f"aws ec2 enable-ebs-encryption-by-default --region {d.region}", aid,
                          "EbsEncryptionByDefault: false", EBS_DOCS))
    for v in data.of("volume"):
        if v.flag("Encrypted") is False:
            out.append(_f("EBS_VOLUME_UNENCRYPTED", Severity.MEDIUM, f"EBS volume {v.id} is not encrypted", v,
                          "The volume's data, and every snapshot of it, is stored unencrypted.",
                          "Snapshot the volume, copy the snapshot with --encrypted, create a volume from the copy "
                          "and swap it in (an existing volume cannot be encrypted in place).", aid,
                          "Encrypted: false", EBS_DOCS))
    for s in data.of("ebs-snapshot"):
        if s.flag("Encrypted") is False:
            out.append(_f("EBS_SNAPSHOT_UNENCRYPTED", Severity.MEDIUM, f"EBS snapshot {s.id} is not encrypted", s,
                          "The snapshot is stored unencrypted, and so is any volume created from it.",
                          "aws ec2 copy-snapshot --encrypted --source-snapshot-id ID, then delete the original.",
                          aid, "Encrypted: false", EBS_DOCS))
    nc = (_missing(CHECK_EBS, "ec2/REGION/get-ebs-encryption-by-default.json", _where(data, "ebs-default"), aid)
          + _missing(CHECK_EBS, "ec2/REGION/describe-volumes.json", _where(data, "volume"), aid)
          + _missing(CHECK_EBS, "ec2/REGION/describe-snapshots.json", _where(data, "ebs-snapshot"), aid))
    return CheckResult.of(out, nc)


def ebs_public(aid: str, data: DataStores) -> CheckResult:
    out: list[AuditFinding] = []
    snapshots = {(s.region, s.id): s for s in data.of("ebs-snapshot")}
    perms = {(p.region, p.id): p for p in data.of("ebs-snapshot-permissions")}
    for key, p in perms.items():
        if "all" in p.words("Groups"):
            s = snapshots.get(key, p)
            out.append(_f("EBS_SNAPSHOT_PUBLIC", Severity.CRITICAL, f"EBS snapshot {p.id} is public", s,
                          "Any AWS account can create a volume from this snapshot and read all of its data.",
                          f"aws ec2 modify-snapshot-attribute --snapshot-id {p.id} --attribute "
                          "createVolumePermission --operation-type remove --group-names all", aid,
                          "CreateVolumePermissions: Group all", EBS_SHARE_DOCS))
    no_file = set(_where(data, "ebs-snapshot-permissions"))
    unread = tuple(sorted(f"{i} ({r})" for (r, i) in snapshots if (r, i) not in perms and r not in no_file))
    nc = (_missing(CHECK_EBS_PUBLIC, "ec2/REGION/describe-snapshots.json", _where(data, "ebs-snapshot"), aid)
          + _missing(CHECK_EBS_PUBLIC, "ec2/REGION/describe-snapshot-attribute.json", tuple(sorted(no_file)), aid)
          + _missing(CHECK_EBS_PUBLIC, "the createVolumePermission attribute of", unread, aid))
    return CheckResult.of(out, nc)


def rds(aid: str, data: DataStores) -> CheckResult:
    out: list[AuditFinding] = []
    clusters = {(c.region, c.id): c for c in data.of("db-cluster")}
    for i in data.of("db-instance"):
        member = i.text("DBClusterIdentifier")
        if i.flag("StorageEncrypted") is False and not (member and (i.region, member) in clusters):
            out.append(_f("RDS_INSTANCE_UNENCRYPTED", Severity.MEDIUM, f"RDS instance {i.id} is not encrypted", i,
                          "The database's storage, its automated backups, read replicas and snapshots are stored "
                          "unencrypted.",
                          "Snapshot it, copy the snapshot with a KMS key, restore from the copy and switch over "
                          "(encryption cannot be turned on for an existing instance).", aid,
                          "StorageEncrypted: false", RDS_ENC_DOCS, engine=i.text("Engine") or ""))
        if i.flag("PubliclyAccessible") is True:
            out.append(_f("RDS_PUBLICLY_ACCESSIBLE", Severity.MEDIUM, f"RDS instance {i.id} is publicly accessible",
                          i, "Its endpoint resolves to a public IP address: only its security groups and network "
                          "ACLs stand between the database and the internet (see the network findings for what "
                          "they let through).",
                          f"aws rds modify-db-instance --db-instance-identifier {i.id} --no-publicly-accessible "
                          "--apply-immediately", aid, "PubliclyAccessible: true", RDS_PUBLIC_DOCS))
        if i.flag("AutoMinorVersionUpgrade") is False:
            out.append(_f("RDS_AUTO_MINOR_UPGRADE_OFF", Severity.LOW,
                          f"RDS instance {i.id} does not take minor version upgrades automatically", i,
                          "Minor versions carry security fixes; without automatic upgrades they wait for someone.",
                          f"aws rds modify-db-instance --db-instance-identifier {i.id} "
                          "--auto-minor-version-upgrade", aid, "AutoMinorVersionUpgrade: false", RDS_UPGRADE_DOCS))
    for c in clusters.values():
        if c.flag("StorageEncrypted") is False:
            out.append(_f("RDS_CLUSTER_UNENCRYPTED", Severity.MEDIUM, f"RDS cluster {c.id} is not encrypted", c,
                          "The cluster's storage, its instances, backups and snapshots are stored unencrypted.",
                          "Snapshot the cluster, copy the snapshot with a KMS key, restore a cluster from the copy "
                          "and switch over.", aid, "StorageEncrypted: false", RDS_ENC_DOCS))
        if c.flag("PubliclyAccessible") is True:
            out.append(_f("RDS_PUBLICLY_ACCESSIBLE", Severity.MEDIUM, f"RDS cluster {c.id} is publicly accessible",
                          c, "Its endpoint resolves to a public IP address: only its security groups and network "
                          "ACLs stand between the database and the internet.",
                          f"aws rds modify-db-cluster --db-cluster-identifier {c.id} --no-publicly-accessible "
                          "--apply-immediately", aid, "PubliclyAccessible: true", RDS_PUBLIC_DOCS))
    nc = (_missing(CHECK_RDS, "rds/REGION/describe-db-instances.json", _where(data, "db-instance"), aid)
          + _missing(CHECK_RDS, "rds/REGION/describe-db-clusters.json", _where(data, "db-cluster"), aid))
    return CheckResult.of(out, nc)


def rds_snapshots(aid: str, data: DataStores) -> CheckResult:
    out: list[AuditFinding] = []
    unread: list[str] = []
    for kind, attrs, enc_key, label in (("db-snapshot", "db-snapshot-attributes", "Encrypted", "snapshot"),
                                        ("db-cluster-snapshot", "db-cluster-snapshot-attributes",
                                         "StorageEncrypted", "cluster snapshot")):
        snaps = {(s.region, s.id): s for s in data.of(kind)}
        have = {(a.region, a.id) for a in data.of(attrs)}
        unread += [f"{i} ({r})" for (r, i) in snaps if (r, i) not in have and r not in _where(data, attrs)]
        for s in snaps.values():
            if s.flag(enc_key) is False:
                rule = "RDS_CLUSTER_UNENCRYPTED" if kind == "db-cluster-snapshot" else "RDS_INSTANCE_UNENCRYPTED"
                out.append(_f(rule, Severity.MEDIUM, f"RDS {label} {s.id} is not encrypted", s,
                              "The snapshot is stored unencrypted, and so is any database restored from it.",
                              "Copy it with a KMS key (aws rds copy-db-snapshot --kms-key-id), then delete it.",
                              aid, f"{enc_key}: false", RDS_ENC_DOCS))
        for a in data.of(attrs):
            if "all" in a.words("Restore"):
                s = snaps.get((a.region, a.id), a)
                cmd = "modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier" \
                    if kind == "db-cluster-snapshot" else "modify-db-snapshot-attribute --db-snapshot-identifier"
                out.append(_f("RDS_SNAPSHOT_PUBLIC", Severity.CRITICAL, f"RDS {label} {a.id} is public", s,
                              "Any AWS account can restore a database from this snapshot and read all of its data.",
                              f"aws rds {cmd} {a.id} --attribute-name restore --values-to-remove all", aid,
                              "restore: all", RDS_SHARE_DOCS))
    nc = (_missing(CHECK_RDS_SNAPSHOTS, "rds/REGION/describe-db-snapshots.json", _where(data, "db-snapshot"), aid)
          + _missing(CHECK_RDS_SNAPSHOTS, "rds/REGION/describe-db-snapshot-attributes.json",
                     _where(data, "db-snapshot-attributes"), aid)
          + _missing(CHECK_RDS_SNAPSHOTS, "rds/REGION/describe-db-cluster-snapshots.json",
                     _where(data, "db-cluster-snapshot"), aid)
          + _missing(CHECK_RDS_SNAPSHOTS, "rds/REGION/describe-db-cluster-snapshot-attributes.json",
                     _where(data, "db-cluster-snapshot-attributes"), aid)
          + _missing(CHECK_RDS_SNAPSHOTS, "the restore attribute of", tuple(sorted(unread)), aid))
    return CheckResult.of(out, nc)


def efs(aid: str, data: DataStores) -> CheckResult:
    out = [_f("EFS_UNENCRYPTED", Severity.MEDIUM, f"EFS file system {f.id} is not encrypted at rest", f,
              "Its files are stored unencrypted.",
              "Create an encrypted file system and copy the data (AWS DataSync); encryption at rest cannot be turned "
              "on for an existing file system.", aid, "Encrypted: false", EFS_DOCS)
           for f in data.of("file-system") if f.flag("Encrypted") is False]
    return CheckResult.of(out, _missing(CHECK_EFS, "efs/REGION/describe-file-systems.json",
                                        _where(data, "file-system"), aid))


ROTATABLE_SPEC = "SYMMETRIC_DEFAULT"
"""Automatic rotation applies to symmetric encryption keys with key material KMS generated (not imported keys, not
keys in a custom key store, not asymmetric or HMAC keys): https://docs.aws.amazon.com/kms/latest/developerguide/
rotate-keys.html"""


def kms(aid: str, data: DataStores) -> CheckResult:
    out: list[AuditFinding] = []
    rotation = {(r.region, r.id): r for r in data.of("key-rotation")}
    unknown: list[str] = []
    for k in data.of("key"):
        if k.text("KeyManager") != "CUSTOMER":
            continue
        state = k.text("KeyState") or ""
        if state in ("PendingDeletion", "PendingReplicaDeletion"):
            out.append(_f("KMS_KEY_PENDING_DELETION", Severity.MEDIUM, f"KMS key {k.id} is scheduled for deletion",
                          k, "Once deleted, whatever the key encrypted can never be decrypted again; if anything "
                          "still uses it, cancel the deletion now (it cannot be undone after the waiting period).",
                          f"aws kms cancel-key-deletion --key-id {k.id} (then enable it), or confirm nothing uses "
                          "it (CloudTrail: Decrypt / GenerateDataKey calls refused on the disabled key).", aid,
                          f"KeyState: {state}", KMS_DELETE_DOCS))
            continue
        spec = k.text("KeySpec") or k.text("CustomerMasterKeySpec") or ""
        if state == "Enabled" and not spec:
            unknown.append(f"{k.id} ({k.region}: no KeySpec)")
            continue
        if state != "Enabled" or spec != ROTATABLE_SPEC or k.text("Origin") not in (None, "AWS_KMS"):
            continue
        r = rotation.get((k.region, k.id))
        if r is None or r.flag("KeyRotationEnabled") is None:
            if k.region not in _where(data, "key-rotation"):
                unknown.append(f"{k.id} ({k.region})")
            continue
        if r.flag("KeyRotationEnabled") is False:
            out.append(AuditFinding(
                "KMS_ROTATION_DISABLED", Severity.LOW, CATEGORY, f"KMS key {k.id} is not rotated automatically",
                k.resource, "Without rotation the same key material protects the data for ever; rotation keeps old "
                "material for decryption and encrypts new data with new material.",
                f"aws kms enable-key-rotation --key-id {k.id}", aid,
                (r.evidence("KeyRotationEnabled: false"), k.evidence(f"KeySpec: {spec}, KeyState: {state}")),
                KMS_ROTATION_DOCS, k.region, {"region": k.region}))
    nc = (_missing(CHECK_KMS, "kms/REGION/describe-key.json", _where(data, "key"), aid)
          + _missing(CHECK_KMS, "kms/REGION/get-key-rotation-status.json", _where(data, "key-rotation"), aid)
          + _missing(CHECK_KMS, "the rotation status of", tuple(unknown), aid))
    return CheckResult.of(out, nc)


def secrets(aid: str, data: DataStores) -> CheckResult:
    out = [_f("SECRET_ROTATION_DISABLED", Severity.LOW, f"Secret {s.id} is not rotated automatically", s,
              "A secret that never changes stays valid for whoever copied it once.",
              "Turn rotation on (aws secretsmanager rotate-secret --secret-id ID --rotation-lambda-arn ... "
              "--rotation-rules AutomaticallyAfterDays=90, or a managed rotation for RDS/Redshift/DocumentDB "
              "credentials).", aid, f"RotationEnabled: {str(s.flag('RotationEnabled')).lower()}", SECRETS_DOCS)
           for s in data.of("secret") if not s.flag("RotationEnabled")]
    return CheckResult.of(out, _missing(CHECK_SECRETS, "secretsmanager/REGION/list-secrets.json",
                                        _where(data, "secret"), aid))
