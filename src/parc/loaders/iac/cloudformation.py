"""CloudFormation templates (JSON, YAML with short-form tags, ``cdk synth`` output): find every policy document,
resolve its intrinsic functions, and validate it at the template's own lines.

Where policies live: the template reference of each resource type
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html and the pages of
the other types in ``POLICY_PROPERTIES``). Template anatomy:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json
from parc.core.policy.model import PolicyType
from parc.loaders.iac.intrinsics import Template
from parc.loaders.iac.model import EmbeddedPolicy, IacReport
from parc.loaders.iac.yamlnodes import YamlError, parse_yaml

ANATOMY_LINK = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html"
FORMATS_LINK = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html"
LAMBDA_PERMISSION_LINK = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html"
)

ID, R, T = PolicyType.IDENTITY, PolicyType.RESOURCE, PolicyType.TRUST
_INLINE = "Policies[].PolicyDocument"
POLICY_PROPERTIES: dict[str, tuple[tuple[str, PolicyType], ...]] = {
    "AWS::IAM::Policy": (("PolicyDocument", ID),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument", ID),),
    "AWS::IAM::Role": (("AssumeRolePolicyDocument", T), (_INLINE, ID)),
    "AWS::IAM::User": ((_INLINE, ID),),
    "AWS::IAM::Group": ((_INLINE, ID),),
    "AWS::IAM::UserPolicy": (("PolicyDocument", ID),),
    "AWS::IAM::RolePolicy": (("PolicyDocument", ID),),
    "AWS::IAM::GroupPolicy": (("PolicyDocument", ID),),
    "AWS::SSO::PermissionSet": (("InlinePolicy", ID),),
    "AWS::S3::BucketPolicy": (("PolicyDocument", R),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument", R),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument", R),),
    "AWS::KMS::Key": (("KeyPolicy", R),),
    "AWS::KMS::ReplicaKey": (("KeyPolicy", R),),
    "AWS::ECR::Repository": (("RepositoryPolicyText", R),),
    "AWS::SecretsManager::ResourcePolicy": (("ResourcePolicy", R),),
    "AWS::OpenSearchService::Domain": (("AccessPolicies", R),),
    "AWS::Elasticsearch::Domain": (("AccessPolicies", R),),
    "AWS::EFS::FileSystem": (("FileSystemPolicy", R),),
    "AWS::Backup::BackupVault": (("AccessPolicy", R),),
    "AWS::Logs::ResourcePolicy": (("PolicyDocument", R),),
    "AWS::EC2::VPCEndpoint": (("PolicyDocument", PolicyType.ENDPOINT),),
}
"""Resource type -> (property, policy type). ``Policies[].PolicyDocument``: each inline policy of the list."""

IMPLICIT_RESOURCE = frozenset({"AWS::ECR::Repository"})
"""Policies whose statements name no Resource: the service applies them to the repository that holds them."""

_ORG_POLICY_TYPES = {"SERVICE_CONTROL_POLICY": PolicyType.SCP, "RESOURCE_CONTROL_POLICY": PolicyType.RCP}


def looks_like_template(node: JNode) -> bool:
    """A CloudFormation template: an object with ``Resources`` or ``AWSTemplateFormatVersion``."""
    return node.kind == "object" and (node.get("Resources") is not None
                                      or node.get("AWSTemplateFormatVersion") is not None)


def _finding(code: str, message: str, pos: Position | None, name: str, link: str = ANATOMY_LINK,
             resource: str | None = None, path: str = "") -> Finding:
    return Finding(code, FindingType.ERROR, message, path, pos, name, link, resource=resource)


def parse_template(name: str, text: str) -> tuple[JNode | None, list[Finding], list[Finding]]:
    """The template tree, its findings, and those of them that mean part of it could not be read.

    A YAML syntax error blanks out the top-level entry it is in (a resource, usually) and the rest is read again,
    so one broken resource does not hide the findings of the others."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            return parse_json(text), [], []
        except JsonSyntaxError as exc:
            f = _finding("IAC_SYNTAX_ERROR", f"The template is not valid JSON: {exc.message}.", exc.pos, name,
                         FORMATS_LINK)
            return None, [f], [f]
    lines = text.split("\n")
    broken: list[Finding] = []
    for _ in range(50):
        try:
            node, tags = parse_yaml("\n".join(lines))
        except YamlError as exc:
            blanked = _blank_block(lines, exc.pos.line - 1)
            where = f" ({blanked} is not checked)" if blanked else ""
            broken.append(_finding("IAC_SYNTAX_ERROR", f"The template is not valid YAML: {exc.message}{where}.",
                                   exc.pos, name, FORMATS_LINK, resource=blanked or None))
            if not blanked:
                return None, broken, list(broken)
            continue
        for t in tags:
            broken.append(_finding("IAC_UNKNOWN_TAG", f"{t.tag} is not a CloudFormation tag (the short forms are "
                                   "!Ref, !Sub, !GetAtt, !Join, !If ...); the value under it is not checked.",
                                   t.pos, name, "https://docs.aws.amazon.com/AWSCloudFormation/latest/"
                                   "TemplateReference/intrinsic-function-reference.html"))
        return node, list(broken), list(broken)
    return None, broken, list(broken)


