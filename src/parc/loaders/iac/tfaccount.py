"""Terraform (a plan's JSON or .tf files) as the account it would make, for ``parc audit --iac``.

Roles, users, groups and customer-managed policies become the IAM export, attachments and memberships link them,
and the resource policies become ``resource-policies.json`` (``account.py`` writes both and runs the audit). A
value Terraform knows only after apply (a generated name, a policy's ARN) is linked through the reference that
makes it (``aws_iam_policy.p.arn``): the referenced resource stands in as the name or ARN parc gives it (its
``name`` when written, else its address). What cannot be linked (a reference to a resource not in the input, a
value with no reference) is an unread part of the input (``AUDIT_INPUT_UNREADABLE``): the report says it and a
``--fail-on`` gate cannot pass, never a clean audit of an account parc could not build.

Attributes: the AWS provider's resource pages (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/
resources/iam_role_policy_attachment, iam_policy_attachment, iam_user_group_membership, iam_group_membership,
iam_role, iam_instance_profile, s3_bucket_policy ...).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JNode
from parc.loaders.iac.check import as_document
from parc.loaders.iac.model import EmbeddedPolicy
from parc.loaders.iac.symbolic import EXAMPLE_ACCOUNT, EXAMPLE_REGION
from parc.loaders.iac.tfresources import TfResource, plan_resources, references, source_resources

ACCT, REGION = EXAMPLE_ACCOUNT, EXAMPLE_REGION
UNREAD = "AUDIT_INPUT_UNREADABLE"
DOCS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs"
_NAME_CHARS = re.compile(r"[^\w+=,.@-]")

_IDENTITY: dict[str, tuple[str, str, dict[str, str]]] = {
    # type -> (the attribute that names it, its ARN from the name, attribute -> "name" or "arn")
    "aws_iam_role": ("name", "arn:aws:iam::{a}:role{path}{n}", {"name": "name", "id": "name", "arn": "arn"}),
    "aws_iam_user": ("name", "arn:aws:iam::{a}:user{path}{n}", {"name": "name", "id": "name", "arn": "arn"}),
    "aws_iam_group": ("name", "arn:aws:iam::{a}:group{path}{n}", {"name": "name", "id": "name", "arn": "arn"}),
    "aws_iam_policy": ("name", "arn:aws:iam::{a}:policy{path}{n}", {"name": "name", "id": "arn", "arn": "arn",
                                                                    "policy_arn": "arn"}),
    "aws_iam_instance_profile": ("name", "arn:aws:iam::{a}:instance-profile{path}{n}",
                                 {"name": "name", "id": "name", "arn": "arn"}),
    "aws_s3_bucket": ("bucket", "arn:aws:s3:::{n}", {"bucket": "name", "id": "name", "arn": "arn"}),
    "aws_sqs_queue": ("name", "arn:aws:sqs:{r}:{a}:{n}", {"name": "name", "arn": "arn", "id": "url", "url": "url"}),
    "aws_sns_topic": ("name", "arn:aws:sns:{r}:{a}:{n}", {"name": "name", "arn": "arn", "id": "arn"}),
    "aws_kms_key": ("key_id", "arn:aws:kms:{r}:{a}:key/{n}", {"key_id": "name", "id": "name", "arn": "arn"}),
    "aws_ecr_repository": ("name", "arn:aws:ecr:{r}:{a}:repository/{n}", {"name": "name", "id": "name",
                                                                          "arn": "arn"}),
    "aws_secretsmanager_secret": ("name", "arn:aws:secretsmanager:{r}:{a}:secret:{n}", {"name": "name",
                                                                                       "id": "arn", "arn": "arn"}),
    "aws_lambda_function": ("function_name", "arn:aws:lambda:{r}:{a}:function:{n}",
                            {"function_name": "name", "id": "name", "arn": "arn", "qualified_arn": "arn"}),
    "aws_opensearch_domain": ("domain_name", "arn:aws:es:{r}:{a}:domain/{n}", {"domain_name": "name",
                                                                              "arn": "arn", "id": "arn"}),
    "aws_elasticsearch_domain": ("domain_name", "arn:aws:es:{r}:{a}:domain/{n}", {"domain_name": "name",
                                                                                 "arn": "arn", "id": "arn"}),
}
"""What parc can say of a resource another refers to: its name (written, else its address) and its ARN."""

_RESOURCE_TARGET: dict[str, tuple[str | None, str]] = {
    # type -> (the attribute naming the resource the policy is on, None: the resource itself; the target's type)
    "aws_s3_bucket_policy": ("bucket", "aws_s3_bucket"), "aws_sqs_queue_policy": ("queue_url", "aws_sqs_queue"),
    "aws_sqs_queue": (None, "aws_sqs_queue"), "aws_sns_topic_policy": ("arn", "aws_sns_topic"),
    "aws_sns_topic": (None, "aws_sns_topic"), "aws_kms_key": (None, "aws_kms_key"),
    "aws_ecr_repository_policy": ("repository", "aws_ecr_repository"),
    "aws_secretsmanager_secret_policy": ("secret_arn", "aws_secretsmanager_secret"),
    "aws_opensearch_domain_policy": ("domain_name", "aws_opensearch_domain"),
    "aws_elasticsearch_domain_policy": ("domain_name", "aws_elasticsearch_domain"),
    "aws_lambda_permission": ("function_name", "aws_lambda_function"),
}


@dataclass
class TfDoc:
    """A policy document of the Terraform input, as ``account.py`` places it."""

    file: str
    path: str
    node: JNode
    python: object


@dataclass
class TfAccount:
    """What ``account.py`` turns into the snapshot: the IAM export's entries and the resource policies."""

    users: dict[str, dict[str, object]] = field(default_factory=dict)
    groups: dict[str, dict[str, object]] = field(default_factory=dict)
    roles: dict[str, dict[str, object]] = field(default_factory=dict)
    policies: dict[str, dict[str, object]] = field(default_factory=dict)
    resources: dict[str, list[tuple[object, TfDoc]]] = field(default_factory=dict)
    places: dict[str, TfDoc] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)


