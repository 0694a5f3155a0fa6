"""A set of CloudFormation templates (and Terraform plans or .tf files, read by ``tfaccount``) as the account they
would make: ``parc audit --iac``.

The templates' roles (trust, inline, managed, boundary), users (and their groups), groups, customer-managed
policies and resource policies (buckets, queues, topics, keys, repositories, secrets, functions, domains, file
systems, vaults) become the account snapshot the audit reads (``aws iam get-account-authorization-details`` and
``resource-policies.json``, the shapes ``parc collect`` writes), in a placeholder account (111122223333, the
account AWS's documentation uses and the one parc stands in for ``AWS::AccountId``). The audit then finds
escalation paths, administrators and resources open to the world before anything is deployed, and each finding on
a policy points at the template's own line: every document keeps the positions of what the user wrote.

Values are resolved as ``parc validate`` resolves them (parameters from their defaults or ``--parameters``, names
CloudFormation generates stand in as the logical id). An ``Fn::If`` condition is decided from the parameters when
it can be (``Fn::Equals`` of known values, ``Fn::And``/``Or``/``Not``); one that cannot is taken as true and said.
What could not be read (a policy of a broken resource, a managed policy not in the templates) is said, never
dropped silently: the account loader reports an attached policy it does not have.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from parc.core.audit.inputs import AuditInput, PolicyDocument
from parc.core.audit.unread import UNREADABLE_CODES
from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JMember, JNode
from parc.loaders.iac.check import as_document
from parc.loaders.iac.cloudformation import read_template, template_context
from parc.loaders.iac.intrinsics import Resolver, Template
from parc.loaders.iac.model import EmbeddedPolicy
from parc.loaders.iac.symbolic import EXAMPLE_ACCOUNT, EXAMPLE_REGION, resource_value

PLACEHOLDER_ACCOUNT = EXAMPLE_ACCOUNT
UNREAD = "AUDIT_INPUT_UNREADABLE"
_RESOURCE_ARN_ATTR = {
    "AWS::KMS::Key": "Arn", "AWS::KMS::ReplicaKey": "Arn", "AWS::ECR::Repository": "Arn",
    "AWS::OpenSearchService::Domain": "Arn", "AWS::Elasticsearch::Domain": "Arn", "AWS::EFS::FileSystem": "Arn",
    "AWS::Backup::BackupVault": "BackupVaultArn",
}


@dataclass
class _Doc:
    """One resolved document with where it is in the template."""

    file: str
    path: str
    node: JNode


@dataclass
class _Build:
    """The would-be account under construction: the export, the resource policies, and each document's place."""

    users: dict[str, dict[str, object]] = field(default_factory=dict)
    groups: dict[str, dict[str, object]] = field(default_factory=dict)
    roles: dict[str, dict[str, object]] = field(default_factory=dict)
    policies: dict[str, dict[str, object]] = field(default_factory=dict)
    resources: dict[str, list[tuple[object, _Doc]]] = field(default_factory=dict)
    places: dict[str, _Doc] = field(default_factory=dict)
    """Engine name of a document (``<arn> inline <name>``, ``<arn> trust policy``, a policy's ARN, a resource's
    ARN) -> its place in the template."""
    problems: list[Finding] = field(default_factory=list)


@dataclass
class _Template:
    name: str
    template: Template
    policies: dict[str, list[EmbeddedPolicy]]
    branch: dict[str, bool]


