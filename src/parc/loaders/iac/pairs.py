"""Two versions of a template side by side, resource by resource: what ``parc diff BASE HEAD`` compares.

Each side is read as ``parc validate`` reads it. A policy is resolved under one assignment of the ``Fn::If``
conditions the two versions use (a condition defined the same way on both sides has one value on both; one whose
definition changed is two independent conditions), and a resource whose ``Condition`` is false does not exist.

Values known only at deploy time. The two versions are compared as deployments of the same stack, with the same
parameters, in the same account and region: one expression is one value on both sides. Each such value gets a
stand-in no template writes (the account parc's solver calls home, a region ``xx-parc-1``, generated names
``parc-generated-<LogicalId>``, and for a value parc knows nothing about, such as an import or a parameter without a
value, a token made from the expression itself). That is exact for what both sides share, and never widens the base
or narrows the head on a guess, except in two places a stand-in cannot be sound, which are said instead (``doubts``):
a deploy-time value inside a Deny, a ``Not*`` element or a negated condition that the other side does not have
word for word (the real value could deny less than the stand-in), and a literal that names the stand-in account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.findings import Finding
from parc.core.policy.jsonpos import JNode
from parc.core.policy.model import PolicyType
from parc.loaders.iac.cloudformation import read_template, template_context
from parc.loaders.iac.intrinsics import Resolver, Template, conditions_used
from parc.loaders.iac.model import EmbeddedPolicy
from parc.loaders.iac.standins import DIFF_GENERATED, DIFF_REGION, Doc, positions, resolve
from parc.loaders.iac.symbolic import EXAMPLE_ACCOUNT, resource_value

PRINCIPAL_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
_TARGETS = {"Roles": "AWS::IAM::Role", "Users": "AWS::IAM::User", "Groups": "AWS::IAM::Group",
            "RoleName": "AWS::IAM::Role", "UserName": "AWS::IAM::User", "GroupName": "AWS::IAM::Group"}
_POLICY_RESOURCES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
                     "AWS::IAM::GroupPolicy")
TF_ATTACHMENTS = ("aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
                  "aws_iam_group_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_group_membership",
                  "aws_iam_group_membership", "aws_iam_role_policy_attachments_exclusive",
                  "aws_iam_user_policy_attachments_exclusive", "aws_iam_group_policy_attachments_exclusive")
"""Terraform resources that grant access without holding a document: compared as changed or not (UNKNOWN when a
head adds or changes one)."""
_BROKEN_CODES = ("IAC_SYNTAX_ERROR", "IAC_INVALID_RESOURCE", "IAC_POLICY_NOT_JSON", "IAC_UNCHECKED_VALUE",
                 "IAC_UNKNOWN_TAG", "IAC_NOT_A_TEMPLATE")
SAM_TYPES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")


@dataclass
class Side:
    name: str
    text: str
    kind: str
    types: dict[str, str] = field(default_factory=dict)
    policies: dict[str, list[EmbeddedPolicy]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[Finding] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    """Resource -> why a policy of it could not be read (its comparison is UNKNOWN)."""
    template: Template | None = None
    attachments: dict[str, str] = field(default_factory=dict)
    """Terraform attachment resources: address -> their values as JSON (compared as changed or not)."""


def read_side(name: str, text: str, kind: str, given: Mapping[str, str]) -> Side:
    """Read one version of a template (``kind``: cloudformation, terraform or terraform-source)."""
    side = Side(name, text, "cloudformation" if kind == "cloudformation" else "terraform")
    if kind == "cloudformation":
        report, root = read_template(name, text, given)
        side.findings, side.unreadable = list(report.findings), list(report.unreadable)
        if root is not None:
            side.template = template_context(root, given)
            side.types = {k: t for k, (t, _) in side.template.resources.items()}
    else:
        from parc.loaders.iac.tfattach import attachments

        if kind == "terraform":
            from parc.loaders.iac.terraform import read_plan

            report = read_plan(name, text)
        else:
            from parc.loaders.iac.hcl import read_hcl

            report = read_hcl(name, text)
        side.findings, side.unreadable = list(report.findings), list(report.unreadable)
        side.attachments = attachments(text, kind)
        for address in side.attachments:
            side.types[address] = _tf_type(address)
    for ep in report.policies:
        side.policies.setdefault(ep.resource, []).append(ep)
        side.types.setdefault(ep.resource, _tf_type(ep.resource) if side.kind == "terraform" else "")
    unknown_tags = {f.position for f in side.unreadable if f.code == "IAC_UNKNOWN_TAG"}
    for ep in report.policies:
        if unknown_tags & set(positions(ep.node)):
            side.broken.setdefault(ep.resource, "a value under a tag parc does not know")
    for f in side.findings:
        if f.resource and f.code in _BROKEN_CODES and not (side.types.get(f.resource) in SAM_TYPES
                                                          and "SAM policy template" in f.message):
            side.broken.setdefault(f.resource, f.message)
    for rid in side.broken:  # a resource whose policy could not be read is compared (UNKNOWN), never left out
        side.types.setdefault(rid, _tf_type(rid) if side.kind == "terraform" else "")
    return side


def _tf_type(address: str) -> str:
    parts = [p for p in address.split(".") if p]
    return parts[-2] if len(parts) >= 2 else ""


# -- conditions ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Names:
    """The conditions of a pair: a shared name (same definition) is one variable, a changed one two."""

    base: tuple[str, ...]
    head: tuple[str, ...]
    changed: frozenset[str]

    def variables(self) -> list[str]:
        return sorted(set(self.base) | {self.head_var(c) for c in self.head})

    def head_var(self, c: str) -> str:
        return f"{c} (head)" if c in self.changed else c

    def for_base(self, a: Mapping[str, bool]) -> dict[str, bool]:
        return {c: a[c] for c in self.base}

    def for_head(self, a: Mapping[str, bool]) -> dict[str, bool]:
        return {c: a[self.head_var(c)] for c in self.head}


def condition_names(base: Side, head: Side, resource: str) -> Names:
    def used(side: Side) -> set[str]:
        out: set[str] = set()
        t = side.template
        if t is None:
            return out
        # the whole resource: an Fn::If may choose its managed policies, boundary or groups, not only its documents
        for logical in [resource, *_related(side, resource)]:
            if logical in t.resources:
                conditions_used(t.resources[logical][1], t, out)
                c = _resource_condition(side, logical)
                if c is not None:
                    out.add(c)
        for ep in _attached_policies(side, resource):
            conditions_used(ep.node, t, out)
        return {c for c in out if c in t.conditions}

    b, h = used(base), used(head)
    bc = base.template.conditions if base.template is not None else {}
    hc = head.template.conditions if head.template is not None else {}
    changed = frozenset(c for c in h if c in bc and c in hc and bc[c].to_python() != hc[c].to_python())
    return Names(tuple(sorted(b)), tuple(sorted(h)), changed)


EXHAUSTIVE = 6
"""Up to this many condition variables in a pair, every assignment is compared (64); beyond, as validate does (all
true, all false, each flipped alone), and a PASS is only UNKNOWN: not every combination was compared."""


def branch_assignments(names: Names) -> tuple[list[dict[str, bool]], bool]:
    """The assignments of the pair's conditions to compare, and whether they are all of them."""
    from parc.loaders.iac.check import assignments

    variables = names.variables()
    if len(variables) > EXHAUSTIVE:
        return assignments(variables), False
    import itertools

    return [dict(zip(variables, combo, strict=True))
            for combo in itertools.product((True, False), repeat=len(variables))], True


