"""CloudFormation's intrinsic functions, resolved where the template fixes the value and symbolic where it does not.

A resolved document is a plain JSON tree (``JNode``) whose every value keeps the position of what the user wrote
(the ``!Sub`` that built a string carries the ``!Sub``'s line), so the validator's findings land on the template.
``Fn::If`` is resolved under an assignment of its conditions (the caller checks each branch: a policy must be right
whichever way a condition goes at deploy time). Functions:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JMember, JNode
from parc.loaders.iac.symbolic import EXAMPLE_REGION, NO_VALUE, PSEUDO, Symbol, resource_value

FUNCTIONS_LINK = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html"
PARAMETERS_LINK = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"
SUB_LINK = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html"

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class Template:
    """What the resolver needs from a template: its parameters (with the values the user gave), resources,
    mappings and conditions, each as written."""

    parameters: Mapping[str, JNode]
    given: Mapping[str, str]
    resources: Mapping[str, tuple[str, JNode]]
    mappings: JNode | None
    conditions: Mapping[str, JNode]


@dataclass
class Resolver:
    template: Template
    branches: Mapping[str, bool]
    pattern: bool = False
    """False: the well-formed examples the validator checks; True: the wildcard patterns for matching."""
    findings: list[Finding] = field(default_factory=list)
    opaque: set[Position] = field(default_factory=set)
    """Positions of values parc knows nothing about (findings there are about parc's stand-in, not the user's text)."""
    region: str = EXAMPLE_REGION
    """The stand-in for AWS::Region (and the region of resource ARNs)."""
    generated: str = "{}"
    """The stand-in for a name CloudFormation generates, ``{}`` the logical id."""

    # -- reporting ---------------------------------------------------------------------------------------------
    def error(self, code: str, message: str, pos: Position, link: str = FUNCTIONS_LINK,
              level: FindingType = FindingType.ERROR) -> None:
        self.findings.append(Finding(code, level, message, "", pos, learn_more=link))

    def _symbol(self, sym: Symbol, pos: Position) -> JNode:
        if sym.opaque:
            self.opaque.add(pos)
        return JNode(sym.pattern if self.pattern else sym.example, "string", pos)

    def _unknown(self, label: str, pos: Position) -> JNode:
        self.opaque.add(pos)
        return JNode("*" if self.pattern else label, "string", pos)

    # -- the walk ----------------------------------------------------------------------------------------------
    def resolve(self, node: JNode) -> JNode | None:
        """The value of ``node``; None for ``AWS::NoValue`` (the caller drops the key or item)."""
        if node.kind == "object":
            fn = intrinsic(node)
            if fn is not None:
                return self.call(fn, node.members[0].node, node.pos)
            members = []
            for m in node.members:
                v = self.resolve(m.node)
                if v is not None:
                    members.append(JMember(m.key, m.key_pos, v))
            return JNode(members, "object", node.pos)
        if node.kind == "array":
            items = [v for v in (self.resolve(i) for i in node.items) if v is not None]
            return JNode(items, "array", node.pos)
        return node

    def call(self, fn: str, arg: JNode, pos: Position) -> JNode | None:
        handler = _HANDLERS.get(fn)
        if handler is None:
            if fn in _CONDITION_FUNCTIONS:
                self.error("IAC_INVALID_INTRINSIC", f"{fn} is a condition function: it belongs in the Conditions "
                           "section or in Fn::If's condition, not in a value.", pos)
            elif fn in _NOT_EVALUATED:
                self.error("IAC_UNCHECKED_VALUE", f"parc does not evaluate {fn} (a macro or a language extension); "
                           "its value is not checked.", pos, level=FindingType.WARNING)
            else:
                self.error("IAC_UNKNOWN_FUNCTION", f"{fn} is not one of CloudFormation's intrinsic functions; its "
                           "value is not checked.", pos)
            return self._unknown(fn, pos)
        return handler(self, arg, pos)

    def text(self, node: JNode | None, fn: str, pos: Position) -> str | None:
        """A resolved value as a string, or None (reported) when it is not one."""
        if node is None:
            return None
        if node.kind == "string":
            return str(node.value)
        if node.kind in ("number", "bool"):
            return json.dumps(node.value)
        self.error("IAC_INVALID_INTRINSIC", f"{fn} needs a string here, not {_kind(node)}.", node.pos)
        return None

    def args(self, arg: JNode, fn: str, pos: Position, n: tuple[int, ...]) -> list[JNode] | None:
        if arg.kind != "array" or len(arg.items) not in n:
            want = " or ".join(str(k) for k in n)
            self.error("IAC_INVALID_INTRINSIC", f"{fn} takes a list of {want} values.", pos)
            return None
        return arg.items

    # -- Ref, Sub, GetAtt --------------------------------------------------------------------------------------
    def ref(self, name: str, pos: Position) -> JNode | None:
        if name == NO_VALUE:
            return None
        if name in PSEUDO:
            sym = PSEUDO[name]
            if self.region != EXAMPLE_REGION:
                sym = Symbol(sym.example.replace(EXAMPLE_REGION, self.region), sym.pattern, sym.opaque)
            return self._symbol(sym, pos)
        t = self.template
        if name in t.parameters:
            return self.parameter(name, pos)
        if name in t.resources:
            rtype, res = t.resources[name]
            return self._symbol(resource_value(name, rtype, res, None, self.region, self.generated), pos)
        self.error("IAC_UNKNOWN_REFERENCE", f"Ref {name}: no parameter, resource or pseudo parameter has this name "
                   "(CloudFormation rejects the template).", pos)
        return self._unknown(name, pos)

    def parameter(self, name: str, pos: Position) -> JNode:
        decl = self.template.parameters[name]
        ptype = ""
        value: str | None = self.template.given.get(name)
        if decl.kind == "object":
            t = decl.get("Type")
            ptype = str(t.node.value) if t is not None and t.node.kind == "string" else ""
            d = decl.get("Default")
            if value is None and d is not None:
                if d.node.kind == "array":  # a list default, as YAML allows for CommaDelimitedList
                    value = ",".join(str(i.value) for i in d.node.items)
                elif d.node.kind in ("string", "number", "bool"):
                    value = d.node.value if isinstance(d.node.value, str) else json.dumps(d.node.value)
        if value is None or ptype.startswith("AWS::SSM::Parameter::Value"):
            if value is None:
                self.error("IAC_MISSING_PARAMETER", f"Parameter {name} has no Default and no value in --parameters: "
                           "CloudFormation asks for it at deploy time, and parc cannot check what depends on it.",
                           pos, PARAMETERS_LINK)
            else:  # the value names an SSM parameter; its content is known only at deploy time
                return self._unknown(f"ssm:{value}", pos)
            return self._unknown(name, pos)
        if ptype.startswith("List<") or ptype == "CommaDelimitedList":
            return JNode([JNode(v.strip(), "string", pos) for v in value.split(",")], "array", pos)
        return JNode(value, "string", pos)

    def get_att(self, logical: str, attribute: str, pos: Position) -> JNode:
        t = self.template
        if logical not in t.resources:
            self.error("IAC_UNKNOWN_REFERENCE", f"Fn::GetAtt {logical}.{attribute}: no resource has this logical id "
                       "(CloudFormation rejects the template).", pos)
            return self._unknown(f"{logical}.{attribute}", pos)
        rtype, res = t.resources[logical]
        return self._symbol(resource_value(logical, rtype, res, attribute, self.region, self.generated), pos)

    def sub_variable(self, name: str, variables: Mapping[str, JNode], pos: Position) -> str | None:
        if name in variables:
            return self.text(variables[name], "Fn::Sub", pos)
        if ":" in name and "::" not in name:
            # ${aws:username}: an IAM policy variable. CloudFormation reads ${...} as its own variable.
            self.error("IAC_SUB_POLICY_VARIABLE", f"Fn::Sub reads ${{{name}}} as a CloudFormation variable; for the "
                       f"IAM policy variable write ${{!{name}}}.", pos, SUB_LINK, FindingType.WARNING)
            return "${" + name + "}"
        if "." in name and name.split(".", 1)[0] in self.template.resources:
            logical, attribute = name.split(".", 1)
            return self.text(self.get_att(logical, attribute, pos), "Fn::Sub", pos)
        value = self.ref(name, pos)
        if value is not None and value.kind == "array":
            self.error("IAC_INVALID_INTRINSIC", f"Fn::Sub cannot insert the list parameter {name}.", pos)
            return None
        return self.text(value, "Fn::Sub", pos) if value is not None else ""

    def condition_value(self, name: str, pos: Position) -> bool:
        if name not in self.template.conditions:
            self.error("IAC_UNKNOWN_CONDITION", f"Condition {name} is not in the template's Conditions section "
                       "(CloudFormation rejects the template).", pos)
        return self.branches.get(name, True)


def intrinsic(node: JNode) -> str | None:
    """The function name when ``node`` is ``{"Ref": ...}`` or ``{"Fn::X": ...}``."""
    if node.kind != "object" or len(node.members) != 1:
        return None
    key = node.members[0].key
    return key if key == "Ref" or key.startswith("Fn::") else None


def _kind(node: JNode) -> str:
    return {"object": "an object", "array": "a list"}.get(node.kind, f"a {node.kind}")


# -- handlers -------------------------------------------------------------------------------------------------------
def _ref(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    if arg.kind != "string":
        r.error("IAC_INVALID_INTRINSIC", "Ref takes the name of a parameter or resource.", pos)
        return r._unknown("Ref", pos)
    return r.ref(str(arg.value), pos)


def _sub(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    variables: dict[str, JNode] = {}
    unknown_vars: set[str] = set()
    if arg.kind == "array":
        if len(arg.items) != 2 or arg.items[1].kind != "object":
            r.error("IAC_INVALID_INTRINSIC", "Fn::Sub takes a string, or a list of a string and a map of variables.",
                    pos, SUB_LINK)
            return r._unknown("Fn::Sub", pos)
        for m in arg.items[1].members:
            v = r.resolve(m.node)
            if v is not None:
                variables[m.key] = v
                if v.pos in r.opaque:
                    unknown_vars.add(m.key)
        arg = arg.items[0]
    template = r.text(r.resolve(arg) if arg.kind != "string" else arg, "Fn::Sub", pos)
    if template is None:
        return r._unknown("Fn::Sub", pos)
    opaque_before = len(r.opaque)
    out: list[str] = []
    last = 0
    for match in _SUB_VAR.finditer(template):
        out.append(template[last : match.start()])
        last = match.end()
        name = match.group(1)
        if name.startswith("!"):
            out.append("${" + name[1:] + "}")
            continue
        if name.strip() in unknown_vars:
            r.opaque.add(pos)
        value = r.sub_variable(name.strip(), variables, pos)
        out.append(value if value is not None else "")
    out.append(template[last:])
    result = JNode("".join(out), "string", pos)
    if len(r.opaque) > opaque_before:
        r.opaque.add(pos)
    return result


def _get_att(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    if arg.kind == "string" and "." in str(arg.value):
        logical, attribute = str(arg.value).split(".", 1)
    elif arg.kind == "array" and len(arg.items) == 2:
        parts = [r.text(r.resolve(i), "Fn::GetAtt", pos) for i in arg.items]
        if parts[0] is None or parts[1] is None:
            return r._unknown("Fn::GetAtt", pos)
        logical, attribute = parts[0], parts[1]
    else:
        r.error("IAC_INVALID_INTRINSIC", "Fn::GetAtt takes [LogicalId, Attribute] or LogicalId.Attribute.", pos)
        return r._unknown("Fn::GetAtt", pos)
    return r.get_att(logical, attribute, pos)


def _join(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::Join", pos, (2,))
    if items is None:
        return r._unknown("Fn::Join", pos)
    delim = r.text(items[0], "Fn::Join", pos)
    values = r.resolve(items[1])
    if delim is None or values is None or values.kind != "array":
        if values is not None and values.kind != "array":
            r.error("IAC_INVALID_INTRINSIC", "Fn::Join's second value must be a list.", pos)
        return r._unknown("Fn::Join", pos)
    parts = [r.text(v, "Fn::Join", pos) for v in values.items]
    if any(v.pos in r.opaque for v in values.items):
        r.opaque.add(pos)
    return JNode(delim.join(p or "" for p in parts), "string", pos)


def _select(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::Select", pos, (2,))
    if items is None:
        return r._unknown("Fn::Select", pos)
    index = r.text(r.resolve(items[0]), "Fn::Select", pos)
    values = r.resolve(items[1])
    if index is None or values is None or values.kind != "array":
        return r._unknown("Fn::Select", pos)
    if not index.isdigit() or int(index) >= len(values.items):
        r.error("IAC_INVALID_INTRINSIC", f"Fn::Select index {index} is not in the list of {len(values.items)} "
                "values (CloudFormation fails the deploy).", pos)
        return r._unknown("Fn::Select", pos)
    chosen = values.items[int(index)]
    if chosen.pos in r.opaque:
        r.opaque.add(pos)
    return JNode(chosen.value, chosen.kind, pos) if chosen.kind not in ("object", "array") else chosen


def _split(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::Split", pos, (2,))
    if items is None:
        return r._unknown("Fn::Split", pos)
    delim = r.text(r.resolve(items[0]), "Fn::Split", pos)
    source = r.resolve(items[1])
    value = r.text(source, "Fn::Split", pos)
    if delim is None or value is None or not delim:
        return r._unknown("Fn::Split", pos)
    if source is not None and source.pos in r.opaque:
        r.opaque.add(pos)
    return JNode([JNode(p, "string", pos) for p in value.split(delim)], "array", pos)


def _import_value(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    name = r.text(r.resolve(arg), "Fn::ImportValue", pos)
    return r._unknown(f"import:{name}", pos)


def _find_in_map(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::FindInMap", pos, (3, 4))
    if items is None:
        return r._unknown("Fn::FindInMap", pos)
    keys = [r.text(r.resolve(i), "Fn::FindInMap", pos) for i in items[:3]]
    default = r.resolve(items[3]) if len(items) == 4 else None
    node = r.template.mappings
    for k in keys:
        if k is None:
            return r._unknown("Fn::FindInMap", pos)
        m = node.get(k) if node is not None and node.kind == "object" else None
        if m is None:
            if default is not None and default.kind == "object" and default.get("DefaultValue") is not None:
                return default.get("DefaultValue").node  # type: ignore[union-attr]
            r.error("IAC_UNKNOWN_REFERENCE", f"Fn::FindInMap: the Mappings section has no {'.'.join(map(str, keys))} "
                    "(CloudFormation fails the deploy).", pos)
            return r._unknown("Fn::FindInMap", pos)
        node = m.node
    assert node is not None
    value = r.resolve(node)
    if value is not None and value.kind not in ("object", "array"):
        return JNode(value.value, value.kind, pos)
    return value


def _base64(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    source = r.resolve(arg)
    value = r.text(source, "Fn::Base64", pos)
    if value is None or (source is not None and source.pos in r.opaque):
        return r._unknown("Fn::Base64", pos)
    return JNode(base64.b64encode(value.encode("utf-8")).decode("ascii"), "string", pos)


def _cidr(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::Cidr", pos, (3,))
    if items is None:
        return r._unknown("Fn::Cidr", pos)
    block, count, bits = (r.text(r.resolve(i), "Fn::Cidr", pos) for i in items)
    try:
        net = ipaddress.ip_network(block or "", strict=False)
        n, b = int(count or ""), int(bits or "")
        if not 1 <= n <= 256:  # the function's documented range (and a bound on the work)
            raise ValueError(count)
        subnets = net.subnets(new_prefix=net.max_prefixlen - b)
        cidrs = [str(next(subnets)) for _ in range(n)]
    except (ValueError, StopIteration):
        r.error("IAC_INVALID_INTRINSIC", f"Fn::Cidr [{block}, {count}, {bits}] is not a block that splits so (count "
                "is 1 to 256).", pos, "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
                "intrinsic-function-reference-cidr.html")
        return r._unknown("Fn::Cidr", pos)
    return JNode([JNode(c, "string", pos) for c in cidrs], "array", pos)


def _get_azs(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    region = r.text(r.resolve(arg), "Fn::GetAZs", pos) or EXAMPLE_REGION
    # Which zones a region has is known only to the account at deploy time: three well-formed stand-ins.
    r.opaque.add(pos)
    zones = ["*"] if r.pattern else [f"{region}{z}" for z in "abc"]
    return JNode([JNode(z, "string", pos) for z in zones], "array", pos)


def _if(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    items = r.args(arg, "Fn::If", pos, (3,))
    if items is None or items[0].kind != "string":
        if items is not None:
            r.error("IAC_INVALID_INTRINSIC", "Fn::If's first value is the name of a condition.", pos)
        return r._unknown("Fn::If", pos)
    chosen = items[1] if r.condition_value(str(items[0].value), items[0].pos) else items[2]
    return r.resolve(chosen)


def _length(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    value = r.resolve(arg)
    if value is None or value.kind != "array":
        r.error("IAC_INVALID_INTRINSIC", "Fn::Length takes a list.", pos)
        return r._unknown("Fn::Length", pos)
    return JNode(len(value.items), "number", pos)


def _to_json_string(r: Resolver, arg: JNode, pos: Position) -> JNode | None:
    value = r.resolve(arg)
    if value is None:
        return r._unknown("Fn::ToJsonString", pos)
    return JNode(json.dumps(value.to_python(), separators=(",", ":")), "string", pos)


_HANDLERS = {
    "Ref": _ref,
    "Fn::Sub": _sub,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::ImportValue": _import_value,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::Cidr": _cidr,
    "Fn::GetAZs": _get_azs,
    "Fn::If": _if,
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json_string,
}
_NOT_EVALUATED = frozenset({"Fn::Transform", "Fn::ForEach", "Fn::Contains", "Fn::EachMemberEquals",
                            "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll", "Fn::GetStackOutput"})
"""Functions CloudFormation has (macros, language extensions, rule functions) that parc does not evaluate."""
_CONDITION_FUNCTIONS = frozenset({"Fn::And", "Fn::Or", "Fn::Not", "Fn::Equals", "Condition"})


def conditions_used(node: JNode, template: Template, out: set[str] | None = None) -> set[str]:
    """The condition names that ``Fn::If`` reads in ``node`` (each is checked both ways)."""
    found = out if out is not None else set()
    if node.kind == "object":
        if intrinsic(node) == "Fn::If":
            arg = node.members[0].node
            if arg.kind == "array" and arg.items and arg.items[0].kind == "string":
                found.add(str(arg.items[0].value))
        for m in node.members:
            conditions_used(m.node, template, found)
    elif node.kind == "array":
        for i in node.items:
            conditions_used(i, template, found)
    return found


def check_condition(expr: JNode, r: Resolver, name: str, depth: int = 0) -> None:
    """Check a Conditions-section expression: its functions (Fn::And/Or/Not/Equals, Condition) and the values and
    conditions it reads, so that a broken condition is reported even though Fn::If is checked both ways."""
    fn = intrinsic(expr) or ("Condition" if expr.kind == "object" and len(expr.members) == 1
                             and expr.members[0].key == "Condition" else None)
    if depth > 50:
        return
    if fn is None:
        r.error("IAC_INVALID_INTRINSIC", f"Condition {name} must be built from Fn::And, Fn::Or, Fn::Not, Fn::Equals "
                "or Condition.", expr.pos)
        return
    arg = expr.members[0].node
    if fn == "Condition":
        if arg.kind != "string":
            r.error("IAC_INVALID_INTRINSIC", "Condition takes a condition name.", expr.pos)
        else:
            r.condition_value(str(arg.value), arg.pos)
        return
    if fn == "Fn::Equals":
        items = r.args(arg, fn, expr.pos, (2,))
        for i in items or ():
            r.resolve(i)
        return
    if fn in ("Fn::And", "Fn::Or", "Fn::Not"):
        n = (1,) if fn == "Fn::Not" else tuple(range(2, 11))
        for i in r.args(arg, fn, expr.pos, n) or ():
            check_condition(i, r, name, depth + 1)
        return
    r.error("IAC_INVALID_INTRINSIC", f"{fn} cannot decide condition {name}: use Fn::And, Fn::Or, Fn::Not, "
            "Fn::Equals or Condition.", expr.pos)
