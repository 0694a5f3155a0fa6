"""Fuzz the S3 settings reader (the request's ``s3`` field, the snapshot's S3 files): any JSON value is read or
refused with an S3ShapeError naming its JSON path, never another exception; a request carrying it is decided or
refused with a RequestError.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import contextlib
from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

import parc
from parc.core.authz.request import RequestError
from parc.core.authz.s3_settings import S3ShapeError, read_acl, read_ownership, read_public_access_block, read_settings

KEYS = ["block_public_access", "bucket_acl", "object_acl", "object_ownership", "canonical_ids", "account", "bucket",
        "PublicAccessBlockConfiguration", "RestrictPublicBuckets", "IgnorePublicAcls", "Owner", "ID", "Grants",
        "Grantee", "Type", "URI", "Permission", "OwnershipControls", "Rules", "ObjectOwnership", "Error", "Code"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(
    ["READ", "FULL_CONTROL", "Group", "CanonicalUser", "BucketOwnerEnforced", "123456789012",
     "http://acs.amazonaws.com/groups/global/AllUsers", "NoSuchPublicAccessBlockConfiguration", ""]))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)), max_leaves=20)


@fuzz
@given(JSON)
def test_the_readers_accept_or_name_the_place(value: Any) -> None:
    for reader in (read_settings, read_acl, read_ownership, read_public_access_block):
        try:
            reader(value, "s3")
        except S3ShapeError as exc:
            assert exc.path.startswith("s3")


@fuzz
@given(JSON)
def test_a_request_with_any_s3_field_is_decided_or_refused(value: Any) -> None:
    with contextlib.suppress(RequestError):
        parc.authorize({"principal": "*", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "s3": value})