def load_iac_audit(paths: list[str], given: Mapping[str, str], terraform: Sequence[tuple[str, bool]] = ()
                   ) -> AuditInput:
    """The audit's input for a set of templates, as the account they would make: ``paths`` CloudFormation,
    ``terraform`` (file, is a plan) Terraform plans and .tf files (``tfaccount``)."""
    from parc.loaders.snapshot import load_audit_snapshot

    build = _Build()
    templates: list[_Template] = []
    _terraform(terraform, build)
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            build.problems.append(Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, f"cannot read {path}: {exc}",
                                          "", None, path))
            continue
        report, root = read_template(path, text, given)
        build.problems.extend(_left_out(f) for f in report.findings if f.finding_type is FindingType.ERROR
                              or f.code == "IAC_UNCHECKED_VALUE")
        if root is None:
            continue
        t = template_context(root, given)
        by_resource: dict[str, list[EmbeddedPolicy]] = {}
        for ep in report.policies:
            by_resource.setdefault(ep.resource, []).append(ep)
        templates.append(_Template(path, t, by_resource, _decide_conditions(t, path, build.problems)))
    for tpl in templates:
        _principals(tpl, build)
        _sam_roles(tpl, build)
    for tpl in templates:
        _policy_resources(tpl, build)
        _resource_policies(tpl, build)
    with tempfile.TemporaryDirectory(prefix="parc-iac-") as tmp:
        folder = Path(tmp) / PLACEHOLDER_ACCOUNT
        folder.mkdir()
        export = {"UserDetailList": list(build.users.values()), "GroupDetailList": list(build.groups.values()),
                  "RoleDetailList": list(build.roles.values()), "Policies": list(build.policies.values())}
        (folder / "get-account-authorization-details.json").write_text(json.dumps(export), encoding="utf-8")
        merged = [{"arn": arn, "policy": {"Version": "2012-10-17", "Statement": [s for s, _ in entries]}}
                  for arn, entries in build.resources.items()]
        (folder / "resource-policies.json").write_text(json.dumps(merged), encoding="utf-8")
        inputs = load_audit_snapshot(folder)
        tmp_prefix = str(folder)
    return _relocated(inputs, build, [*paths, *(f for f, _ in terraform)], tmp_prefix)


def _terraform(files: Sequence[tuple[str, bool]], build: _Build) -> None:
    """The Terraform inputs' account, into ``build``."""
    from parc.loaders.iac.tfaccount import TfAccount, load_terraform

    if not files:
        return
    read: list[tuple[str, str, bool]] = []
    for path, is_plan in files:
        try:
            read.append((path, Path(path).read_text(encoding="utf-8-sig"), is_plan))
        except (OSError, UnicodeDecodeError) as exc:
            build.problems.append(Finding(UNREAD, FindingType.ERROR, f"cannot read {path}: {exc}", "", None, path))
    tf = TfAccount()
    load_terraform(read, tf)
    build.users.update(tf.users)
    build.groups.update(tf.groups)
    build.roles.update(tf.roles)
    build.policies.update(tf.policies)
    for arn, entries in tf.resources.items():
        build.resources.setdefault(arn, []).extend((s, _Doc(d.file, d.path, d.node)) for s, d in entries)
    build.places.update({k: _Doc(d.file, d.path, d.node) for k, d in tf.places.items()})
    build.problems.extend(_left_out(f) for f in tf.problems)


def _relocated(inputs: AuditInput, build: _Build, paths: list[str], tmp_prefix: str) -> AuditInput:
    """Point every document at its template and say the account is a placeholder."""
    first = paths[0] if paths else ""
    accounts = []
    for a in inputs.accounts:
        docs = []
        for d in a.documents:
            place = build.places.get(d.name)
            if place is not None:
                docs.append(replace(d, file=place.file, path=place.path, source=place.node, embedded=True,
                                    position=place.node.pos))
            else:
                docs.append(_resource_doc(d, build) or replace(d, file=first))
        note = Finding("IAC_PLACEHOLDER_ACCOUNT", FindingType.SUGGESTION, "The templates are audited as the account "
                       f"they would make, in the placeholder account {PLACEHOLDER_ACCOUNT}: "
                       f"{', '.join(paths)}. Nothing here was read from a deployed account.", "", None, first)
        problems = tuple(_moved(p, tmp_prefix, first, build) for p in a.problems) + tuple(build.problems) + (note,)
        accounts.append(replace(a, documents=tuple(docs), problems=problems, folder=", ".join(paths)))
    estate = replace(inputs.estate, accounts=tuple(
        replace(acc, findings=tuple(_moved(f, tmp_prefix, first, build) for f in acc.findings))
        for acc in inputs.estate.accounts))
    return AuditInput.build(estate, tuple(accounts), "templates: " + ", ".join(paths), inputs.collection)


