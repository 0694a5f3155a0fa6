"""Decision classes (issue 17): answers shared between principals of one class are exactly the answers each
principal gets on its own (``Evaluator(share=False)``, the per-principal reference), including principals that
differ only in tags or name read by conditions, roles trusted by the account root or ``*`` under conditions, and
boundaries.

AWS evaluates only the statements whose action matches the request:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
Principal tags and ``${aws:username}`` in conditions and resources:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
A trust policy naming the account (root) delegates to the account's own policies:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from account_helpers import (
    ACCT,
    ADMIN_ARN,
    EXAMPLE,
    admin_policy,
    allow,
    arn,
    deny,
    doc,
    export,
    group,
    managed,
    role,
    trust,
    user,
    write_account,
)

import benchmark_modules
from parc.core.account import Evaluator, assume, escalation, who_can
from parc.core.account.model import Estate
from parc.core.account.prefilter import Universe
from parc.loaders.account import load_snapshot

ROOT = f"arn:aws:iam::{ACCT}:root"


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _answers(estate: Estate, share: bool, questions: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    ev = Evaluator(estate, share=share)
    out["assume"] = _canon(assume(ev).to_dict())
    ev = Evaluator(estate, share=share)
    out["escalation"] = _canon(escalation(ev).to_dict())
    ev = Evaluator(estate, share=share)
    for action, resource in questions:
        out[f"who-can {action} {resource}"] = _canon(who_can(ev, action, resource).to_dict())
    return out


def _same(estate: Estate, questions: list[tuple[str, str]]) -> None:
    shared = _answers(estate, True, questions)
    alone = _answers(estate, False, questions)
    for name in alone:
        assert shared[name] == alone[name], name


def _hand_built(tmp_path: Path) -> Estate:
    """Principals that share policies but differ in what conditions read, hubs, boundaries, a droppable deny."""
    team_gate = managed("team-gate", doc(allow("sts:AssumeRole", "*",
                                               Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})))
    own_prefix = managed("own-prefix", doc(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"),
                                           allow("iam:PassRole", "*"), allow("ec2:RunInstances")))
    ip_deny = managed("ip-deny", doc(deny("*", "*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    updater = managed("updater", doc(allow(["iam:AttachRolePolicy", "iam:PutRolePolicy"], arn("role", "app-*"))))
    bound = managed("bound", doc(allow(["s3:*", "sts:AssumeRole"])))
    policies = [admin_policy(), team_gate, own_prefix, ip_deny, updater, bound]
    pa = [p["Arn"] for p in policies]
    users = [
        user("alice", attached=[pa[1], pa[2]], tags={"team": "red"}),
        user("bob", attached=[pa[1], pa[2]], tags={"team": "blue"}),  # same policies, another tag
        user("carol", attached=[pa[1], pa[2]], tags={"team": "red"}),  # alice's twin but the name
        user("dave", attached=[pa[3], pa[1], pa[2]], tags={"team": "red"}),  # a droppable deny first
        user("erin", attached=[pa[1], pa[2]], tags={"team": "red"}, boundary=pa[5]),  # a boundary
        user("frank", attached=[pa[4]], groups=["ops"]),
        user("grace", attached=[pa[4]], groups=["ops"]),  # frank's twin: elevation steps shared
    ]
    roles = [
        role("hub-root", trust({"AWS": ROOT}, Bool={"aws:MultiFactorAuthPresent": "true"}), attached=[ADMIN_ARN]),
        role("hub-star", trust("*", StringEquals={"aws:PrincipalTag/team": "red"}), attached=[pa[4]]),
        role("hub-arn", trust({"AWS": ROOT}, ArnLike={"aws:PrincipalArn": arn("user", "a*")})),
        role("named", trust({"AWS": arn("user", "bob")})),
        role("app-1", trust({"Service": "ec2.amazonaws.com"}), profile=True),
        role("app-2", trust({"Service": "ec2.amazonaws.com"}), profile=True, boundary=pa[5]),
        role("app-3", trust({"AWS": ROOT}), attached=[pa[1]], tags={"team": "red"}),
        role("app-4", trust({"AWS": ROOT}), attached=[pa[1]], tags={"team": "blue"}),
    ]
    details = export(users=users, groups=[group("ops", attached=[pa[4]])], roles=roles, policies=policies)
    write_account(tmp_path / ACCT, details)
    return load_snapshot(tmp_path / ACCT)


def test_shared_answers_equal_each_principals_own(tmp_path: Path) -> None:
    estate = _hand_built(tmp_path)
    _same(estate, [("s3:GetObject", "arn:aws:s3:::home/alice/x"), ("sts:AssumeRole", arn("role", "hub-star"))])


def test_principals_differing_in_a_read_tag_or_name_are_told_apart(tmp_path: Path) -> None:
    estate = _hand_built(tmp_path)
    ev = Evaluator(estate)
    edges = {(e.source.arn, e.role.arn) for e in assume(ev).graph.edges}
    star, by_arn = arn("role", "hub-star"), arn("role", "hub-arn")
    assert (arn("user", "alice"), star) in edges and (arn("user", "bob"), star) not in edges  # the tag
    assert (arn("user", "alice"), by_arn) in edges and (arn("user", "carol"), by_arn) not in edges  # the name
    assert ev.shared > 0  # and the twins did share
    home = who_can(Evaluator(estate), "s3:GetObject", "arn:aws:s3:::home/alice/x")
    allowed = {e.principal.arn for e in home.entries if e.verdict.allowed}
    assert arn("user", "alice") in allowed and arn("user", "carol") not in allowed  # ${aws:username}


def test_the_example_organization(tmp_path: Path) -> None:
    estate = load_snapshot(EXAMPLE)
    _same(estate, [("s3:GetObject", "arn:aws:s3:::example-data/x")])


def _bench() -> Any:
    return benchmark_modules.load("bench_account")


def test_a_generated_account(tmp_path: Path) -> None:
    b = _bench()
    details, resource_policies, _ = b.generate(seed=5, roles=160, policies=90, users=24, groups=4)
    write_account(tmp_path / b.ACCT, details, resource_policies=resource_policies)
    estate = load_snapshot(tmp_path / b.ACCT)
    _same(estate, [("s3:GetObject", f"arn:aws:s3:::{b.TARGET_BUCKET}/reports/x.csv")])


def test_universe_cover_is_the_pre_check(tmp_path: Path) -> None:
    """``Universe.covered`` names exactly the members ``may_allow_on`` keeps."""
    estate = _hand_built(tmp_path)
    ev = Evaluator(estate)
    account = estate.accounts[0]
    roles = Universe(r.arn for r in account.roles)
    for p in [ev.principal(u.arn) for u in account.users] + [ev.principal(r.arn) for r in account.roles]:
        for action in ("sts:AssumeRole", "iam:AttachRolePolicy", "iam:PassRole", "s3:GetObject"):
            cover = roles.covered(ev.allows(p).for_action(action))
            want = {r for r in roles.arns if ev.allows(p).may_allow_on(action, r)}
            assert (set(roles.arns) if cover is None else set(cover)) >= want
            if cover is not None:
                assert set(cover) == want


def test_split_action_elements_name_what_the_matchers_name() -> None:
    """The fast Action / NotAction lookup (plain names in a set, wildcards matched) agrees with the matchers, on
    AWS managed policy documents and odd spellings."""
    from parc.core.account.prefilter import split_actions, split_covers, statement_may_allow
    from parc.core.policy.model import PolicyType
    from parc.core.policy.parse import parse_policy

    data = Path(__file__).resolve().parents[3] / "shared" / "data" / "aws-managed-policies"
    docs = [json.loads(f.read_text()) for f in sorted(data.glob("*.json"))[:150]] if data.is_dir() else []
    docs.append(doc(allow(["S3:getobject", "iam:?assRole", "ec2:*Instances", "kms:Decrypt*"]),
                    {"Effect": "Allow", "NotAction": ["iam:*", "STS:AssumeRole"], "Resource": "*"}))
    actions = ["s3:GetObject", "iam:PassRole", "iam:passrole", "ec2:RunInstances", "sts:AssumeRole",
               "kms:Decrypt", "lambda:CreateFunction", "iam:AttachRolePolicy", "dynamodb:DeleteTable"]
    checked = 0
    for d in docs:
        policy = parse_policy(d, PolicyType.IDENTITY, name="x").policy
        assert policy is not None
        for st in policy.statements:
            if st.effect != "Allow":
                continue
            for action in actions:
                assert bool(split_covers(split_actions(st), action.lower(), action)) == statement_may_allow(
                    st, action), (st, action)
                checked += 1
    assert checked > 50


def test_escalation_and_assume_as_the_per_pair_algorithm_gave(tmp_path: Path) -> None:
    """The expected answers were computed by the per-pair algorithm (every principal decided on its own, every
    role's trust policy against every candidate, every (actor, target) pair) before decision classes, hubs and the
    lazy search (commit 03ed297), on a generated account of 160 roles; the new paths give them byte for byte."""
    import gzip

    b = _bench()
    b.DATA = Path("/nonexistent")  # every managed policy generated: the expected answers do not depend on a folder
    details, resource_policies, real = b.generate(seed=5, roles=160, policies=90, users=24, groups=4)
    assert real == 0
    write_account(tmp_path / b.ACCT, details, resource_policies=resource_policies)
    estate = load_snapshot(tmp_path / b.ACCT)
    got = {"escalation": escalation(Evaluator(estate)).to_dict(), "assume": assume(Evaluator(estate)).to_dict()}
    expected = gzip.decompress((Path(__file__).parent / "data" / "escalation_generated_seed5.json.gz").read_bytes())
    assert json.dumps(got, sort_keys=True, separators=(",", ":"), default=str) == expected.decode().strip()
    assert got["escalation"]["paths"]  # the account has paths to compare


def test_roles_trusting_everyone_have_the_edges_of_every_candidate(tmp_path: Path) -> None:
    """``assume_graph`` decides a role trusting ``*`` per class of the snapshot's principals and the other
    candidates (anonymous ``*``, principals outside the snapshot, federated ones) apart: together, exactly the edges
    of asking every candidate of ``candidates_for`` one by one, in its order."""
    from parc.core.account.assume import assume_graph, candidates_for, population_of

    sts = managed("sts", doc(allow("sts:AssumeRole", "*")))
    policies = [sts]
    users = [user("u1", attached=[sts["Arn"]]), user("u2"), user("u3", attached=[sts["Arn"]], tags={"team": "red"})]
    roles = [
        role("open", trust("*")),
        role("ip", trust("*", IpAddress={"aws:SourceIp": "10.0.0.0/8"})),
        role("red", trust("*", StringEquals={"aws:PrincipalTag/team": "red"})),
        role("mixed", trust({"AWS": ["*", "arn:aws:iam::444455556666:root", arn("user", "u2")]})),
        role("self", trust("*"), attached=[sts["Arn"]]),
    ]
    write_account(tmp_path / ACCT, export(users=users, roles=roles, policies=policies))
    estate = load_snapshot(tmp_path / ACCT)
    for share in (True, False):
        ev = Evaluator(estate, share=share)
        got = [(e.source.arn, e.role.arn, e.action, e.verdict.allowed) for e in assume_graph(ev).edges]
        ev = Evaluator(estate, share=share)
        population = population_of(ev)
        want: list[tuple[str, str, str, bool]] = []
        for r in (r for a in estate.accounts for r in a.roles):
            side = ev.resource_side("sts:AssumeRole", r.arn)
            for p, action in candidates_for(ev, r, population):
                v = ev.verdict(p, action, r.arn, side=side)
                if v.possible:
                    want.append((p.arn, r.arn, action, v.allowed))
        assert got == want
        open_role = next(r for r in estate.accounts[0].roles if r.name == "open")
        assert "*" in [p.arn for p, _ in candidates_for(ev, open_role, population)]  # anonymous is asked too


def test_classes_differing_only_off_the_resource_share_one_decision(tmp_path: Path) -> None:
    """A role trusting ``*`` asks every class of the snapshot's principals; classes whose statements differ only in
    statements that cannot cover the role (each user allowed ``sts:AssumeRole`` on its own role) are decided once
    together (``ClassKeys.narrowed``), while a statement that does cover it (an Allow, a Deny, one with a policy
    variable, a NotResource, a boundary) keeps its class apart. Every edge, with its whole verdict, is the one the
    per-principal engine gives (``share=False``). The engine reads only statements whose Resource matches:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"""
    from parc.core.account.assume import assume_graph

    own = {f"u{i}": user(f"u{i}", policies={"own": doc(allow("sts:AssumeRole", arn("role", f"r{i}")))})
           for i in range(6)}
    special = [
        user("denied", policies={"no": doc(allow("sts:AssumeRole", arn("role", "r0")),
                                          deny("sts:AssumeRole", arn("role", "open")))}),
        user("byname", policies={"var": doc(allow("sts:AssumeRole", arn("role", "${aws:username}")))}),
        user("notres", policies={"nr": doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "NotResource": arn("role", "r1")})}),
        user("bounded", policies={"own": doc(allow("sts:AssumeRole", arn("role", "r2")))},
             boundary=arn("policy", "edge")),
    ]
    edge = managed("edge", doc(allow("s3:*")))
    roles = [role(f"r{i}", trust({"AWS": arn("user", f"u{i}")})) for i in range(6)]
    roles += [role("open", trust("*")), role("red", trust("*", StringEquals={"aws:PrincipalTag/team": "red"}))]
    write_account(tmp_path / ACCT, export(users=[*own.values(), *special], roles=roles, policies=[edge]))
    estate = load_snapshot(tmp_path / ACCT)
    graphs = {}
    for share in (True, False):
        ev = Evaluator(estate, share=share)
        graphs[share] = [json.dumps(e.to_dict(), sort_keys=True) for e in assume_graph(ev).edges]
        if share:
            ev = Evaluator(estate)
            mine = [p for p in ev.principals() if p.arn in {arn("user", f"u{i}") for i in range(6)}]
            found = ev.possible_among(mine, "sts:AssumeRole", arn("role", "open"),
                                      ev.resource_side("sts:AssumeRole", arn("role", "open")))
            assert len(mine) == 6 and [i for i, _ in found] == list(range(6))
            assert ev.decisions == 1  # six classes, one once narrowed
    assert graphs[True] == graphs[False]
    got = {(json.loads(e)["from"], json.loads(e)["to"]) for e in graphs[True]}
    opened = {s for s, r in got if r == arn("role", "open")}
    assert arn("user", "denied") not in opened and arn("user", "u3") in opened


def test_roles_whose_trust_policies_are_the_same_text_share_decisions_under_their_own_names(tmp_path: Path) -> None:
    """Roles whose trust policies are the same text share their decisions (``ClassKeys._content``); each verdict
    names its own role's trust policy, in its statements and in its reasons (an explicit deny names the statement
    that denied), exactly as deciding it alone (``share=False``) does."""
    from parc.core.account.assume import assume_graph

    sts = managed("sts", doc(allow("sts:AssumeRole", "*")))
    mfa = trust({"AWS": f"arn:aws:iam::{ACCT}:root"}, Bool={"aws:MultiFactorAuthPresent": "true"})
    fenced = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole"},
                 {"Effect": "Deny", "Principal": {"AWS": arn("user", "u2")}, "Action": "sts:AssumeRole"})
    roles = [role(f"mfa{i}", mfa) for i in range(3)] + [role(f"fenced{i}", fenced) for i in range(3)]
    users = [user("u1", attached=[sts["Arn"]]), user("u2", attached=[sts["Arn"]])]
    write_account(tmp_path / ACCT, export(users=users, roles=roles, policies=[sts]))
    estate = load_snapshot(tmp_path / ACCT)
    graphs = {}
    for share in (True, False):
        ev = Evaluator(estate, share=share)
        graphs[share] = [json.dumps(e.to_dict(), sort_keys=True) for e in assume_graph(ev).edges]
    assert graphs[True] == graphs[False] and len(graphs[True]) == 9  # u1 and u2 into mfa*, u1 into fenced*

    shared, alone = Evaluator(estate), Evaluator(estate, share=False)
    u2 = shared.principal(arn("user", "u2"))
    for i in range(3):
        r = arn("role", f"fenced{i}")
        before = shared.decisions
        got = shared.verdict(u2, "sts:AssumeRole", r, side=shared.resource_side("sts:AssumeRole", r))
        assert shared.decisions - before == (1 if i == 0 else 0)  # the first role decides, the others share
        want = alone.verdict(alone.principal(u2.arn), "sts:AssumeRole", r,
                             side=alone.resource_side("sts:AssumeRole", r))
        assert got.to_dict() == want.to_dict()
        assert got.strict.reasons == (f"Explicitly denied by {r} trust policy statement #1",)


def test_a_pattern_with_variables_is_no_candidate_where_no_value_could_match(tmp_path: Path) -> None:
    """A Resource pattern with policy variables matches, in any request, only ARNs its loose form (each variable
    written as ``*``) matches: a principal allowed ``sts:AssumeRole`` only on
    ``arn:aws:iam::*:role/share-${aws:PrincipalAccount}`` (the shape of AWS's AWSTransform*MigrationAgentPolicy) is
    no candidate for the roles trusting its account under other names, and the roles it cannot match share their
    decision classes. The loose form still keeps the roles some value could match (``share-x``: the engine decides
    and denies). Every answer equals the per-principal engine's (``share=False``). Variables in Resource:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"""
    from parc.core.account.assume import AssumeIndex, population_of

    share_own = managed("share-own", doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/share-${aws:PrincipalAccount}"),
                                         allow("iam:PassRole", arn("role", "app-${aws:username}"))))
    wide = managed("wide", doc(allow("sts:AssumeRole", "*"), allow("iam:PassRole", "*"),
                               allow("lambda:CreateFunction"), allow("lambda:InvokeFunction")))
    users = [user("mover", attached=[share_own["Arn"]]), user("mover2", attached=[share_own["Arn"]]),
             user("app-mover", attached=[share_own["Arn"], wide["Arn"]]), user("wide", attached=[wide["Arn"]])]
    roles = [role(f"hub{i}", trust({"AWS": ROOT})) for i in range(4)]
    roles += [role(f"share-{ACCT}", trust({"AWS": ROOT})), role("share-x", trust({"AWS": ROOT})),
              role("app-mover", trust({"Service": "lambda.amazonaws.com"}), attached=[ADMIN_ARN]),
              role("app-other", trust({"Service": "lambda.amazonaws.com"}))]
    write_account(tmp_path / ACCT, export(users=users, roles=roles, policies=[share_own, wide, admin_policy()]))
    estate = load_snapshot(tmp_path / ACCT)
    _same(estate, [("sts:AssumeRole", arn("role", "hub0")), ("iam:PassRole", arn("role", "app-mover"))])

    ev = Evaluator(estate)
    index = AssumeIndex(ev, population_of(ev))
    mover = ev.principal(arn("user", "mover"))
    assert [r.name for r in index.roles_for(mover)] == [f"share-{ACCT}", "share-x"]
    edges = {(e.source.arn, e.role.arn): e.verdict.label for e in assume(Evaluator(estate)).graph.edges}
    assert edges[(mover.arn, arn("role", f"share-{ACCT}"))] == "Allow"
    assert (mover.arn, arn("role", "share-x")) not in edges and (mover.arn, arn("role", "hub0")) not in edges
    # The wide user's decisions against the four hub roles are one class: the variable pattern of app-mover's
    # policy cannot match a hub role, so its hub decisions are the wide user's class too.
    ev = Evaluator(estate)
    side = ev.resource_side("sts:AssumeRole", arn("role", "hub0"))
    app_mover = ev.principal(arn("user", "app-mover"))
    keys = {ev.class_key(app_mover, "sts:AssumeRole", arn("role", f"hub{i}"), side, None, True) for i in range(4)}
    assert len(keys) == 1
    assert ev.class_key(app_mover, "sts:AssumeRole", arn("role", f"share-{ACCT}"), side, None, True) not in keys


