"""Lint rules for the ARNs in Resource and NotResource: their form, and whether they fit the statement's actions.

An ARN has six fields, ``arn:partition:service:region:account:resource``; each service's resource types give the
form of the rest (the catalog's ARN templates). A wildcard matches within one of the first five fields, never
across a colon. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from parc.core.catalog import ActionInfo, Catalog, ResourceTypeInfo, split_arn
from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_catalog_common import (
    RESOURCE_PAGE,
    catalog_of,
    check_link,
    finding,
    plural,
    statement_actions,
)
from parc.core.policy.model import Located, Statement

E = FindingType.ERROR
W = FindingType.WARNING

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
"""https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partition)."""

_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")
"""us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1."""
_ACCOUNT = re.compile(r"\d{12}")


def _literal(text: str) -> bool:
    """A field with no wildcard and no policy variable: one we can check as written."""
    return not any(c in text for c in "*?") and "${" not in text


@rule(
    "INVALID_ARN_PREFIX",
    "MISSING_ARN_FIELD",
    "INVALID_PARTITION",
    "INVALID_ARN_SERVICE_CASE",
    "INVALID_SERVICE",
    "INVALID_ARN_REGION",
    "ARN_REGION_NOT_ALLOWED",
    "MISSING_ARN_REGION",
    "INVALID_ARN_ACCOUNT",
    "ARN_ACCOUNT_NOT_ALLOWED",
    "INVALID_ARN_RESOURCE",
    needs_catalog=True,
)
def arn_format(ctx: LintContext) -> Iterator[Finding]:
    catalog = catalog_of(ctx)
    if catalog is None:
        return
    for st in ctx.policy.statements:
        for element, values in (("Resource", st.resource), ("NotResource", st.not_resource)):
            for loc in values or ():
                found = check_arn(catalog, loc, element)
                if found is not None:
                    yield found


def check_arn(catalog: Catalog, loc: Located, element: str) -> Finding | None:
    """The first problem with the form of one Resource or NotResource entry, or None."""
    arn = loc.value
    if arn == "*" or arn.startswith("${"):
        return None
    where = f"{element} entry {arn!r}"
    if not arn.startswith("arn:"):
        fix = "Write the ARN with a lowercase arn: prefix." if arn.lower().startswith("arn:") else None
        return _err("INVALID_ARN_PREFIX", f"{where} is not an ARN: resource ARNs start with arn:.", loc,
                    "Invalid ARN prefix", fix)
    fields = split_arn(arn)
    if len(fields) < 6:
        return _err(
            "MISSING_ARN_FIELD",
            f"{where} has {len(fields)} of the 6 fields of an ARN: arn:partition:service:region:account:resource.",
            loc,
            "Missing ARN field",
        )
    _, partition, service, region, account, resource = fields
    if _literal(partition) and partition not in PARTITIONS:
        return _err(
            "INVALID_PARTITION",
            f"{where}: {partition!r} is not an AWS partition (aws, aws-cn, aws-us-gov ...).",
            loc,
            "Invalid partition",
            "Use the partition aws." if partition.lower().startswith("aws") else None,
        )
    if not _literal(service):
        return None
    known = bool(catalog.arn_templates(service)) or catalog.service_exists(service)
    if service != service.lower() and (catalog.arn_templates(service.lower()) or catalog.service_exists(service)):
        return _err(
            "INVALID_ARN_SERVICE_CASE",
            f"{where}: the service {service!r} must be lowercase.",
            loc,
            "Invalid ARN service case",
            f"Write the service as {service.lower()!r}.",
        )
    if not known:
        if catalog.retired_service(service):
            return None
        guess = catalog.suggest_service(service)
        return _err(
            "INVALID_SERVICE",
            f"{where}: the service {service!r} does not exist." + (f" Did you mean {guess!r}?" if guess else ""),
            loc,
            "Invalid service",
            f"Did you mean {guess!r}?" if guess else None,
        )
    templates = catalog.arn_templates(service)
    if not templates:
        return None
    found = _check_region_account(templates, where, region, account, loc) or (
        None if catalog.arn_has_resource_type(arn) else _exact_type_fields(catalog, fields, where, loc)
    )
    if found is not None:
        return replace(found, details={**found.details, "service": service})  # for the IAM verdict
    if not catalog.arn_has_resource_type(arn):
        return _invalid_resource(arn, where, resource, templates, loc)
    return None


def _exact_type_fields(catalog: Catalog, fields: tuple[str, ...], where: str, loc: Located) -> Finding | None:
    """An ARN that fits no template only because of its Region or account, where the resource part names resource
    types whose ARNs have none (an S3 bucket or object ARN with a Region): an ERROR, since the type is known, not
    the WARNING an unknown resource part gets (the catalog may lag behind AWS; here it does not need to know more).

    IAM refuses such a document: "Resource arn:aws:s3:us-east-1::bucket can not contain region information" is the
    error IAM returns for it (MalformedPolicyDocument). https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html
    """
    _, partition, service, region, account, resource = fields
    region_set = _literal(region) and region != ""
    account_set = _literal(account) and account != ""
    if not (region_set or account_set):
        return None
    probe = ":".join(("arn", partition, service, "*" if region_set else region, "*" if account_set else account,
                      resource))
    types = catalog.resource_types_for_arn(probe)
    types = tuple(t for t in types if split_arn(t.arn_template)[2].lower() == service.lower())
    if not types:
        return None
    names = plural(sorted({t.name for t in types}), 3)
    t_fields = [split_arn(t.arn_template) for t in types]
    if region_set and all(f[3] == "" for f in t_fields):
        return _err(
            "ARN_REGION_NOT_ALLOWED",
            f"{where}: its resource part is that of {service}'s {names}, whose ARNs have no Region, but this one has "
            f"{region!r}.",
            loc,
            "ARN Region not allowed",
            "Leave the Region field empty (::).",
            details={"resource_type": ",".join(sorted({t.name for t in types}))},
        )
    if account_set and all(f[4] == "" for f in t_fields):
        return _err(
            "ARN_ACCOUNT_NOT_ALLOWED",
            f"{where}: its resource part is that of {service}'s {names}, whose ARNs have no account ID, but this "
            f"one has {account!r}.",
            loc,
            "ARN account not allowed",
            "Leave the account field empty (::).",
            details={"resource_type": ",".join(sorted({t.name for t in types}))},
        )
    return None


def _check_region_account(
    templates: tuple[ResourceTypeInfo, ...], where: str, region: str, account: str, loc: Located
) -> Finding | None:
    t_regions, t_accounts = _fields_of(templates)
    if _literal(region) and region:
        if not _REGION.fullmatch(region):
            return _err("INVALID_ARN_REGION", f"{where}: {region!r} is not a Region code such as us-east-1.", loc,
                        "Invalid ARN Region")
        if t_regions == {""}:
            return _err(
                "ARN_REGION_NOT_ALLOWED",
                f"{where}: the service's resource ARNs have no Region, but this one has {region!r}.",
                loc,
                "ARN Region not allowed",
                "Leave the Region field empty (::).",
            )
    if region == "" and "" not in t_regions:
        # Access Analyzer calls this an error; AWS managed policies have it, so parc keeps errors for certain cases.
        return _err("MISSING_ARN_REGION", f"{where}: the service's resource ARNs have a Region, so an ARN with an "
                    "empty Region matches none of them.", loc, "Missing ARN Region",
                    "Put a Region (or *) in the fourth field.", W)
    if _literal(account) and account:
        # "aws" owns AWS's own resources (managed policies, public SageMaker hubs): valid in any service.
        if not _ACCOUNT.fullmatch(account) and account != "aws" and account not in t_accounts:
            return _err("INVALID_ARN_ACCOUNT", f"{where}: {account!r} is not a 12-digit account ID.", loc,
                        "Invalid ARN account")
        if t_accounts == {""}:
            return _err(
                "ARN_ACCOUNT_NOT_ALLOWED",
                f"{where}: the service's resource ARNs have no account ID, but this one has {account!r}.",
                loc,
                "ARN account not allowed",
                "Leave the account field empty (::).",
            )
    # An empty account is how AWS-owned resources are named (arn:aws:ssm:*::document/AWS-*, public AMIs), so it is
    # not reported even where the service's templates have ${Account}.
    return None


@lru_cache(maxsize=1024)
def _fields_of(templates: tuple[ResourceTypeInfo, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The Region and account fields that a service's templates have."""
    fields = [split_arn(rt.arn_template) for rt in templates]
    return frozenset(f[3] for f in fields), frozenset(f[4] for f in fields)