def _moved(f: Finding, tmp_prefix: str, first: str, build: _Build) -> Finding:
    """A finding of the account loader on the synthesized files, at the template document it is about (the
    document's engine name is in the message), else at the first template."""
    if not (f.file and f.file.startswith(tmp_prefix)):
        return f
    for name in sorted(build.places, key=len, reverse=True):
        if name in f.message:
            place = build.places[name]
            return replace(f, file=place.file, path=place.path, position=place.node.pos)
    return replace(f, file=first, path="", position=None)


def _resource_doc(d: PolicyDocument, build: _Build) -> PolicyDocument | None:
    """A resource policy made of the statements of one or more template documents (a function's permissions):
    positioned at the first one's statements."""
    entries = build.resources.get(d.name)
    if not entries:
        return None
    statements = [JNode(_statement_node(s, place).members, "object", _statement_node(s, place).pos)
                  for s, place in entries]
    pos = entries[0][1].node.pos
    node = JNode([JMember("Version", pos, JNode("2012-10-17", "string", pos)),
                  JMember("Statement", pos, JNode(statements, "array", pos))], "object", pos)
    first = entries[0][1]
    return replace(d, file=first.file, path=first.path, source=node, embedded=True, position=pos)


def _statement_node(statement: object, place: _Doc) -> JNode:
    """The positioned statement of ``place`` equal to ``statement`` (else the document's own node)."""
    st = place.node.get("Statement") if place.node.kind == "object" else None
    items = ([st.node] if st is not None and st.node.kind == "object" else st.node.items if st is not None else [])
    for i in items:
        if i.to_python() == statement:
            return i
    return place.node