def test_a_service_trusted_by_roles_of_the_same_trust_text_is_decided_once(tmp_path: Path) -> None:
    """A service principal is its name and nothing else: against trust policies of the same text, and roles alike in
    what those read (their tags here), its requests are one class, each verdict under its own role's trust policy.
    Every answer equals the per-principal engine's (``share=False``)."""
    from parc.core.account.assume import assume_graph

    lam = trust({"Service": "lambda.amazonaws.com"})
    tagged = trust({"Service": "lambda.amazonaws.com"}, StringEquals={"aws:ResourceTag/team": "red"})
    wide = managed("wide", doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])))
    roles = [role(f"fn{i}", lam, attached=[ADMIN_ARN] if i == 0 else []) for i in range(4)]
    roles += [role(f"red{i}", tagged, tags={"team": "red"}) for i in range(2)]
    roles += [role("blue", tagged, tags={"team": "blue"})]
    users = [user("dev", attached=[wide["Arn"]])]
    write_account(tmp_path / ACCT, export(users=users, roles=roles, policies=[wide, admin_policy()]))
    estate = load_snapshot(tmp_path / ACCT)
    _same(estate, [("iam:PassRole", arn("role", "fn1"))])

    ev = Evaluator(estate)
    edges = [e for e in assume_graph(ev).edges if e.source.kind == "service"]
    assert sorted(e.role.name for e in edges) == ["fn0", "fn1", "fn2", "fn3", "red0", "red1"]
    assert ev.decisions == 3  # fn*, red* and blue: one class each
    assert {e.verdict.decision.deciding[0].policy_name for e in edges} == {
        f"{r.arn} trust policy" for r in estate.accounts[0].roles if r.name != "blue"}