def _indent(line: str) -> int | None:
    stripped = line.lstrip(" ")
    if not stripped or stripped.startswith("#"):
        return None
    return len(line) - len(stripped)


def _blank_block(lines: list[str], err: int) -> str:
    """Blank the lines of the second-level entry (``Resources: -> MyBucket:``) that holds line ``err`` (0-based),
    keeping line numbers; its name, or "" when the error is not inside one."""
    err = min(max(err, 0), len(lines) - 1)
    top = next((i for i in range(err, -1, -1) if _indent(lines[i]) == 0), None)
    if top is None:
        return ""
    child = next((d for d in (_indent(x) for x in lines[top + 1 :]) if d is not None), None)
    if child is None or child == 0:
        return ""
    start = next((i for i in range(err, top, -1) if _indent(lines[i]) == child), None)
    if start is None:
        # the error is on the line of the entry itself or before the first child: blank from the first child
        start = next((i for i in range(top + 1, len(lines)) if _indent(lines[i]) is not None), None)
        if start is None or start > err + 1:
            return ""
    end = start + 1
    while end < len(lines) and ((d := _indent(lines[end])) is None or d > child or end <= err):
        end += 1
    key = re.match(r"""\s*(?:-\s+)?(["']?)(.*?)\1\s*:(?:\s|$)""", lines[start])  # a key may hold "::"
    label = (key.group(2) if key else lines[start].strip()) or f"line {start + 1}"
    for i in range(start, end):
        lines[i] = ""
    return label


def template_context(root: JNode, given: Mapping[str, str]) -> Template:
    def section(key: str) -> JNode | None:
        m = root.get(key)
        return m.node if m is not None and m.node.kind == "object" else None

    params = section("Parameters")
    resources: dict[str, tuple[str, JNode]] = {}
    res = section("Resources")
    for m in res.members if res is not None else ():
        t = m.node.get("Type") if m.node.kind == "object" else None
        resources[m.key] = (str(t.node.value) if t is not None and t.node.kind == "string" else "", m.node)
    conditions = section("Conditions")
    return Template(
        parameters={m.key: m.node for m in params.members} if params is not None else {},
        given=dict(given),
        resources=resources,
        mappings=section("Mappings"),
        conditions={m.key: m.node for m in conditions.members} if conditions is not None else {},
    )


