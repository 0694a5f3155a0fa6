"""The data-encryption and exposure checks of one account, each run guarded (a failure inside parc becomes a "not
checked" entry naming it, and the others still run): ``data_s3`` for S3, ``data_stores`` for EBS, RDS, EFS, KMS
and Secrets Manager."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Account
from parc.core.audit import data_s3, data_stores
from parc.core.audit.data_model import DataStores
from parc.core.audit.inputs import AccountInputs, AuditInput
from parc.core.audit.model import CheckResult, Evidence, NotChecked


def _guarded(check: str, account: str, run: Callable[[], CheckResult]) -> CheckResult:
    try:
        return run()
    except Exception as exc:  # a bug must not hide the other checks' findings
        return CheckResult.of(not_checked=[NotChecked(
            check, f"parc failed on it ({type(exc).__name__}: {exc}); please report it", account)])


def _with_unlisted_buckets(account: Account, data: DataStores) -> DataStores:
    """A bucket the snapshot knows (by its policy or its S3 settings) without its s3/BUCKET/ encryption or
    versioning file is missing those files, like a bucket folder without them: "not checked", never "fine"."""
    names = data_s3.buckets_of(account, data)
    missing = {k: tuple(v) for k, v in data.missing.items()}
    for kind in ("bucket-encryption", "bucket-versioning"):
        have = {i.id for i in data.of(kind)} | set(missing.get(kind, ()))
        extra = tuple(n for n in names if n not in have)
        if extra:
            missing[kind] = tuple(sorted(missing.get(kind, ()) + extra))
    return replace(data, missing=missing)


def data_checks(account: Account, inputs: AccountInputs, ev: Evaluator,
                all_inputs: AuditInput | None = None) -> CheckResult:
    aid = account.account_id
    data = _with_unlisted_buckets(account, inputs.data or DataStores())
    out = CheckResult()

    def locate(arn: str) -> Evidence | None:
        doc = all_inputs.document(arn, aid) if all_inputs is not None else None
        if doc is None or doc.account_id != aid:
            return None
        pos = doc.position
        return Evidence(f"bucket policy of {arn}", doc.file, doc.path, pos.line if pos else None,
                        pos.column if pos else None)

    out += _guarded(data_s3.CHECK_BPA, aid, lambda: data_s3.block_public_access(account, inputs.data))
    out += _guarded(data_s3.CHECK_TLS, aid, lambda: data_s3.tls(account, inputs.data, ev,
                                                                inputs.has_resource_policies, locate))
    for check, run in ((data_s3.CHECK_ENCRYPTION, data_s3.encryption), (data_s3.CHECK_VERSIONING,
                                                                         data_s3.versioning),
                       (data_stores.CHECK_EBS, data_stores.ebs), (data_stores.CHECK_EBS_PUBLIC, data_stores.ebs_public),
                       (data_stores.CHECK_RDS, data_stores.rds),
                       (data_stores.CHECK_RDS_SNAPSHOTS, data_stores.rds_snapshots),
                       (data_stores.CHECK_EFS, data_stores.efs), (data_stores.CHECK_KMS, data_stores.kms),
                       (data_stores.CHECK_SECRETS, data_stores.secrets)):
        out += _guarded(check, aid, lambda run=run: run(aid, data))  # type: ignore[misc]
    return CheckResult(out.findings, tuple(data_s3.merged(list(out.not_checked))))