def _resource_condition(side: Side, resource: str) -> str | None:
    t = side.template
    if t is None or resource not in t.resources:
        return None
    node = t.resources[resource][1]
    c = node.get("Condition") if node.kind == "object" else None
    return str(c.node.value) if c is not None and c.node.kind == "string" else None


def exists(side: Side, resource: str, branch: Mapping[str, bool]) -> bool:
    c = _resource_condition(side, resource)
    return c is None or branch.get(c, True)


# -- the documents of a resource ----------------------------------------------------------------------------------
def documents(side: Side, resource: str, branch: Mapping[str, bool]) -> tuple[list[Doc], list[str]]:
    """The documents of ``resource`` under ``branch`` (a role, user or group: with every policy of the template
    attached to it), and why some could not be resolved. Empty when the resource does not exist."""
    if side.kind == "cloudformation" and not exists(side, resource, branch):
        return [], []
    out: list[Doc] = []
    why: list[str] = []
    for ep in side.policies.get(resource, []):
        d = resolve(side.template, side.name, ep, branch, why)
        if d is not None:
            out.append(d)
    if side.types.get(resource) in PRINCIPAL_TYPES:
        for ep in _attached_policies(side, resource, branch):
            d = resolve(side.template, side.name, ep, branch, why)
            if d is not None:
                out.append(Doc(d.resource, d.path, "boundary" if ep.path.startswith("@boundary") else "identity",
                               d.node, d.symbolic, d.unsound))
    return out, why


# -- what a role, user or group has from the rest of the template --------------------------------------------------
def _names(side: Side, rtype: str) -> dict[str, str]:
    """Stand-in name (as ``Ref`` gives it) -> logical id, for the template's principals of ``rtype``."""
    t = side.template
    out: dict[str, str] = {}
    if t is None:
        return out
    for logical, (kind, node) in t.resources.items():
        if kind == rtype:
            out[resource_value(logical, kind, node, None, DIFF_REGION, DIFF_GENERATED).example] = logical
    return out