def find_policies(root: JNode, name: str) -> tuple[list[EmbeddedPolicy], list[Finding]]:
    """Every policy document in the template's resources, in template order, and shape errors on the way."""
    out: list[EmbeddedPolicy] = []
    findings: list[Finding] = []
    res = root.get("Resources")
    if res is None or res.node.kind != "object":
        findings.append(_finding("IAC_NOT_A_TEMPLATE", "The template has no Resources section (an object).",
                                 res.node.pos if res else root.pos, name))
        return out, findings
    for m in res.node.members:
        logical, node = m.key, m.node
        base = f"Resources.{logical}"
        if logical.startswith("Fn::ForEach::"):  # AWS::LanguageExtensions: resources made from a collection
            findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"parc could not expand {logical} "
                                    "(its collection is not a list, nor a parameter with a value): the resources it "
                                    "makes are not checked.", base, m.key_pos, name,
                                    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
                                    "intrinsic-function-reference-foreach.html", resource=logical))
            continue
        if node.kind != "object":
            findings.append(_finding("IAC_INVALID_RESOURCE", f"Resource {logical} must be an object.", node.pos,
                                     name, resource=logical, path=base))
            continue
        t = node.get("Type")
        rtype = str(t.node.value) if t is not None and t.node.kind == "string" else ""
        p = node.get("Properties")
        props = p.node if p is not None and p.node.kind == "object" else None
        holds_policy = rtype in POLICY_PROPERTIES or rtype in ("AWS::Lambda::Permission", "AWS::Organizations::Policy",
                                                               *SAM_TYPES)
        if props is None:
            if p is not None and holds_policy:  # a policy parc cannot read: said, not skipped
                findings.append(_finding("IAC_INVALID_RESOURCE", f"The Properties of {logical} ({rtype}) must be an "
                                         "object; its policy is not checked.", p.node.pos, name, resource=logical,
                                         path=f"{base}.Properties"))
            continue
        if rtype == "AWS::Lambda::Permission":
            out.append(lambda_statement(logical, props, f"{base}.Properties"))
            continue
        if rtype in SAM_TYPES:
            sam_policies(logical, props, f"{base}.Properties", name, out, findings)
            continue
        specs = POLICY_PROPERTIES.get(rtype, ())
        if rtype == "AWS::Organizations::Policy":
            kind = props.get("Type")
            ptype = _ORG_POLICY_TYPES.get(str(kind.node.value)) if kind is not None else None
            specs = (("Content", ptype),) if ptype is not None else ()
        for prop, ptype in specs:
            if prop == _INLINE:
                lst = props.get("Policies")
                if lst is None:
                    continue
                for path, doc_node in inline_documents(lst.node, f"{base}.Properties.Policies"):
                    if doc_node is None:
                        findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, "These inline policies "
                                                "are built by an intrinsic function parc does not follow here; they "
                                                "are not checked.", path, lst.node.pos, name,
                                                "https://docs.aws.amazon.com/AWSCloudFormation/latest/"
                                                "TemplateReference/intrinsic-function-reference.html",
                                                resource=logical))
                        continue
                    out.append(EmbeddedPolicy(logical, path, ptype, doc_node))
                continue
            doc = props.get(prop)
            if doc is not None:
                out.append(EmbeddedPolicy(logical, f"{base}.Properties.{prop}", ptype, doc.node,
                                          implicit_resource=rtype in IMPLICIT_RESOURCE))
    return out, findings


SAM_TYPES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
"""AWS SAM resources whose Policies become the inline policies of the role SAM makes
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)."""
SAM_LINK = ("https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
            "serverless-policy-templates.html")


def sam_policies(logical: str, props: JNode, base: str, name: str, out: list[EmbeddedPolicy],
                 findings: list[Finding]) -> None:
    """A SAM function's or state machine's Policies: each policy document (an object with Statement) is an inline
    policy of the role SAM creates; a managed policy's name or ARN is attached; a SAM policy template is expanded by
    SAM from its own list, which parc does not hold: said (IAC_UNCHECKED_VALUE), not guessed. With Role, SAM
    creates no role and ignores Policies. AssumeRolePolicyDocument is the trust policy of the role SAM makes."""
    role = props.get("Role")
    trust = props.get("AssumeRolePolicyDocument")
    if trust is not None and role is None:
        out.append(EmbeddedPolicy(logical, f"{base}.AssumeRolePolicyDocument", T, trust.node))
    policies = props.get("Policies")
    if policies is None:
        return
    if role is not None:
        findings.append(Finding("IAC_SAM_POLICIES_IGNORED", FindingType.WARNING, "With Role, SAM creates no role and "
                                "Policies is not used (the two cannot be used together): these policies grant "
                                "nothing, and parc does not check them.", f"{base}.Policies", policies.key_pos, name,
                                "https://repost.aws/knowledge-center/lambda-sam-template-permissions",
                                resource=logical))
        return
    node = policies.node
    items = [(f"{base}.Policies[{i}]", item) for i, item in enumerate(node.items)] if node.kind == "array" else [
        (f"{base}.Policies", node)]
    for path, item in items:
        if item.kind != "object":
            continue  # a managed policy's name or ARN: attached, not a document
        if len(item.members) == 1 and item.members[0].key == "Fn::If":
            findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, "SAM Policies chosen by Fn::If: "
                                    "parc does not follow the condition here; these policies are not checked.",
                                    path, item.pos, name, SAM_LINK, resource=logical))
            continue
        if len(item.members) == 1 and (item.members[0].key.startswith("Fn::") or item.members[0].key == "Ref"):
            continue  # an intrinsic giving a managed policy's name or ARN
        if item.get("Statement") is not None:
            out.append(EmbeddedPolicy(logical, path, ID, item))
        elif len(item.members) == 1:
            findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"{item.members[0].key} is a SAM "
                                    "policy template: SAM expands it at deploy time from its own list, which parc "
                                    "does not hold; the policy it makes is not checked.", path, item.pos, name,
                                    SAM_LINK, resource=logical))