class _Linker:
    def __init__(self, resources: list[TfResource], docs: dict[tuple[str, str], TfDoc], out: TfAccount) -> None:
        self.resources = resources
        self.by_base: dict[str, list[TfResource]] = {}
        for r in resources:
            self.by_base.setdefault(r.base, []).append(r)
        self.docs = docs
        self.out = out

    # -- what a resource is called ----------------------------------------------------------------------------
    def name(self, r: TfResource) -> str:
        spec = _IDENTITY.get(r.rtype)
        given = r.values.get(spec[0]) if spec is not None else None
        if isinstance(given, str) and given:
            return given
        return _NAME_CHARS.sub("-", r.address)

    def arn(self, r: TfResource) -> str:
        given = r.values.get("arn")
        if isinstance(given, str) and given.startswith("arn:"):
            return given
        spec = _IDENTITY.get(r.rtype)
        path = r.values.get("path")
        path = path if isinstance(path, str) and path.startswith("/") and path.endswith("/") else "/"
        template = spec[1] if spec is not None else "arn:aws:parc-unknown:{r}:{a}:{n}"
        return template.format(a=ACCT, r=REGION, n=self.name(r), path=path)

    def attribute(self, r: TfResource, attr: str) -> str | None:
        spec = _IDENTITY.get(r.rtype)
        kind = spec[2].get(attr or "id") if spec is not None else None
        if kind == "name":
            return self.name(r)
        if kind == "arn":
            return self.arn(r)
        if kind == "url":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCT}/{self.name(r)}"
        return None

    def lookup(self, base: str, attr: str, stand_in: bool) -> str | None:
        """What ``base.attr`` is: the resource's name or ARN as parc makes it; the placeholder account, region and
        partition for ``data.aws_caller_identity``, ``data.aws_region``, ``data.aws_partition``. ``stand_in``: a
        resource of a known type that is not in the input stands in by its address (a resource policy's target, a
        value inside a document: the policy is on that resource, whatever it is called)."""
        kind = base.split(".")[1] if base.startswith("data.") and base.count(".") >= 2 else ""
        fixed = {("aws_caller_identity", "account_id"): ACCT, ("aws_region", "name"): REGION,
                 ("aws_region", "id"): REGION, ("aws_region", "region"): REGION,
                 ("aws_partition", "partition"): "aws"}.get((kind, attr))
        if fixed is not None:
            return fixed
        targets = self.by_base.get(base, [])
        if len(targets) == 1:
            return self.attribute(targets[0], attr)
        rtype = base.split(".")[-2] if base.count(".") >= 1 else ""
        if stand_in and not targets and not base.startswith(("data.", "module.")) and rtype in _IDENTITY:
            return self.attribute(TfResource(base, rtype, "managed", "", Position(1, 1)), attr)
        return None

    # -- an attribute's values, known or through its references -------------------------------------------------
    def values(self, r: TfResource, attr: str, what: str) -> list[str] | None:
        """The strings ``attr`` holds (a list attribute's items), each resolved; None (and a problem said) when a
        value cannot be linked."""
        known = r.values.get(attr)
        items = [known] if isinstance(known, str) else known if isinstance(known, list) else []
        out = [str(i) for i in items if isinstance(i, str) and i]
        refs = r.refs.get(attr, [])
        refs = [(b, a) for b, a in refs if a or not any(x == b and y for x, y in refs)]  # Terraform lists both
        unlinked: list[str] = []
        for base, ref_attr in refs:
            value = self.lookup(base, ref_attr, what == "resource")
            if value is None:
                unlinked.append(f"{base}.{ref_attr}" if ref_attr else base)
            elif value not in out:
                out.append(value)
        if unlinked or attr in r.partial or (not out and attr in r.unknown and r.written(attr)):
            why = (f"refers to {', '.join(unlinked)}, which is not in the input (or has several instances or no "
                   "such attribute)") if unlinked else ("holds a value parc does not follow (a variable known only "
                                                        "after apply, a function)") if attr in r.partial else \
                "is known only after apply and refers to nothing parc reads"
            self.problem(r, attr, f"{r.address}.{attr} {why}: parc cannot tell which {what} it names, so what it "
                         "grants is not audited.")
            return None
        return out

    def problem(self, r: TfResource, attr: str, message: str) -> None:
        self.out.problems.append(Finding(UNREAD, FindingType.ERROR, message, f"{r.address}.{attr}" if attr else
                                         r.address, r.pos, r.file, DOCS, resource=r.address))

    def doc(self, r: TfResource, attr: str) -> TfDoc | None:
        """The document of ``r.attr``: written there, or the aws_iam_policy_document data source it refers to."""
        own = self.docs.get((r.address, attr))
        if own is not None:
            return own
        for base, ref_attr in r.refs.get(attr, []):
            if base.startswith("data.aws_iam_policy_document.") and ref_attr == "json":
                targets = self.by_base.get(base, [])
                found = (self.docs.get((targets[0].address, "json")) or self.docs.get((targets[0].address, ""))
                         if len(targets) == 1 else None)
                if found is not None:
                    return found
        return None

    # -- the account ------------------------------------------------------------------------------------------
    def principals(self) -> None:
        for r in self.resources:
            kind = {"aws_iam_role": "Role", "aws_iam_user": "User", "aws_iam_group": "Group"}.get(r.rtype)
            if r.mode != "managed" or kind is None:
                continue
            name, arn = self.name(r), self.arn(r)
            path = r.values.get("path") if isinstance(r.values.get("path"), str) else "/"
            prefix = {"Role": "AROA", "User": "AIDA"}.get(kind, "AGPA")
            entry: dict[str, object] = {f"{kind}Name": name, f"{kind}Id": _id(prefix, r.address),
                                        "Arn": arn, "Path": path, "AttachedManagedPolicies": [],
                                        f"{kind}PolicyList": []}
            if kind == "Role":
                trust = self.doc(r, "assume_role_policy")
                if trust is None:
                    self.problem(r, "assume_role_policy", f"{r.address}.assume_role_policy could not be read "
                                 "(known only after apply, or not a document): who can assume the role is not "
                                 "audited.")
                    entry["AssumeRolePolicyDocument"] = {"Version": "2012-10-17", "Statement": []}
                else:
                    entry["AssumeRolePolicyDocument"] = trust.python
                    self.out.places[f"{arn} trust policy"] = trust
                entry["InstanceProfileList"] = []
                self.inline_blocks(r, arn, entry)
                for policy in self.values(r, "managed_policy_arns", "policy") or []:
                    self.attach(entry, policy)
            if kind != "Group":
                boundary = self.values(r, "permissions_boundary", "permissions boundary") or []
                if boundary:
                    entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                                    "PermissionsBoundaryArn": boundary[0]}
            if kind == "User":
                entry["GroupList"] = []
            {"Role": self.out.roles, "User": self.out.users, "Group": self.out.groups}[kind][name] = entry

    def inline_blocks(self, r: TfResource, arn: str, entry: dict[str, object]) -> None:
        blocks = r.values.get("inline_policy")
        lst = entry["RolePolicyList"]
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            pname = block.get("name") if isinstance(block, dict) else None
            pname = pname if isinstance(pname, str) and pname else f"{r.address}.inline_policy[{i}]"
            d = self.docs.get((r.address, f"inline_policy[{i}].policy"))
            if d is None:
                self.problem(r, f"inline_policy[{i}].policy", f"{r.address}.inline_policy[{i}].policy could not be "
                             "read (known only after apply, or not a document): what it grants is not audited.")
                continue
            if isinstance(lst, list):
                lst.append({"PolicyName": pname, "PolicyDocument": d.python})
            self.out.places[f"{arn} inline {pname}"] = d
        if "inline_policy" in r.unknown and not blocks and r.written("inline_policy"):
            self.problem(r, "inline_policy", f"{r.address}.inline_policy is known only after apply: what it grants "
                         "is not audited.")

    def attach(self, entry: dict[str, object], policy: str) -> None:
        attached = entry.get("AttachedManagedPolicies")
        item = {"PolicyName": policy.rsplit("/", 1)[-1], "PolicyArn": policy}
        if isinstance(attached, list) and item not in attached:
            attached.append(item)

    def managed_policies(self) -> None:
        for r in self.resources:
            if r.mode != "managed" or r.rtype != "aws_iam_policy":
                continue
            arn = self.arn(r)
            d = self.doc(r, "policy")
            if d is None:
                self.problem(r, "policy", f"{r.address}.policy could not be read (known only after apply, or not a "
                             "document): what the policy grants is not audited.")
                continue
            self.out.policies[arn] = {"PolicyName": self.name(r), "PolicyId": _id("ANPA", arn),
                                      "Arn": arn, "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 0,
                                      "IsAttachable": True, "PolicyVersionList": [
                                          {"Document": d.python, "VersionId": "v1", "IsDefaultVersion": True}]}
            self.out.places[arn] = d

    def _entry(self, kind: str, name: str) -> dict[str, object] | None:
        table = {"role": self.out.roles, "user": self.out.users, "group": self.out.groups}[kind]
        entry = table.get(name)
        if entry is None:  # referred to by ARN
            entry = next((e for e in table.values() if e.get("Arn") == name), None)
        return entry

    def targets(self, r: TfResource, attr: str, kind: str) -> list[dict[str, object]]:
        out = []
        for name in self.values(r, attr, kind) or []:
            entry = self._entry(kind, name)
            if entry is None:
                self.problem(r, attr, f"{r.address}.{attr} names the {kind} {name}, which is not in the input: what "
                             "it is given is not audited (give the Terraform that makes it).")
            else:
                out.append(entry)
        return out

    def attachments(self) -> None:
        for r in self.resources:
            if r.mode != "managed":
                continue
            t = r.rtype
            if t in ("aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
                     "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"):
                policies = self.values(r, "policy_arn", "policy") or []
                keys = (("roles", "role"), ("users", "user"), ("groups", "group")) if t == "aws_iam_policy_attachment" \
                    else ((t.split("_")[2], t.split("_")[2]),)
                for attr, kind in keys:
                    for entry in self.targets(r, attr, kind):
                        for p in policies:
                            self.attach(entry, p)
            elif t in ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"):
                kind = t.split("_")[2]
                d = self.doc(r, "policy")
                entries = self.targets(r, kind, kind)
                if d is None:
                    self.problem(r, "policy", f"{r.address}.policy could not be read (known only after apply, or "
                                 "not a document): what it grants is not audited.")
                    continue
                pname = r.values.get("name") if isinstance(r.values.get("name"), str) else r.address
                for entry in entries:
                    lst = entry.get(f"{kind.capitalize()}PolicyList")
                    if isinstance(lst, list):
                        lst.append({"PolicyName": pname, "PolicyDocument": d.python})
                        self.out.places[f"{entry['Arn']} inline {pname}"] = d
            elif t in ("aws_iam_user_group_membership", "aws_iam_group_membership"):
                user_attr, group_attr = ("user", "groups") if t == "aws_iam_user_group_membership" else ("users",
                                                                                                          "group")
                groups = [str(g.get("GroupName")) for g in self.targets(r, group_attr, "group")]
                for user in self.targets(r, user_attr, "user"):
                    lst = user.get("GroupList")
                    if isinstance(lst, list):
                        lst.extend(g for g in groups if g not in lst)
            elif t == "aws_iam_instance_profile":
                for role in self.targets(r, "role", "role"):
                    lst = role.get("InstanceProfileList")
                    if isinstance(lst, list):
                        lst.append({"InstanceProfileName": self.name(r), "Arn": self.arn(r), "Path": "/",
                                    "InstanceProfileId": _id("AIPA", r.address),
                                    "Roles": [{"RoleName": role.get("RoleName"), "Arn": role.get("Arn")}]})

    def resource_policies(self) -> None:
        for r in self.resources:
            spec = _RESOURCE_TARGET.get(r.rtype)
            if r.mode != "managed" or spec is None:
                continue
            attr, target_type = spec
            d = self.doc(r, "policy") or self.doc(r, "access_policies") or self.docs.get((r.address, ""))
            if d is None:
                if r.rtype in ("aws_sqs_queue", "aws_sns_topic", "aws_kms_key") and "policy" not in r.unknown:
                    continue  # no policy written: the service's default
                self.problem(r, "policy", f"{r.address}: its policy could not be read (known only after apply, or "
                             "not a document): who it lets in is not audited.")
                continue
            if attr is None:
                arns = [self.arn(r)]
            else:
                arns = [a for a in (self._resource_arn(v, target_type) for v in self.values(r, attr, "resource") or [])
                        if a]
            statements = d.python.get("Statement") if isinstance(d.python, dict) else None
            items = statements if isinstance(statements, list) else [statements] if statements else []
            for arn in arns:
                for s in items:
                    self.out.resources.setdefault(arn, []).append((s, d))

    def _resource_arn(self, value: str, target_type: str) -> str:
        if value.startswith("arn:"):
            return value
        if target_type == "aws_sqs_queue":
            parts = value.rstrip("/").split("/")
            return f"arn:aws:sqs:{REGION}:{parts[-2] if len(parts) > 1 else ACCT}:{parts[-1]}"
        spec = _IDENTITY[target_type]
        return spec[1].format(a=ACCT, r=REGION, n=value, path="/")

    # -- references inside a .tf document -----------------------------------------------------------------------
    def substitute(self, node: JNode, opaque: frozenset[Position], unresolved: list[str]) -> None:
        """Each reference written in a document (``aws_s3_bucket.b.arn``, ``"${aws_iam_role.r.arn}"``) replaced by
        what parc makes of the resource; ``unresolved`` gets those it cannot."""
        if node.kind == "object":
            for m in node.members:
                self.substitute(m.node, opaque, unresolved)
        elif node.kind == "array":
            for i in node.items:
                self.substitute(i, opaque, unresolved)
        elif node.kind == "string" and node.pos in opaque:
            text = str(node.value)

            def one(m: re.Match[str]) -> str:
                refs = references(m.group(1))
                value = self.lookup(refs[0][0], refs[0][1], True) if len(refs) == 1 else None
                if value is None:
                    unresolved.append(m.group(1).strip())
                    return m.group(0)
                return value

            whole = re.fullmatch(r"\s*([\w.\[\]\"-]+)\s*", text)
            node.value = one(whole) if whole and "${" not in text else re.sub(r"\$\{([^}]*)\}", one, text)