def _managed_arns(side: Side) -> dict[str, str]:
    t = side.template
    out: dict[str, str] = {}
    if t is None:
        return out
    for logical, (kind, node) in t.resources.items():
        if kind == "AWS::IAM::ManagedPolicy":
            out[resource_value(logical, kind, node, None, DIFF_REGION, DIFF_GENERATED).example] = logical
    return out


def _strings(side: Side, node: JNode | None, branch: Mapping[str, bool]) -> list[str]:
    if node is None or side.template is None:
        return []
    r = Resolver(side.template, branch, region=DIFF_REGION, generated=DIFF_GENERATED)
    v = r.resolve(node)
    if v is None:
        return []
    items = v.items if v.kind == "array" else [v]
    return [str(i.value) if i.pos not in r.opaque else f"<{i.pos.line}:{i.pos.column} deploy-time value>"
            for i in items if i.kind == "string"]


def _prop(side: Side, logical: str, key: str) -> JNode | None:
    t = side.template
    if t is None or logical not in t.resources:
        return None
    node = t.resources[logical][1]
    props = node.get("Properties") if node.kind == "object" else None
    m = props.node.get(key) if props is not None and props.node.kind == "object" else None
    return m.node if m is not None else None


def targets(side: Side, logical: str, branch: Mapping[str, bool]) -> set[str]:
    """Who a policy resource (AWS::IAM::Policy, ManagedPolicy, RolePolicy ...) is attached to: ``Roles:name``."""
    out: set[str] = set()
    for key in _TARGETS:
        for name in _strings(side, _prop(side, logical, key), branch):
            out.add(f"{key.rstrip('s').replace('Name', '')}:{name}")
    return out


def _attached_policies(side: Side, principal: str, branch: Mapping[str, bool] | None = None) -> list[EmbeddedPolicy]:
    """The template's policies attached to ``principal``: its managed policies, the policy resources naming it, its
    permissions boundary (path ``@boundary``), and for a user those of the template's groups it joins."""
    t = side.template
    if t is None or principal not in t.resources:
        return []
    b = branch or {}
    rtype = t.resources[principal][0]
    if rtype not in PRINCIPAL_TYPES:
        return []
    my_name = next((n for n, lg in _names(side, rtype).items() if lg == principal), principal)
    out: list[EmbeddedPolicy] = []
    managed = _managed_arns(side)
    for arn in _strings(side, _prop(side, principal, "ManagedPolicyArns"), b):
        if arn in managed:
            out.extend(side.policies.get(managed[arn], []))
    for arn in _strings(side, _prop(side, principal, "PermissionsBoundary"), b):
        if arn in managed:
            out.extend(EmbeddedPolicy(ep.resource, f"@boundary {ep.path}", PolicyType.BOUNDARY, ep.node)
                       for ep in side.policies.get(managed[arn], []))
    short = {"AWS::IAM::Role": "Role", "AWS::IAM::User": "User", "AWS::IAM::Group": "Group"}[rtype]
    for logical, (kind, _) in t.resources.items():
        if kind in _POLICY_RESOURCES and branch is not None and not exists(side, logical, b):
            continue
        if kind in _POLICY_RESOURCES and f"{short}:{my_name}" in targets(side, logical, b):
            out.extend(side.policies.get(logical, []))
    if rtype == "AWS::IAM::User":
        for group in user_groups(side, principal, b):
            out.extend(side.policies.get(group, []))
            out.extend(ep for ep in _attached_policies(side, group, branch) if not ep.path.startswith("@boundary"))
    return out


def user_groups(side: Side, user: str, branch: Mapping[str, bool]) -> list[str]:
    """The template's groups a user joins (its Groups property, AWS::IAM::UserToGroupAddition)."""
    t = side.template
    if t is None:
        return []
    groups = _names(side, "AWS::IAM::Group")
    users = _names(side, "AWS::IAM::User")
    mine = {n for n, lg in users.items() if lg == user}
    out = [groups[g] for g in _strings(side, _prop(side, user, "Groups"), branch) if g in groups]
    for logical, (kind, _) in t.resources.items():
        if kind == "AWS::IAM::UserToGroupAddition" and exists(side, logical, branch):
            names = _strings(side, _prop(side, logical, "Users"), branch)
            group = _strings(side, _prop(side, logical, "GroupName"), branch)
            if mine & set(names) and group and group[0] in groups:
                out.append(groups[group[0]])
    return out