def test_trust_policies_sharing_statements_but_not_their_version_are_told_apart(tmp_path: Path) -> None:
    """Copies of one document share their statements (the loader parses a text once), and a class key knows a copy
    by them; a policy with the same statements but another field (here Version 2008-10-17, under which
    ``${aws:username}`` is plain text, not a variable) is another content and gets its own decision. Policy
    variables and Version:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"""
    from dataclasses import replace

    from parc.core.account.assume import assume_graph

    sts = managed("sts", doc(allow("sts:AssumeRole", "*")))
    gate = trust({"AWS": ROOT}, StringEquals={"aws:PrincipalTag/team": "${aws:username}"})
    write_account(tmp_path / ACCT, export(users=[user("alice", attached=[sts["Arn"]], tags={"team": "alice"})],
                                          roles=[role("new", gate), role("old", gate)], policies=[sts]))
    estate = load_snapshot(tmp_path / ACCT)
    account = estate.accounts[0]
    new, old = (r for r in account.roles)
    assert new.trust is not None and old.trust is not None and new.trust.statements is old.trust.statements
    old = replace(old, trust=replace(old.trust, version="2008-10-17"))  # the same statements object
    estate = replace(estate, accounts=(replace(account, roles=(new, old)),))
    graphs = {}
    for share in (True, False):
        graphs[share] = sorted((e.source.arn, e.role.name, e.verdict.label)
                               for e in assume_graph(Evaluator(estate, share=share)).edges)
    assert graphs[True] == graphs[False] == [(arn("user", "alice"), "new", "Allow")]


def test_a_copy_key_tells_apart_every_compared_field_but_the_name() -> None:
    """``Policy.copy_key`` stands for the content without the name: a copy sharing the statements and differing only
    in its name has the same key; a change of any other field compared by equality changes it."""
    from dataclasses import fields, replace

    from parc.core.findings import Position
    from parc.core.policy.model import PolicyType
    from parc.core.policy.parse import parse_policy

    policy = parse_policy(doc(allow("s3:GetObject")), PolicyType.IDENTITY, "p").policy
    assert policy is not None
    assert replace(policy, name="other").copy_key() == policy.copy_key()
    other = {"statements": tuple(list(policy.statements)), "version": "2008-10-17", "id": "x",
             "policy_type": PolicyType.RESOURCE, "pos": Position(9, 9), "size": policy.size + 1}
    compared = [f.name for f in fields(policy) if f.compare and f.name != "name"]
    assert sorted(compared) == sorted(other)  # a field added to Policy must be added here and to copy_key
    for name, value in other.items():
        assert replace(policy, **{name: value}).copy_key() != policy.copy_key(), name