def inline_documents(lst: JNode, base: str) -> list[tuple[str, JNode | None]]:
    """The PolicyDocument of each item of a Policies list, as (path, node): an item chosen by ``Fn::If`` is a
    document that is an ``Fn::If`` of the two branches' documents (``AWS::NoValue`` where a branch has none), so
    each branch is checked; a list chosen by ``Fn::If`` likewise, item by item. (path, None): a list or item built
    some other way (said, not skipped)."""
    from parc.core.policy.jsonpos import JMember
    from parc.loaders.iac.intrinsics import intrinsic

    def no_value(pos: Position) -> JNode:
        return JNode([JMember("Ref", pos, JNode("AWS::NoValue", "string", pos))], "object", pos)

    def document(item: JNode) -> JNode | bool | None:
        """The item's document; None: no document (not a policy item); False: built some other way."""
        fn = intrinsic(item)
        if fn is None:
            doc = item.get("PolicyDocument") if item.kind == "object" else None
            return doc.node if doc is not None else None
        if fn == "Ref" and item.members[0].node.value == "AWS::NoValue":
            return None
        arg = item.members[0].node
        if fn != "Fn::If" or arg.kind != "array" or len(arg.items) != 3:
            return False
        branches = [document(b) for b in arg.items[1:]]
        if any(b is False for b in branches):
            return False
        chosen = [b if isinstance(b, JNode) else no_value(item.pos) for b in branches]
        return JNode([JMember("Fn::If", item.pos, JNode([arg.items[0], *chosen], "array", arg.pos))], "object",
                     item.pos)

    fn = intrinsic(lst)
    if fn == "Fn::If" and lst.members[0].node.kind == "array" and len(lst.members[0].node.items) == 3:
        cond, yes, no = (lst.members[0].node.items[0], *(
            JNode([], "array", b.pos) if document(b) is None and b.kind != "array" else b
            for b in lst.members[0].node.items[1:]))
        if yes.kind == "array" and no.kind == "array":
            out: list[tuple[str, JNode | None]] = []
            for i in range(max(len(yes.items), len(no.items))):
                pair = [side.items[i] if i < len(side.items) else no_value(lst.pos) for side in (yes, no)]
                item = JNode([JMember("Fn::If", lst.pos, JNode([cond, *pair], "array", lst.pos))], "object", lst.pos)
                d = document(item)
                if d is not None:
                    out.append((f"{base}[{i}].PolicyDocument", d if isinstance(d, JNode) else None))
            return out
    if lst.kind != "array":
        return [(base, None)]
    out = []
    for i, item in enumerate(lst.items):
        d = document(item)
        if d is not None:
            out.append((f"{base}[{i}].PolicyDocument", d if isinstance(d, JNode) else None))
    return out


