"""Terraform: the JSON of ``terraform show -json PLAN`` (or of the state), its policies validated at their place in
that file with the resource's address.

Plan format: https://developer.hashicorp.com/terraform/internals/json-format. Values are resolved by Terraform;
a value known only after apply is absent from ``planned_values`` and marked in ``resource_changes[].change.
after_unknown``: parc says it could not check it (IAC_UNCHECKED_VALUE), never passes it as clean. Attributes: the
AWS provider's resource pages (https://registry.terraform.io/providers/hashicorp/aws/latest/docs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JMember, JNode, JsonSyntaxError, parse_json
from parc.core.policy.model import PolicyType
from parc.loaders.iac.model import EmbeddedPolicy, IacReport

PLAN_LINK = "https://developer.hashicorp.com/terraform/internals/json-format"
ID, R, T = PolicyType.IDENTITY, PolicyType.RESOURCE, PolicyType.TRUST

POLICY_ATTRIBUTES: dict[str, tuple[tuple[str, PolicyType | None], ...]] = {
    "aws_iam_policy": (("policy", ID),),
    "aws_iam_role": (("assume_role_policy", T), ("inline_policy[].policy", ID)),
    "aws_iam_role_policy": (("policy", ID),),
    "aws_iam_user_policy": (("policy", ID),),
    "aws_iam_group_policy": (("policy", ID),),
    "aws_s3_bucket_policy": (("policy", R),),
    "aws_sqs_queue_policy": (("policy", R),),
    "aws_sqs_queue": (("policy", R),),
    "aws_sns_topic_policy": (("policy", R),),
    "aws_sns_topic": (("policy", R),),
    "aws_kms_key": (("policy", R),),
    "aws_ecr_repository_policy": (("policy", R),),
    "aws_secretsmanager_secret_policy": (("policy", R),),
    "aws_opensearch_domain_policy": (("access_policies", R),),
    "aws_elasticsearch_domain_policy": (("access_policies", R),),
    "aws_vpc_endpoint": (("policy", PolicyType.ENDPOINT),),
    "aws_iam_policy_document": (("json", None),),
}
"""Resource type -> (attribute, policy type; None: inferred from the document)."""
IMPLICIT_RESOURCE = frozenset({"aws_ecr_repository_policy"})
"""ECR repository policies name no Resource (see cloudformation.IMPLICIT_RESOURCE)."""
_ORG_TYPES = {"SERVICE_CONTROL_POLICY": PolicyType.SCP, "RESOURCE_CONTROL_POLICY": PolicyType.RCP}


def looks_like_plan(node: JNode) -> bool:
    return node.kind == "object" and node.get("format_version") is not None and any(
        node.get(k) is not None for k in ("planned_values", "values", "resource_changes", "prior_state"))


@dataclass(frozen=True, slots=True)
class _Resource:
    address: str
    rtype: str
    mode: str
    values: JNode
    unknown: JNode | None


def plan_member(node: JNode | None, key: str) -> JNode | None:
    """A member of a plan's JSON object (None for anything else): the plan readers' one way into the tree."""
    if node is None or node.kind != "object":
        return None
    m = node.get(key)
    return m.node if m is not None else None


def plan_text(node: JNode | None) -> str:
    return str(node.value) if node is not None and node.kind == "string" else ""


def _modules(module: JNode | None) -> Iterator[JNode]:
    if module is None or module.kind != "object":
        return
    resources = plan_member(module, "resources")
    if resources is not None and resources.kind == "array":
        yield from resources.items
    children = plan_member(module, "child_modules")
    for c in children.items if children is not None and children.kind == "array" else ():
        yield from _modules(c)


def _resources(root: JNode) -> list[_Resource]:
    unknown: dict[str, JNode] = {}
    changes = plan_member(root, "resource_changes")
    for rc in changes.items if changes is not None and changes.kind == "array" else ():
        after_unknown = plan_member(plan_member(rc, "change"), "after_unknown")
        if after_unknown is not None:
            unknown[plan_text(plan_member(rc, "address"))] = after_unknown
    out: list[_Resource] = []
    seen: set[str] = set()
    roots = [plan_member(plan_member(root, "planned_values"), "root_module"),
             plan_member(plan_member(root, "values"), "root_module"),
             plan_member(plan_member(plan_member(root, "prior_state"), "values"), "root_module")]
    for module in roots:
        for r in _modules(module):
            address = plan_text(plan_member(r, "address"))
            values = plan_member(r, "values")
            if not address or address in seen or values is None:
                continue
            seen.add(address)
            out.append(_Resource(address, plan_text(plan_member(r, "type")), plan_text(plan_member(r, "mode")), values,
                                 unknown.get(address)))
    return out


def _unchecked(name: str, address: str, attribute: str, pos: Position) -> Finding:
    return Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"{attribute} is known only after apply (the plan "
                   "marks it unknown): parc could not check it. Validate the plan again once its inputs are known, "
                   "or the .tf source.", f"{address}.{attribute}", pos, name, PLAN_LINK, resource=address)


def _is_unknown(unknown: JNode | None, attribute: str) -> bool:
    v = plan_member(unknown, attribute)
    return v is not None and v.kind == "bool" and v.value is True


def find_plan_policies(root: JNode, name: str) -> tuple[list[EmbeddedPolicy], list[Finding]]:
    policies: list[EmbeddedPolicy] = []
    findings: list[Finding] = []
    resources = _resources(root)
    used_strings = {
        plan_text(plan_member(r.values, attr))
        for r in resources if r.mode != "data"
        for attr, _ in POLICY_ATTRIBUTES.get(r.rtype, ()) if "[" not in attr
    }
    for r in resources:
        if r.rtype == "aws_lambda_permission":
            policies.append(lambda_permission_from(r.address, r.values))
            continue
        specs = POLICY_ATTRIBUTES.get(r.rtype, ())
        if r.rtype == "aws_organizations_policy":
            ptype = _ORG_TYPES.get(plan_text(plan_member(r.values, "type")) or "SERVICE_CONTROL_POLICY")
            specs = (("content", ptype),) if ptype else ()
        for attr, ptype in specs:
            if attr == "inline_policy[].policy":
                items = plan_member(r.values, "inline_policy")
                for i, item in enumerate(items.items if items is not None and items.kind == "array" else ()):
                    doc = plan_member(item, "policy")
                    if doc is not None and plan_text(doc):
                        policies.append(EmbeddedPolicy(r.address, f"{r.address}.inline_policy[{i}].policy",
                                                       ptype or ID, doc))
                continue
            doc = plan_member(r.values, attr)
            if doc is None or (doc.kind == "null"):
                if _is_unknown(r.unknown, attr):
                    findings.append(_unchecked(name, r.address, attr, r.values.pos))
                continue
            if r.mode == "data" and plan_text(doc) in used_strings:
                continue  # checked where it is used, with that resource's policy type
            if doc.kind == "string" and not plan_text(doc).strip():
                continue
            # aws_iam_policy_document (type None): identity or resource depends on where it is used; a Principal
            # tells, as for a policy file
            policies.append(EmbeddedPolicy(r.address, f"{r.address}.{attr}", ptype, doc,
                                           implicit_resource=r.rtype in IMPLICIT_RESOURCE))
    return policies, findings


def lambda_permission_from(address: str, v: JNode) -> EmbeddedPolicy:
    """aws_lambda_permission (its attribute values) as the statement Lambda writes (see cloudformation.
    lambda_statement)."""
    from parc.loaders.iac.cloudformation import lambda_function_arn, lambda_principal

    pos = v.pos
    members = [JMember("Sid", pos, JNode(plan_text(plan_member(v, "statement_id")) or "parc", "string", pos)),
               JMember("Effect", pos, JNode("Allow", "string", pos))]
    paths: list[tuple[str, str]] = []
    for attr, element, convert in (("principal", "Principal", lambda_principal), ("action", "Action", None),
                                   ("function_name", "Resource", lambda_function_arn)):
        node = plan_member(v, attr)
        if node is not None and node.kind != "null":
            members.append(JMember(element, node.pos, convert(node) if convert else node))
            paths.append((f"Statement[0].{element}", f"{address}.{attr}"))
    conditions: dict[str, list[JMember]] = {}
    for attr, op, key in (("source_arn", "ArnLike", "AWS:SourceArn"), ("source_account", "StringEquals",
                          "AWS:SourceAccount"), ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
                          ("function_url_auth_type", "StringEquals", "lambda:FunctionUrlAuthType"),
                          ("event_source_token", "StringEquals", "lambda:EventSourceToken")):
        node = plan_member(v, attr)
        if node is not None and node.kind == "string" and node.value:
            conditions.setdefault(op, []).append(JMember(key, node.pos, node))
            paths.append((f"Statement[0].Condition.{op}.{key}", f"{address}.{attr}"))
    if conditions:
        members.append(JMember("Condition", pos, JNode([JMember(op, pos, JNode(ms, "object", pos))
                                                         for op, ms in conditions.items()], "object", pos)))
    doc = JNode([JMember("Version", pos, JNode("2012-10-17", "string", pos)),
                 JMember("Statement", pos, JNode([JNode(members, "object", pos)], "array", pos))], "object", pos)
    return EmbeddedPolicy(address, address, R, doc, tuple(paths))


def read_plan(name: str, text: str) -> IacReport:
    report = IacReport(name, text, kind="terraform")
    try:
        root = parse_json(text)
    except JsonSyntaxError as exc:
        f = Finding("IAC_SYNTAX_ERROR", FindingType.ERROR, f"The plan is not valid JSON: {exc.message}.", "",
                    exc.pos, name, PLAN_LINK)
        report.findings = (f,)
        report.unreadable.append(f)
        return report
    if not looks_like_plan(root):
        f = Finding("IAC_NOT_A_TEMPLATE", FindingType.ERROR, "Not the JSON of `terraform show -json` (no "
                    "format_version with planned_values, values or resource_changes).", "", root.pos, name, PLAN_LINK)
        report.findings = (f,)
        report.unreadable.append(f)
        return report
    policies, findings = find_plan_policies(root, name)
    report.policies = policies
    report.findings = tuple(findings)
    return report