# -- conditions ------------------------------------------------------------------------------------------------
def _decide_conditions(t: Template, name: str, problems: list[Finding]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for c in t.conditions:
        value = _condition(t, t.conditions[c], out, 0)
        if value is None:
            problems.append(Finding(UNREAD, FindingType.ERROR, f"Condition {c} depends on values known only at "
                                    "deploy time: audited as true only (IAC_CONDITION_ASSUMED); what it decides "
                                    "when false is not audited.", f"Conditions.{c}", t.conditions[c].pos, name))
            value = True
        out[c] = value
    return out


def _condition(t: Template, node: JNode, done: dict[str, bool], depth: int) -> bool | None:
    if depth > 20 or node.kind != "object" or len(node.members) != 1:
        return None
    fn, arg = node.members[0].key, node.members[0].node
    if fn == "Condition" and arg.kind == "string":
        name = str(arg.value)
        if name in done:
            return done[name]
        return _condition(t, t.conditions[name], done, depth + 1) if name in t.conditions else None
    items = arg.items if arg.kind == "array" else []
    if fn == "Fn::Equals" and len(items) == 2:
        r = Resolver(t, {})
        a, b = r.resolve(items[0]), r.resolve(items[1])
        if a is None or b is None or r.opaque or r.findings:
            return None
        return json.dumps(a.to_python()) == json.dumps(b.to_python())
    values = [_condition(t, i, done, depth + 1) for i in items]
    if fn == "Fn::Not" and len(values) == 1:
        return None if values[0] is None else not values[0]
    if fn == "Fn::And" and values:
        return False if False in values else None if None in values else True
    if fn == "Fn::Or" and values:
        return True if True in values else None if None in values else False
    return None


# -- principals and their policies ------------------------------------------------------------------------------
def _resolve(tpl: _Template, node: JNode | None) -> JNode | None:
    if node is None:
        return None
    return Resolver(tpl.template, tpl.branch).resolve(node)


def _strings(tpl: _Template, node: JNode | None) -> list[str]:
    v = _resolve(tpl, node)
    if v is None:
        return []
    return [str(i.value) for i in (v.items if v.kind == "array" else [v]) if i.kind == "string"]


def _exists(tpl: _Template, node: JNode) -> bool:
    c = node.get("Condition") if node.kind == "object" else None
    return c is None or c.node.kind != "string" or tpl.branch.get(str(c.node.value), True)


def _props(node: JNode) -> JNode | None:
    p = node.get("Properties") if node.kind == "object" else None
    return p.node if p is not None and p.node.kind == "object" else None


def _prop(node: JNode, key: str) -> JNode | None:
    props = _props(node)
    m = props.get(key) if props is not None else None
    return m.node if m is not None else None


def _left_out(f: Finding) -> Finding:
    """A part of a template the audit could not read (a syntax error, a loop it could not expand, a SAM policy
    template): the audit's "could not be read" code, so that the report says it and a --fail-on gate cannot pass."""
    if f.code in UNREADABLE_CODES:
        return f
    return replace(f, code=UNREAD, finding_type=FindingType.ERROR, message=f"{f.message} ({f.code})")


def _documents(tpl: _Template, logical: str, problems: list[Finding] | None = None
               ) -> Iterator[tuple[EmbeddedPolicy, _Doc, object]]:
    for ep in tpl.policies.get(logical, []):
        r = Resolver(tpl.template, tpl.branch)
        resolved = r.resolve(ep.node)
        if r.opaque and problems is not None:
            problems.append(Finding(UNREAD, FindingType.ERROR, "The policy uses values known only at deploy time "
                                    "(an import, a parameter without a value, an attribute parc has no shape for): "
                                    "audited with parc's stand-ins, and a finding could depend on them.", ep.path,
                                    ep.node.pos, tpl.name, resource=ep.resource))
        found: list[Finding] = []
        doc = as_document(resolved, ep, tpl.name, found) if resolved is not None else None
        if doc is not None:
            yield ep, _Doc(tpl.name, ep.path, doc), doc.to_python()


def _principals(tpl: _Template, build: _Build) -> None:
    t = tpl.template
    for logical, (rtype, node) in t.resources.items():
        if rtype not in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") or not _exists(tpl, node):
            continue
        name = resource_value(logical, rtype, node, None).example
        arn = resource_value(logical, rtype, node, "Arn").example
        path = (_strings(tpl, _prop(node, "Path")) or ["/"])[0]
        kind = rtype.rsplit("::", 1)[1]
        entry: dict[str, object] = {f"{kind}Name": name, f"{kind}Id": f"AIDA{logical.upper()[:16]:0<16}",
                                    "Arn": arn, "Path": path, "AttachedManagedPolicies": [
                                        {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a}
                                        for a in _strings(tpl, _prop(node, "ManagedPolicyArns"))]}
        inline: list[dict[str, object]] = []
        for ep, place, doc in _documents(tpl, logical, build.problems):
            if ep.path.endswith("AssumeRolePolicyDocument"):
                entry["AssumeRolePolicyDocument"] = doc
                build.places[f"{arn} trust policy"] = place
                continue
            pname = _inline_name(node, ep.path) or f"policy{len(inline)}"
            inline.append({"PolicyName": pname, "PolicyDocument": doc})
            build.places[f"{arn} inline {pname}"] = place
        entry[f"{kind}PolicyList"] = inline
        boundary = _strings(tpl, _prop(node, "PermissionsBoundary"))
        if boundary and kind != "Group":
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary[0]}
        if kind == "User":
            entry["GroupList"] = _strings(tpl, _prop(node, "Groups"))
        if kind == "Role":
            entry.setdefault("AssumeRolePolicyDocument", {"Version": "2012-10-17", "Statement": []})
            entry["InstanceProfileList"] = []
        {"Role": build.roles, "User": build.users, "Group": build.groups}[kind][name] = entry


_SAM_TRUST = {"AWS::Serverless::Function": "lambda.amazonaws.com",
              "AWS::Serverless::StateMachine": "states.amazonaws.com"}
_SAM_MANAGED = {"AWS::Serverless::Function": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}