def _invalid_resource(
    arn: str, where: str, resource: str, templates: tuple[ResourceTypeInfo, ...], loc: Located
) -> Finding:
    forms = plural(sorted({split_arn(rt.arn_template)[5] for rt in templates}), 5)
    fix = None
    detail = ""
    if resource.startswith("/") and not any(split_arn(rt.arn_template)[5].startswith("/") for rt in templates):
        detail = " It starts with '/', which leaves the first part of the resource (such as a bucket name) empty."
        fix = f"Remove the leading '/': {arn[: len(arn) - len(resource)]}{resource.lstrip('/')}"
    elif "//" in resource:
        detail = " It has an empty part between two slashes."
    elif resource == "":
        detail = " The resource part is empty."
    # A warning, where Access Analyzer has an error: the catalog's templates lag behind AWS (AWS managed policies
    # name resource types it lacks), so a resource part it does not know is not proof of a mistake.
    return _err(
        "INVALID_ARN_RESOURCE",
        f"{where} does not match any resource ARN format of the service in the catalog, so it may match no "
        f"resource.{detail} Expected a resource part such as {forms}.",
        loc,
        "Invalid ARN resource",
        fix,
        W,
    )


def _err(
    code: str,
    message: str,
    loc: Located,
    title: str,
    fix: str | None = None,
    finding_type: FindingType = E,
    details: dict[str, str] | None = None,
) -> Finding:
    """A finding linked to Access Analyzer's check (whose section is under Error whatever parc's level)."""
    return finding(code, finding_type, message, loc.path, loc.pos, check_link(E, title), fix, **(details or {}))