def _id(prefix: str, basis: str) -> str:
    """An IAM unique id of the kind's prefix, the same for the same resource on every run."""
    return prefix + hashlib.sha256(basis.encode()).hexdigest()[:17].upper()


def _docs(file: str, policies: list[EmbeddedPolicy], problems: list[Finding]) -> dict[tuple[str, str], TfDoc]:
    out: dict[tuple[str, str], TfDoc] = {}
    for ep in policies:
        found: list[Finding] = []
        doc = as_document(ep.node, ep, file, found)
        problems.extend(f for f in found if f.finding_type is FindingType.ERROR)
        if doc is None:
            continue
        attr = ep.path[len(ep.resource) + 1:] if ep.path.startswith(ep.resource + ".") else ""
        out[(ep.resource, attr)] = TfDoc(file, ep.path, doc, doc.to_python())
    return out


def load_terraform(inputs: list[tuple[str, str, bool]], out: TfAccount) -> None:
    """``inputs``: (file, text, is a plan); the account they make, in ``out``."""
    from parc.loaders.iac.hcl import module_variables, read_hcl
    from parc.loaders.iac.terraform import read_plan

    resources: list[TfResource] = []
    docs: dict[tuple[str, str], TfDoc] = {}
    opaque: dict[tuple[str, str], tuple[TfResource | None, EmbeddedPolicy]] = {}
    for file, text, is_plan in inputs:
        variables = {} if is_plan else module_variables(file, text)
        report = read_plan(file, text) if is_plan else read_hcl(file, text, variables)
        out.problems.extend(report.unreadable)
        found = plan_resources(file, text) if is_plan else source_resources(file, text, variables)
        resources.extend(found)
        docs.update(_docs(file, report.policies, out.problems))
        for ep in report.policies:
            if ep.opaque:
                opaque[(ep.resource, ep.path)] = (next((r for r in found if r.address == ep.resource), None), ep)
    linker = _Linker(resources, docs, out)
    for d in docs.values():
        ep_entry = next((v for k, v in opaque.items() if k[1] == d.path), None)
        if ep_entry is None:
            continue
        res, ep = ep_entry
        unresolved: list[str] = []
        linker.substitute(d.node, ep.opaque, unresolved)
        d.python = d.node.to_python()
        if unresolved:
            out.problems.append(Finding(UNREAD, FindingType.ERROR, f"{ep.path} uses values known only after apply "
                                        f"({', '.join(sorted(set(unresolved))[:4])}): audited with them as written, "
                                        "and a finding could depend on them.", ep.path, ep.node.pos,
                                        res.file if res is not None else d.file, DOCS, resource=ep.resource))
    linker.principals()
    linker.managed_policies()
    linker.attachments()
    linker.resource_policies()