def _sam_roles(tpl: _Template, build: _Build) -> None:
    """The role SAM makes for a function or state machine without Role: ``<LogicalId>Role``, trusting the service
    (or its AssumeRolePolicyDocument), its Policies' documents inline, the managed policies it names (and, for a
    function, AWSLambdaBasicExecutionRole) attached
    (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)."""
    for logical, (rtype, node) in tpl.template.resources.items():
        if rtype not in _SAM_TRUST or not _exists(tpl, node) or _prop(node, "Role") is not None:
            continue
        name = f"{logical}Role"
        arn = f"arn:aws:iam::{PLACEHOLDER_ACCOUNT}:role/{name}"
        trust: object = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                               "Principal": {"Service": _SAM_TRUST[rtype]}}]}
        # the trust policy SAM writes: its findings point at the resource that makes it
        build.places[f"{arn} trust policy"] = _Doc(tpl.name, f"Resources.{logical}", _positioned(trust, node.pos))
        managed = [_SAM_MANAGED[rtype]] if rtype in _SAM_MANAGED else []
        policies = _prop(node, "Policies")
        items = (policies.items if policies.kind == "array" else [policies]) if policies is not None else []
        for item in items:
            v = _resolve(tpl, item) if item.kind != "object" or item.get("Statement") is None else None
            if v is not None and v.kind == "string":
                text = str(v.value)
                managed.append(text if text.startswith("arn:") else f"arn:aws:iam::aws:policy/{text}")
        inline: list[dict[str, object]] = []
        for ep, place, doc in _documents(tpl, logical, build.problems):
            if ep.path.endswith("AssumeRolePolicyDocument"):
                trust = doc
                build.places[f"{arn} trust policy"] = place
                continue
            pname = f"{logical}RolePolicy{len(inline)}"
            inline.append({"PolicyName": pname, "PolicyDocument": doc})
            build.places[f"{arn} inline {pname}"] = place
        entry: dict[str, object] = {"RoleName": name, "RoleId": f"AROA{logical.upper()[:16]:0<16}", "Arn": arn,
                                    "Path": "/", "AssumeRolePolicyDocument": trust, "RolePolicyList": inline,
                                    "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a}
                                                                for a in managed], "InstanceProfileList": []}
        boundary = _strings(tpl, _prop(node, "PermissionsBoundary"))
        if boundary:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary[0]}
        build.roles[name] = entry


def _positioned(value: object, pos: Position) -> JNode:
    if isinstance(value, dict):
        return JNode([JMember(str(k), pos, _positioned(v, pos)) for k, v in value.items()], "object", pos)
    if isinstance(value, list):
        return JNode([_positioned(v, pos) for v in value], "array", pos)
    return JNode(value, "string" if isinstance(value, str) else "bool" if isinstance(value, bool) else "number"
                 if isinstance(value, int | float) else "null", pos)


def _inline_name(node: JNode, path: str) -> str | None:
    """The PolicyName of ``Properties.Policies[i]`` that ``path`` names."""
    marker = ".Policies["
    if marker not in path:
        return None
    index = path.split(marker, 1)[1].split("]", 1)[0]
    lst = _prop(node, "Policies")
    if lst is None or lst.kind != "array" or not index.isdigit() or int(index) >= len(lst.items):
        return None
    item = lst.items[int(index)]
    n = item.get("PolicyName") if item.kind == "object" else None
    return str(n.node.value) if n is not None and n.node.kind == "string" else None