def lambda_statement(logical: str, props: JNode, base: str) -> EmbeddedPolicy:
    """AWS::Lambda::Permission as the statement Lambda adds to the function's policy (its properties in the
    template's positions): Principal, Action, the function as Resource, and SourceArn, SourceAccount,
    PrincipalOrgID and FunctionUrlAuthType as the condition keys Lambda writes for them
    (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html)."""
    from parc.core.policy.jsonpos import JMember

    def prop(key: str) -> JNode | None:
        m = props.get(key)
        return m.node if m is not None else None

    pos = props.pos
    members = [JMember("Sid", pos, JNode(logical, "string", pos)),
               JMember("Effect", pos, JNode("Allow", "string", pos))]
    paths: list[tuple[str, str]] = []
    principal = prop("Principal")
    if principal is not None:
        members.append(JMember("Principal", principal.pos, JNode([JMember("__LambdaPrincipal__", principal.pos,
                                                                          principal)], "object", principal.pos)))
        paths.append(("Statement[0].Principal", f"{base}.Principal"))
    for key, element in (("Action", "Action"), ("FunctionName", "Resource")):
        v = prop(key)
        if v is not None:
            value = v if key != "FunctionName" else JNode([JMember("__LambdaFunction__", v.pos, v)], "object", v.pos)
            members.append(JMember(element, v.pos, value))
            paths.append((f"Statement[0].{element}", f"{base}.{key}"))
    conditions: dict[str, list[JMember]] = {}
    for key, op, ckey in (("SourceArn", "ArnLike", "AWS:SourceArn"), ("SourceAccount", "StringEquals",
                          "AWS:SourceAccount"), ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
                          ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
                          ("EventSourceToken", "StringEquals", "lambda:EventSourceToken")):
        v = prop(key)
        if v is not None:
            conditions.setdefault(op, []).append(JMember(ckey, v.pos, v))
            paths.append((f"Statement[0].Condition.{op}.{ckey}", f"{base}.{key}"))
    if conditions:
        members.append(JMember("Condition", pos, JNode([JMember(op, pos, JNode(ms, "object", pos))
                                                         for op, ms in conditions.items()], "object", pos)))
    statement = JNode(members, "object", pos)
    doc = JNode([JMember("Version", pos, JNode("2012-10-17", "string", pos)),
                 JMember("Statement", pos, JNode([statement], "array", pos))], "object", pos)
    return EmbeddedPolicy(logical, base, R, doc, tuple(paths))


_ACCOUNT = re.compile(r"\d{12}")


def lambda_principal(value: JNode) -> JNode:
    """Lambda's Principal property as a policy principal: ``*``, a service, or an account or ARN."""
    text = str(value.value) if value.kind == "string" else ""
    if text == "*":
        return JNode("*", "string", value.pos)
    from parc.core.policy.jsonpos import JMember

    kind = "Service" if text.endswith((".amazonaws.com", ".amazonaws.com.cn")) or (
        "." in text and not text.startswith("arn:")) else "AWS"
    return JNode([JMember(kind, value.pos, value)], "object", value.pos)


def lambda_function_arn(value: JNode) -> JNode:
    """FunctionName (a name, a partial ARN or an ARN) as the function's ARN."""
    from parc.loaders.iac.symbolic import EXAMPLE_ACCOUNT, EXAMPLE_PARTITION, EXAMPLE_REGION

    text = str(value.value) if value.kind == "string" else ""
    if text.startswith("arn:") or value.kind != "string":
        return value
    if ":function:" in text:  # 123456789012:function:name
        return JNode(f"arn:{EXAMPLE_PARTITION}:lambda:{EXAMPLE_REGION}:{text}", "string", value.pos)
    return JNode(f"arn:{EXAMPLE_PARTITION}:lambda:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:function:{text}", "string",
                 value.pos)


def read_template(name: str, text: str, given: Mapping[str, str]) -> tuple[IacReport, JNode | None]:
    """Read the template: the report with its read findings and its policies (not yet validated)."""
    root, findings, unreadable = parse_template(name, text)
    report = IacReport(name, text, tuple(findings), unreadable=unreadable)
    if root is None:
        return report, None
    if root.kind != "object":
        f = _finding("IAC_NOT_A_TEMPLATE", "A template is an object with a Resources section.", root.pos, name)
        report.findings += (f,)
        report.unreadable.append(f)
        return report, None
    from parc.loaders.iac.foreach import expand_foreach

    report.findings += tuple(expand_foreach(root, given, name))
    policies, shape = find_policies(root, name)
    report.findings += tuple(shape)
    report.unreadable.extend(f for f in shape if f.code == "IAC_NOT_A_TEMPLATE")
    report.policies = policies
    return report, root
