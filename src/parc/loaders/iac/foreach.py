"""``Fn::ForEach`` (the AWS::LanguageExtensions transform): the resources (and properties) a loop makes, expanded
before the policies are found, each copy keeping the positions of the fragment the user wrote, so a finding in a
made resource points at the loop's line.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html:
every ``${Identifier}`` and ``&{Identifier}`` in the output keys and values is replaced by the collection's value
(``&{}`` with its non-alphanumeric characters removed), and ``Ref`` to the identifier gives the value. The
collection is a list, or a ``Ref`` to a CommaDelimitedList parameter (its value from ``--parameters`` or its
default). A loop parc cannot expand (a collection known only at deploy time) is left as is: the reader says that
its resources are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from parc.core.findings import Finding, FindingType
from parc.core.policy.jsonpos import JMember, JNode

FOREACH_LINK = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
                "intrinsic-function-reference-foreach.html")
PREFIX = "Fn::ForEach::"
_MAX_COPIES = 10_000
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


def expand_foreach(root: JNode, given: Mapping[str, str], name: str) -> list[Finding]:
    """Expand every loop under Resources in place; findings for the loops that could not be expanded."""
    res = root.get("Resources") if root.kind == "object" else None
    if res is None or res.node.kind != "object":
        return []
    params = root.get("Parameters")
    parameters = params.node if params is not None and params.node.kind == "object" else None
    findings: list[Finding] = []
    budget = [_MAX_COPIES]
    _walk(res.node, parameters, given, name, findings, budget, "Resources")
    return findings


def _walk(node: JNode, parameters: JNode | None, given: Mapping[str, str], name: str, findings: list[Finding],
          budget: list[int], path: str) -> None:
    if node.kind == "array":
        for i in node.items:
            _walk(i, parameters, given, name, findings, budget, path)
        return
    if node.kind != "object":
        return
    members: list[JMember] = []
    for m in node.members:
        if m.key.startswith(PREFIX):
            made = _expand(m, parameters, given, name, findings, budget, path)
            if made is None:
                members.append(m)
                continue
            for k in made:
                _walk(k.node, parameters, given, name, findings, budget, f"{path}.{k.key}")
            members.extend(made)
        else:
            _walk(m.node, parameters, given, name, findings, budget, f"{path}.{m.key}")
            members.append(m)
    node.value = members


def _expand(loop: JMember, parameters: JNode | None, given: Mapping[str, str], name: str, findings: list[Finding],
            budget: list[int], path: str) -> list[JMember] | None:
    arg = loop.node
    where = f"{path}.{loop.key}"
    if arg.kind != "array" or len(arg.items) != 3 or arg.items[0].kind != "string" or arg.items[2].kind != "object":
        findings.append(Finding("IAC_INVALID_INTRINSIC", FindingType.ERROR, f"{loop.key} takes [Identifier, "
                                "Collection, {OutputKey: OutputValue}]; the resources it makes are not checked.",
                                where, loop.key_pos, name, FOREACH_LINK, resource=loop.key))
        return None
    identifier = str(arg.items[0].value)
    values = _collection(arg.items[1], parameters, given)
    if values is None:
        return None  # said by the reader (the loop's resources are not checked)
    out: list[JMember] = []
    for value in values:
        for m in arg.items[2].members:
            budget[0] -= 1
            if budget[0] < 0:
                findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"{loop.key} makes more than "
                                        f"{_MAX_COPIES} copies; the rest are not checked.", where, loop.key_pos,
                                        name, FOREACH_LINK, resource=loop.key))
                return out
            out.append(JMember(_text(m.key, identifier, value), m.key_pos, _copy(m.node, identifier, value)))
    return out


def _collection(node: JNode, parameters: JNode | None, given: Mapping[str, str]) -> list[str] | None:
    if node.kind == "array":
        if all(i.kind in ("string", "number") for i in node.items):
            return [str(i.value) for i in node.items]
        return None
    ref = node.get("Ref") if node.kind == "object" and len(node.members) == 1 else None
    if ref is None or ref.node.kind != "string":
        return None
    pname = str(ref.node.value)
    if pname in given:
        return [v.strip() for v in given[pname].split(",")]
    decl = parameters.get(pname) if parameters is not None else None
    default = decl.node.get("Default") if decl is not None and decl.node.kind == "object" else None
    if default is None:
        return None
    if default.node.kind == "array":
        return [str(i.value) for i in default.node.items]
    if default.node.kind == "string":
        return [v.strip() for v in str(default.node.value).split(",")]
    return None


def _text(text: str, identifier: str, value: str) -> str:
    return text.replace("${" + identifier + "}", value).replace("&{" + identifier + "}", _NON_ALNUM.sub("", value))


def _copy(node: JNode, identifier: str, value: str) -> JNode:
    """The fragment for one value: placeholders replaced, ``Ref`` to the identifier made the value; positions
    kept."""
    if node.kind == "object":
        if len(node.members) == 1 and node.members[0].key == "Ref" and node.members[0].node.value == identifier:
            return JNode(value, "string", node.pos)
        return JNode([JMember(_text(m.key, identifier, value), m.key_pos, _copy(m.node, identifier, value))
                      for m in node.members], "object", node.pos)
    if node.kind == "array":
        return JNode([_copy(i, identifier, value) for i in node.items], "array", node.pos)
    if node.kind == "string":
        return JNode(_text(str(node.value), identifier, value), "string", node.pos)
    return JNode(node.value, node.kind, node.pos)