def external(side: Side, principal: str, branch: Mapping[str, bool]) -> dict[str, set[str]]:
    """What a principal has from outside the template: managed policy ARNs, group names, the boundary ARN."""
    out: dict[str, set[str]] = {"managed": set(), "groups": set(), "boundary": set(), "templates": set(),
                                "role": set()}
    if side.template is not None and side.types.get(principal) in SAM_TYPES:
        return _sam_external(side, principal, branch, out)
    if side.template is None or side.types.get(principal) not in PRINCIPAL_TYPES:
        return out
    managed = _managed_arns(side)
    out["managed"] = {a for a in _strings(side, _prop(side, principal, "ManagedPolicyArns"), branch)
                      if a not in managed}
    out["boundary"] = set(_strings(side, _prop(side, principal, "PermissionsBoundary"), branch))
    if side.types.get(principal) == "AWS::IAM::User":
        groups = _names(side, "AWS::IAM::Group")
        out["groups"] = {g for g in _strings(side, _prop(side, principal, "Groups"), branch) if g not in groups}
    return out


def _sam_external(side: Side, logical: str, branch: Mapping[str, bool],
                  out: dict[str, set[str]]) -> dict[str, set[str]]:
    """A SAM function's or state machine's managed policies (names or ARNs in Policies), its SAM policy templates
    (as written, resolved), its boundary, and the Role it runs as when it names one."""
    t = side.template
    if t is None:
        return out
    out["role"] = set(_strings(side, _prop(side, logical, "Role"), branch))
    out["boundary"] = set(_strings(side, _prop(side, logical, "PermissionsBoundary"), branch))
    node = _prop(side, logical, "Policies")
    items = (node.items if node.kind == "array" else [node]) if node is not None else []
    r = Resolver(t, branch, region=DIFF_REGION, generated=DIFF_GENERATED)
    for item in items:
        if item.kind == "object" and item.get("Statement") is not None:
            continue
        value = r.resolve(item)
        if value is None:
            continue
        if value.kind == "string":
            out["managed"].add(str(value.value))
        else:
            out["templates"].add(json.dumps(value.to_python(), sort_keys=True))
    return out


def _related(side: Side, principal: str) -> list[str]:
    """The resources that can give a principal access (policy resources, groups, memberships, managed policies)
    and name it: by ``Ref``/``Fn::GetAtt`` of its logical id or by its literal name."""
    t = side.template
    if t is None or side.types.get(principal) not in PRINCIPAL_TYPES:
        return []
    node = t.resources[principal][1]
    props = node.get("Properties") if node.kind == "object" else None
    literal = {str(m.node.value) for m in (props.node.members if props is not None and props.node.kind == "object"
                                            else []) if m.key.endswith("Name") and m.node.kind == "string"}
    out = []
    for lg, (kind, n) in t.resources.items():
        if lg == principal or kind not in (*_POLICY_RESOURCES, "AWS::IAM::UserToGroupAddition", "AWS::IAM::Group"):
            continue
        if _mentions(n, principal, literal) or (kind == "AWS::IAM::Group" and _mentions(node, lg, set())):
            out.append(lg)
    own = _prop(side, principal, "ManagedPolicyArns")
    for lg, (kind, _) in t.resources.items():
        if kind == "AWS::IAM::ManagedPolicy" and own is not None and _mentions(own, lg, set()) and lg not in out:
            out.append(lg)
    return out


def _mentions(node: JNode, logical: str, literal: set[str]) -> bool:
    if node.kind == "string":
        v = str(node.value)
        return v == logical or v in literal or v.startswith(logical + ".") or f"${{{logical}" in v
    if node.kind == "object":
        return any(m.key in (logical,) or _mentions(m.node, logical, literal) for m in node.members)
    if node.kind == "array":
        return any(_mentions(i, logical, literal) for i in node.items)
    return False


def policy_like(side: Side, logical: str) -> str | None:
    """A resource parc reads no policy from, but whose properties hold one by their name (``Policy``,
    ``ResourcePolicy``, ``PermissionsPolicyDocument`` ...): those properties as written, to tell whether they
    changed. None: no such property (or not a CloudFormation resource)."""
    t = side.template
    if t is None or logical not in t.resources:
        return None
    node = t.resources[logical][1]
    props = node.get("Properties") if node.kind == "object" else None
    if props is None or props.node.kind != "object":
        return None
    found = {m.key: m.node.to_python() for m in props.node.members if "polic" in m.key.lower()}
    return json.dumps(found, sort_keys=True) if found else None


def literal_account(side: Side) -> bool:
    """The template writes the account parc stands in for ``AWS::AccountId``: a stand-in could equal it by chance."""
    return EXAMPLE_ACCOUNT in side.text