# --- ARNs against the statement's actions ----------------------------------------------------------------------


@rule("RESOURCE_TYPE_MISMATCH", needs_catalog=True)
def resource_type_mismatch(ctx: LintContext) -> Iterator[Finding]:
    """An ARN that none of the statement's actions can act on: that pairing grants nothing.

    The statement still works for its other ARNs, and the catalog may lag behind AWS, so this is a warning.
    """
    catalog = catalog_of(ctx)
    if catalog is None:
        return
    for st in ctx.policy.statements:
        if not st.resource:
            continue
        acts = statement_actions(catalog, st)
        if acts is None or not acts.actions or any(loc.value.strip() == "*" for loc in st.action or ()):
            continue
        for loc in st.resource:
            found = _mismatch(catalog, st, acts.actions, loc)
            if found is not None:
                yield found


def _mismatch(catalog: Catalog, st: Statement, actions: tuple[ActionInfo, ...], loc: Located) -> Finding | None:
    arn = loc.value
    if arn == "*" or check_arn(catalog, loc, "Resource") is not None:
        return None
    fields = split_arn(arn)
    if len(fields) < 6 or not fields[2] or (not catalog.arn_templates(fields[2]) and "*" not in fields[2]):
        return None
    for action in actions:
        if catalog.action_resource_types_for_arn(action, arn):
            return None
    names = [a.full_name for a in actions]
    takes: list[str] = []
    for action in actions[:3]:
        kinds = [f"{rt.name} ({_template(catalog, action, rt.name)})" for rt in action.resource_types]
        takes.append(f"{action.full_name} takes " + (", ".join(kinds) if kinds else 'only "*"'))
    fix = _s3_prefix_fix(catalog, actions, arn) or (
        'The action does not support resource-level permissions: use "Resource": "*".'
        if all(not a.resource_types for a in actions)
        else "Use an ARN of a resource type the actions take, or move the actions to a statement of their own."
    )
    return finding(
        "RESOURCE_TYPE_MISMATCH",
        W,
        f"Statement {st.label}: {arn!r} matches none of the resource types of {plural(names, 3)}, so this "
        f"statement grants nothing on it. {'; '.join(takes)}.",
        loc.path,
        loc.pos,
        RESOURCE_PAGE,
        fix,
    )


def _template(catalog: Catalog, action: ActionInfo, name: str) -> str:
    rt = catalog.resource_type(action.service, name)
    return rt.arn_template if rt else "?"


def _s3_prefix_fix(catalog: Catalog, actions: tuple[ActionInfo, ...], arn: str) -> str | None:
    """S3 list actions take the bucket, and limit keys with s3:prefix: the fix for an object path on ListBucket.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
    """
    fields = split_arn(arn)
    if fields[2] != "s3" or "/" not in fields[5]:
        return None
    listing = [
        a
        for a in actions
        if any(rt.name == "bucket" for rt in a.resource_types)
        and any(k.lower() == "s3:prefix" for k in a.condition_keys)
    ]
    if not listing:
        return None
    bucket, _, prefix = fields[5].partition("/")
    bucket_arn = ":".join([*fields[:5], bucket])
    return (
        f"{listing[0].full_name} acts on the bucket, not on object paths: use the bucket ARN {bucket_arn!r} as the "
        f'Resource and limit the keys with a condition on s3:prefix, e.g. "Condition": {{"StringLike": '
        f'{{"s3:prefix": ["{prefix}", "{prefix.rstrip("*").rstrip("/")}/*"]}}}}.'
    )
