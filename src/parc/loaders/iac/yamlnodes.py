"""CloudFormation YAML as the same positioned tree (``JNode``) that parc's JSON reader builds.

PyYAML's composer is used (not its constructor, nor ruamel.yaml): it is the reference YAML library for Python, kept
by the YAML project, already in the dependency tree, and its nodes keep the start mark (line, column) of every
value and every key, and their tag as written. Composing without constructing means CloudFormation's short-form
tags (``!Ref``, ``!Sub`` ...) need no registration, an unknown tag is seen as itself (reported where it is, rather
than a constructor crash), duplicate keys survive (CloudFormation rejects them), and YAML 1.1's implicit types do
not bite (``Version: 2012-10-17`` stays the string a policy needs, not a date). ruamel.yaml would do as well but
round-trip loading is heavier than a read-only pass needs.

A short-form tag becomes the long form (``!Sub x`` -> ``{"Fn::Sub": x}``), so one resolver serves JSON and YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from parc.core.findings import Position
from parc.core.limits import MAX_NUMBER_CHARS
from parc.core.policy.jsonpos import JMember, JNode

SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Sub", "GetAtt", "Join", "If", "Select", "Split", "ImportValue", "FindInMap", "Base64", "Cidr",
            "GetAZs", "And", "Or", "Not", "Equals", "Length", "ToJsonString", "Transform", "ForEach",
        )
    },
}
"""https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html"""

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOATING = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class TagError:
    """A tag that is not one of CloudFormation's: where it is and what it was."""

    tag: str
    pos: Position


class YamlError(ValueError):
    def __init__(self, message: str, pos: Position) -> None:
        super().__init__(f"{message} at line {pos.line}, column {pos.column}")
        self.message = message
        self.pos = pos


def _pos(node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


def parse_yaml(text: str) -> tuple[JNode, list[TagError]]:
    """The document as a positioned tree, and the unknown tags in it (each becomes a null where it was).

    Raises ``YamlError`` (located) when the text is not YAML or holds more than one document."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        raise YamlError(str(exc.problem or exc.context or "not YAML"), pos) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), Position(1, 1)) from None
    except RecursionError:  # PyYAML composes nested collections recursively (found by tests/fuzz/test_fuzz_iac.py)
        raise YamlError("nested too deeply to read", Position(1, 1)) from None
    if root is None:
        raise YamlError("the file is empty", Position(1, 1))
    unknown: list[TagError] = []
    budget = [MAX_NODES_BASE + MAX_NODES_PER_CHAR * len(text)]
    return _convert(root, unknown, 0, budget), unknown


MAX_NODES_BASE = 100_000
MAX_NODES_PER_CHAR = 10
"""YAML aliases repeat a node wherever they appear: a few lines can stand for billions of values. A template
expands to at most this many values (its text's length times ten, plus a margin); past it, a located error."""


def _convert(node: yaml.Node, unknown: list[TagError], depth: int, budget: list[int]) -> JNode:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlError("the document expands to too many values through YAML aliases", _pos(node))
    if depth > 200:
        raise YamlError("nested too deeply", _pos(node))
    p = _pos(node)
    tag = node.tag
    if tag.startswith("!"):
        long = SHORT_TAGS.get(tag)
        inner = _untagged(node, unknown, depth, budget)
        if long is None:
            unknown.append(TagError(tag, p))
            return JNode(None, "null", p)
        return JNode([JMember(long, p, inner)], "object", p)
    return _untagged(node, unknown, depth, budget)


def _untagged(node: yaml.Node, unknown: list[TagError], depth: int, budget: list[int]) -> JNode:
    p = _pos(node)
    if isinstance(node, yaml.MappingNode):
        members = []
        for k, v in node.value:
            key = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
            members.append(JMember(key, _pos(k), _convert(v, unknown, depth + 1, budget)))
        return JNode(members, "object", p)
    if isinstance(node, yaml.SequenceNode):
        return JNode([_convert(v, unknown, depth + 1, budget) for v in node.value], "array", p)
    return _scalar(node, p)


def _scalar(node: yaml.Node, p: Position) -> JNode:
    text = str(node.value)
    if node.tag.startswith("!") or getattr(node, "style", None):  # quoted or tagged: a string as written
        return JNode(text, "string", p)
    if node.tag == _BOOL and text.lower() in ("true", "false"):
        return JNode(text.lower() == "true", "bool", p)
    if node.tag == _NULL:
        return JNode(None, "null", p)
    if node.tag in (_INT, _FLOAT) and len(text) > MAX_NUMBER_CHARS:  # found by tests/fuzz/test_fuzz_iac.py
        raise YamlError(f"a number of more than {MAX_NUMBER_CHARS} characters (parc's limit, as for JSON)", p)
    if node.tag == _INT and _DECIMAL.fullmatch(text):  # 0755, 0x1F, 1_000: YAML 1.1 forms kept as written
        return JNode(int(text), "number", p)
    if node.tag == _FLOAT and _FLOATING.fullmatch(text):
        return JNode(float(text), "number", p)
    return JNode(text, "string", p)  # str, and YAML 1.1 timestamps, yes/no ...: the text as written
