"""The global condition key table, against AWS's "AWS global condition context keys" page
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): each key's data type, the
multivalued keys, and the tag-key families."""

from __future__ import annotations

import pytest

from parc.catalog import default_catalog
from parc.catalog.global_keys import GLOBAL_KEYS
from parc.core.catalog import KeyType

MULTIVALUED = {
    "aws:CalledVia",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceNamesList",
    "aws:ResourceOrgPaths",
    "aws:SourceOrgPaths",
    "aws:TagKeys",
    "aws:VpceOrgPaths",
}


def test_table_shape() -> None:
    names = [k.name.lower() for k in GLOBAL_KEYS]
    assert len(names) == len(set(names))
    assert all(k.name.startswith("aws:") and k.is_global for k in GLOBAL_KEYS)
    assert {k.name for k in GLOBAL_KEYS if k.multivalued} == MULTIVALUED
    assert {k.name for k in GLOBAL_KEYS if k.pattern} == {
        "aws:PrincipalTag/${TagKey}",
        "aws:ResourceTag/${TagKey}",
        "aws:RequestTag/${TagKey}",
    }


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("aws:SourceIp", KeyType.IP_ADDRESS),
        ("aws:VpcSourceIp", KeyType.IP_ADDRESS),
        ("aws:CurrentTime", KeyType.DATE),
        ("aws:TokenIssueTime", KeyType.DATE),
        ("aws:MultiFactorAuthAge", KeyType.NUMERIC),
        ("aws:MultiFactorAuthPresent", KeyType.BOOL),
        ("aws:SecureTransport", KeyType.BOOL),
        ("aws:ViaAWSService", KeyType.BOOL),
        ("aws:PrincipalArn", KeyType.ARN),
        ("aws:SourceArn", KeyType.ARN),
        ("aws:PrincipalOrgID", KeyType.STRING),
        ("aws:RequestedRegion", KeyType.STRING),
        ("aws:userid", KeyType.STRING),
    ],
)
def test_types(key: str, kind: KeyType) -> None:
    info = default_catalog().condition_key(key)
    assert info is not None and info.type is kind


def test_tag_families_match_any_tag_key_but_need_one() -> None:
    c = default_catalog()
    assert c.condition_key("aws:PrincipalTag/cost-center") is not None
    assert c.condition_key("aws:PrincipalTag/") is None
    assert c.condition_key("aws:PrincipalTag") is None
