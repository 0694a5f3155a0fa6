"""``who-can`` and ``what-can``: every principal allowed an action on a resource, with the condition keys that gate
it; and a principal's effective permissions grouped by resource pattern and access level.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

from pathlib import Path

import pytest
from account_helpers import (
    ACCT,
    EXAMPLE,
    PROD,
    V,
    allow,
    arn,
    deny,
    doc,
    evaluator_of,
    export,
    level,
    org,
    role,
    trust,
    user,
)

from parc.catalog import default_catalog
from parc.core.account import Evaluator, what_can, who_can
from parc.loaders.account import load_snapshot

CONDITION_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
CONDITION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    return Evaluator(load_snapshot(EXAMPLE))


def table(result: object) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {e.principal.arn: (e.verdict.label, e.verdict.conditions) for e in result.entries}  # type: ignore[attr-defined]


def test_who_can_read_prod_exports(ev: Evaluator) -> None:
    r = who_can(ev, "s3:GetObject", "arn:aws:s3:::prod-customer-data/exports/report.csv")
    got = table(r)
    assert got == {
        f"arn:aws:iam::{PROD}:user/alice": ("Allow", ()),
        f"arn:aws:iam::{PROD}:user/bob": ("Allow", ()),
        f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole": ("Allow", ()),
        f"arn:aws:iam::{PROD}:role/cfn-exec": ("Allow", ()),
        f"arn:aws:iam::{PROD}:role/ops-admin": ("Allow", ()),
        # Cross-account through the bucket policy, but the development OU's SCP denies outside two regions:
        # allowed only for some aws:RequestedRegion (CONDITION: a missing key makes StringNotEquals true).
        "arn:aws:iam::777788889999:role/analytics": ("ConditionalAllow", ("aws:RequestedRegion",)),
    }
    assert r.side.name == "arn:aws:s3:::prod-customer-data"
    d = r.to_dict()
    assert d["principals"][0]["decision"] == "Allow" and "conditions" in d["principals"][0]


def test_who_can_assume_a_service_role_is_the_service(ev: Evaluator) -> None:
    r = who_can(ev, "sts:AssumeRole", f"arn:aws:iam::{PROD}:role/ops-admin")
    assert table(r) == {"ec2.amazonaws.com": ("Allow", ())}


def test_who_can_decrypt_with_the_key(ev: Evaluator) -> None:
    key = f"arn:aws:kms:eu-west-1:{PROD}:key/1f2e3d4c-5b6a-4789-8abc-0123456789ab"
    got = table(who_can(ev, "kms:Decrypt", key))
    assert got[f"arn:aws:iam::{PROD}:role/app-runtime"] == ("Allow", ())
    assert f"arn:aws:iam::{PROD}:user/dynamo-admin" not in got
    assert not any(a.startswith("arn:aws:iam::777788889999") for a in got)  # the key policy names no one there


def test_principals_outside_the_snapshot_named_by_the_resource_policy(tmp_path: Path) -> None:
    bucket = {"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::555566667777:role/reader"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/public/*"},
    ]}
    ev = evaluator_of(tmp_path, export(users=[user("u")]),
                      resource_policies=[{"arn": "arn:aws:s3:::b", "policy": bucket}])
    private = table(who_can(ev, "s3:GetObject", "arn:aws:s3:::b/private/x"))
    assert private == {
        "arn:aws:iam::999988887777:root": ("Allow", ()),
        "arn:aws:iam::555566667777:role/reader": ("Allow", ()),
        "cloudtrail.amazonaws.com": ("Allow", ()),
    }
    public = table(who_can(ev, "s3:GetObject", "arn:aws:s3:::b/public/x"))
    # A Principal "*" grant in the account's own bucket policy reaches anyone, and the account's users directly.
    assert public["*"] == ("Allow", ())
    assert public[arn("user", "u")] == ("Allow", ())
    kinds = {e.principal.arn: e.principal.kind for e in who_can(ev, "s3:GetObject", "arn:aws:s3:::b/private/x").entries}
    assert kinds["arn:aws:iam::999988887777:root"] == "account" and kinds["cloudtrail.amazonaws.com"] == "service"


def test_condition_keys_that_gate_each_principal(tmp_path: Path) -> None:
    on_ip = doc(allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    on_tag = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))
    unless_mfa = doc(allow("s3:GetObject"), deny("s3:*", "*", Condition={
        "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
    details = export(users=[
        user("plain", policies={"p": doc(allow("s3:GetObject"))}),
        user("from-office", policies={"p": on_ip}),
        user("blue", policies={"p": on_tag}, tags={"team": "blue"}),
        user("red", policies={"p": on_tag}, tags={"team": "red"}),
        user("needs-mfa", policies={"p": unless_mfa}),
        user("nothing"),
    ])
    ev = evaluator_of(tmp_path, details)
    got = {k.rsplit("/", 1)[1]: v for k, v in table(who_can(ev, "s3:GetObject", "arn:aws:s3:::b/k")).items()}
    assert got == {
        "plain": ("Allow", ()),
        "blue": ("Allow", ("aws:PrincipalTag/team",)),  # decided with the user's own tag: gated, and satisfied
        "from-office": ("ConditionalAllow", ("aws:SourceIp",)),  # a request-time key: allowed from some addresses
        "needs-mfa": ("ConditionalAllow", ("aws:MultiFactorAuthPresent",)),  # the deny lifts with MFA
        # red: its tag is a fact of the snapshot, never relaxed; nothing: no statement names the action
    }


def test_strict_mode_lists_only_unconditional_allows(tmp_path: Path) -> None:
    on_ip = doc(allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    ev = evaluator_of(tmp_path, export(users=[user("a", policies={"p": on_ip})]))
    assert who_can(ev, "s3:GetObject", "arn:aws:s3:::b/k", relax=False).entries == ()
    given = who_can(ev, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "10.1.2.3"}, relax=False)
    assert table(given) == {arn("user", "a"): ("Allow", ("aws:SourceIp",))}


def test_scp_deny_with_a_missing_key_is_conditional(tmp_path: Path) -> None:
    region = doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                  "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})
    organization = org([level("r-1", "ROOT", [doc(allow("*")), region]), level(ACCT, "ACCOUNT", [doc(allow("*"))])])
    ev = evaluator_of(tmp_path, export(users=[user("u", policies={"p": doc(allow("*"))})]), organization=organization)
    assert table(who_can(ev, "s3:GetObject", "arn:aws:s3:::b/k")) == {
        arn("user", "u"): ("ConditionalAllow", ("aws:RequestedRegion",))}
    assert table(who_can(ev, "iam:ListUsers", "*")) == {arn("user", "u"): ("Allow", ())}


def test_who_can_with_a_trust_policy_naming_a_role_in_the_account(tmp_path: Path) -> None:
    details = export(roles=[role("a", trust({"Service": "ec2.amazonaws.com"})),
                            role("b", trust({"AWS": arn("role", "a")}))])
    ev = evaluator_of(tmp_path, details)
    # Same account: a trust policy naming the role ARN is enough, no identity policy needed.
    assert table(who_can(ev, "sts:AssumeRole", arn("role", "b"))) == {arn("role", "a"): ("Allow", ())}


# ---------------------------------------------------------------- what-can


def grants(result: object) -> dict[tuple[str, str], tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return {(g.resource, g.access_level): (g.decision, g.conditions, g.actions) for g in result.grants}  # type: ignore[attr-defined]


def test_what_can_app_runtime(ev: Evaluator) -> None:
    r = what_can(ev, "app-runtime", default_catalog())
    got = grants(r)
    assert got[("arn:aws:s3:::prod-customer-data/orders/*", "Read")] == ("Allow", (), ("s3:GetObject",))
    assert got[(f"arn:aws:dynamodb:eu-west-1:{PROD}:table/orders", "Read")] == (
        "Allow", (), ("dynamodb:GetItem", "dynamodb:Query"))
    assert got[(f"arn:aws:dynamodb:eu-west-1:{PROD}:table/orders", "Write")][2] == ("dynamodb:PutItem",)
    assert got[("*", "Write")][2] == ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
    assert r.to_dict()["principal"] == f"arn:aws:iam::{PROD}:role/app-runtime"


def test_what_can_with_a_service_filter_and_a_boundary(ev: Evaluator) -> None:
    # PowerUserAccess's NotAction excludes iam:*; its second statement allows iam:CreateServiceLinkedRole, but
    # alice's boundary allows only iam:Get*, iam:List* and PassRole on role/app-*.
    r = what_can(ev, "alice", default_catalog(), "iam")
    got = grants(r)
    assert ("*", "Write") not in got
    assert "iam:ListRoles" in got[("*", "List")][2]
    assert all(a.startswith("iam:") for g in r.grants for a in g.actions)
    assert r.denied >= 1  # iam:CreateServiceLinkedRole and friends: proposed, then denied by the boundary


def test_what_can_conditional_grants(ev: Evaluator) -> None:
    r = what_can(ev, "dynamo-admin", default_catalog(), "iam")
    got = grants(r)
    assert got[("*", "Permissions management")] == (
        "ConditionalAllow", ("iam:PolicyArn",), ("iam:AttachUserPolicy", "iam:DetachUserPolicy"))
    # The seed's list actions are written "iam>..." and grant nothing; the production SCP denies creating users,
    # keys and login profiles, so what remains writable is the user's own password and key state.
    assert ("*", "List") not in got
    assert got[("*", "Write")] == ("Allow", (), ("iam:ChangePassword", "iam:UpdateAccessKey"))


def test_what_can_only_star_grants_actions_without_resource_types(tmp_path: Path) -> None:
    # s3:ListAllMyBuckets supports no resource-level permissions: a statement naming a bucket does not grant it.
    details = export(users=[user("u", policies={"p": doc(allow(["s3:ListAllMyBuckets", "s3:GetObject"],
                                                               "arn:aws:s3:::b/*"))})])
    ev = evaluator_of(tmp_path, details)
    got = grants(what_can(ev, "u", default_catalog()))
    assert got == {("arn:aws:s3:::b/*", "Read"): ("Allow", (), ("s3:GetObject",))}


def test_what_can_includes_grants_from_resource_policies(ev: Evaluator) -> None:
    got = grants(what_can(ev, "analytics", default_catalog(), "s3"))
    assert got[("arn:aws:s3:::prod-customer-data/exports/*", "Read")] == (
        "ConditionalAllow", ("aws:RequestedRegion",), ("s3:GetObject",))
