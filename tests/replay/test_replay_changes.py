"""Proposed changes applied to an estate (parc.core.replay.changes): where an added SCP goes in an organization,
an SCP statement removed by name, an inline policy added, and changes that name nothing. The evaluation rule an
added SCP relies on: within one level an action must be allowed by some SCP and denied by none; every level must
allow it. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
"""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_helpers import ACCT, allow, arn, deny, doc, export, level, org, snapshot, user, write_account

from parc.api import rcp_supported_services
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.account.principals import resolve
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy_strict
from parc.core.replay import Change, ChangeError, apply
from parc.loaders.account import load_snapshot

ALICE = arn("user", "alice")


def _allowed(estate: Estate, action: str, resource: str = "*") -> bool:
    ev = Evaluator(estate, rcp_services=rcp_supported_services())
    return ev.decide(resolve(estate, ALICE), action, resource).allowed


def _org_estate(tmp: Path) -> Estate:
    details = export(users=[user("alice", policies={"p": doc(allow(["s3:*", "ec2:*"]))})])
    organization = org([level("r-1", "ROOT", [doc(allow("*"))]),
                        level("ou-1-aaaaaaaa", "ORGANIZATIONAL_UNIT", [doc(allow("*"))]),
                        level(ACCT, "ACCOUNT", [doc(allow(["s3:*", "ec2:*"]))])])
    write_account(tmp / ACCT, details, organization=organization)
    return load_snapshot(tmp / ACCT)


def _scp(d: dict[str, object], name: str = "proposed") -> Change:
    return Change("scp", "", parse_policy_strict(d, PolicyType.SCP, name), text="scp:+x")


def test_added_deny_scp_joins_the_account_level(tmp_path: Path) -> None:
    estate = _org_estate(tmp_path)
    assert _allowed(estate, "ec2:DescribeInstances")
    after = apply(estate, [_scp(doc(deny("ec2:*")))])
    assert not _allowed(after, "ec2:DescribeInstances")
    assert _allowed(after, "s3:ListAllMyBuckets")  # the level's other SCP still allows s3
    assert _allowed(estate, "ec2:DescribeInstances")  # the snapshot itself is unchanged


def test_added_allow_scp_widens_its_level_only(tmp_path: Path) -> None:
    """An Allow SCP beside the account level's SCP widens that level (OR within a level), never past the others."""
    estate = _org_estate(tmp_path)
    after = apply(estate, [_scp(doc(allow("iam:*")))])
    assert not _allowed(estate, "iam:ListUsers")
    assert not _allowed(after, "iam:ListUsers")  # alice's own policy does not allow iam


def test_without_scps_the_new_scp_sits_beside_full_aws_access(tmp_path: Path) -> None:
    estate = load_snapshot(snapshot(tmp_path))
    after = apply(estate, [_scp(doc(deny("dynamodb:GetItem")))])
    table = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/Orders"
    assert _allowed(estate, "dynamodb:GetItem", table)
    assert not _allowed(after, "dynamodb:GetItem", table)
    assert _allowed(after, "dynamodb:Query", table)


def test_remove_a_statement_from_an_scp_by_name(tmp_path: Path) -> None:
    details = export(users=[user("alice", policies={"p": doc(allow("ec2:*"))})])
    write_account(tmp_path / ACCT, details, organization=org([
        level("r-1", "ROOT", [doc(allow("*"))]),
        level(ACCT, "ACCOUNT", [doc(allow("*")), doc({**deny("ec2:*"), "Sid": "NoEc2"})])]))
    estate = load_snapshot(tmp_path / ACCT)
    assert not _allowed(estate, "ec2:DescribeInstances")
    after = apply(estate, [Change("remove", f"{ACCT}-scp1", sid="NoEc2", text="remove")])
    assert _allowed(after, "ec2:DescribeInstances")
    with pytest.raises(ChangeError, match="no statement with Sid"):
        apply(estate, [Change("remove", f"{ACCT}-scp1", sid="Nope", text="remove")])


def test_inline_policy_added_and_unknown_targets(tmp_path: Path) -> None:
    estate = load_snapshot(snapshot(tmp_path))
    pol = parse_policy_strict(doc(allow("sqs:SendMessage")), PolicyType.IDENTITY, "new")
    after = apply(estate, [Change("policy", f"{ALICE}#Extra", pol, text="policy")])
    assert _allowed(after, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:q")
    with pytest.raises(ChangeError, match="no user, group or role"):
        apply(estate, [Change("policy", f"{arn('user', 'nobody')}#X", pol, text="policy")])
    with pytest.raises(ChangeError, match="not in the snapshot"):
        apply(estate, [Change("scp", "999999999999", pol, text="scp")])