def _policy_resources(tpl: _Template, build: _Build) -> None:
    """AWS::IAM::ManagedPolicy (a customer-managed policy, attached to its Roles/Users/Groups) and the inline kinds
    (AWS::IAM::Policy, RolePolicy, UserPolicy, GroupPolicy: PutRolePolicy on each target)."""
    t = tpl.template
    for logical, (rtype, node) in t.resources.items():
        if not _exists(tpl, node):
            continue
        if rtype == "AWS::IAM::ManagedPolicy":
            arn = resource_value(logical, rtype, node, None).example
            for _, place, doc in _documents(tpl, logical, build.problems):
                build.policies[arn] = {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyId": f"ANPA{logical.upper()[:16]}",
                                       "Arn": arn, "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 0,
                                       "IsAttachable": True, "PolicyVersionList": [
                                           {"Document": doc, "VersionId": "v1", "IsDefaultVersion": True}]}
                build.places[arn] = place
            for key, table in (("Roles", build.roles), ("Users", build.users), ("Groups", build.groups)):
                for target in _strings(tpl, _prop(node, key)):
                    entry = table.get(target)
                    attached = entry.get("AttachedManagedPolicies") if entry is not None else None
                    if isinstance(attached, list):
                        attached.append({"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn})
        elif rtype in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
            pname = (_strings(tpl, _prop(node, "PolicyName")) or [logical])[0]
            for _, place, doc in _documents(tpl, logical, build.problems):
                for key, table, kind in (("Roles", build.roles, "Role"), ("RoleName", build.roles, "Role"),
                                         ("Users", build.users, "User"), ("UserName", build.users, "User"),
                                         ("Groups", build.groups, "Group"), ("GroupName", build.groups, "Group")):
                    for target in _strings(tpl, _prop(node, key)):
                        entry = table.get(target)
                        if entry is None:
                            continue
                        lst = entry.setdefault(f"{kind}PolicyList", [])
                        if isinstance(lst, list):
                            lst.append({"PolicyName": pname, "PolicyDocument": doc})
                            build.places[f"{entry['Arn']} inline {pname}"] = place
        elif rtype == "AWS::IAM::UserToGroupAddition":
            group = (_strings(tpl, _prop(node, "GroupName")) or [""])[0]
            for user in _strings(tpl, _prop(node, "Users")):
                entry = build.users.get(user)
                groups = entry.get("GroupList") if entry is not None else None
                if isinstance(groups, list) and group not in groups:
                    groups.append(group)


# -- resource policies ------------------------------------------------------------------------------------------
def _resource_policies(tpl: _Template, build: _Build) -> None:
    t = tpl.template
    for logical, (rtype, node) in t.resources.items():
        if not _exists(tpl, node) or rtype.startswith("AWS::IAM::"):
            continue
        for ep, place, doc in _documents(tpl, logical, build.problems):
            if ep.policy_type is None or ep.policy_type.value != "resource":
                continue
            for arn in _resource_arns(tpl, logical, rtype, node):
                statements = doc.get("Statement") if isinstance(doc, dict) else None
                items = statements if isinstance(statements, list) else [statements] if statements else []
                for s in items:
                    build.resources.setdefault(arn, []).append((s, place))


def _resource_arns(tpl: _Template, logical: str, rtype: str, node: JNode) -> list[str]:
    """The ARNs of the resources a resource policy applies to."""
    acct, region = PLACEHOLDER_ACCOUNT, EXAMPLE_REGION
    if rtype == "AWS::S3::BucketPolicy":
        return [b if b.startswith("arn:") else f"arn:aws:s3:::{b}" for b in _strings(tpl, _prop(node, "Bucket"))]
    if rtype == "AWS::SQS::QueuePolicy":
        out = []
        for url in _strings(tpl, _prop(node, "Queues")):
            parts = url.rstrip("/").split("/")
            host = parts[2].split(".") if len(parts) > 2 else []
            region = host[1] if len(host) > 1 else region
            out.append(f"arn:aws:sqs:{region}:{parts[-2] if len(parts) > 1 else acct}:{parts[-1]}")
        return out
    if rtype == "AWS::SNS::TopicPolicy":
        return _strings(tpl, _prop(node, "Topics"))
    if rtype == "AWS::SecretsManager::ResourcePolicy":
        return _strings(tpl, _prop(node, "SecretId"))
    if rtype == "AWS::Lambda::Permission":
        out = []
        for f in _strings(tpl, _prop(node, "FunctionName")):
            out.append(f if f.startswith("arn:") else f"arn:aws:lambda:{region}:{acct}:function:{f}")
        return out
    attr = _RESOURCE_ARN_ATTR.get(rtype)
    if attr is not None:
        return [resource_value(logical, rtype, node, attr).example]
    return []

