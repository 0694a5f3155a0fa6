"""Terraform resources as ``parc audit --iac`` links them: each resource's known values, the resources each
attribute refers to, and which attributes are known only after apply.

From a plan (``terraform show -json``, https://developer.hashicorp.com/terraform/internals/json-format):
``planned_values`` holds the values Terraform knows at plan time (an unknown value is omitted, and
``resource_changes[].change.after_unknown`` marks it), ``configuration`` holds each attribute's expression with the
``references`` it makes (``["aws_iam_role.app.name", "aws_iam_role.app"]``, relative to the module that writes it).
A role named by Terraform at apply (``name_prefix``, no name) or a policy's ARN is unknown in the plan: the
reference is what links an attachment to them.

From ``.tf`` files (python-hcl2's parse tree, see hcl.py): a literal attribute is a value, an expression such as
``aws_iam_role.app.name`` or ``"${aws_iam_policy.p.arn}"`` is a reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json
from parc.loaders.iac.terraform import plan_member, plan_text

_REFERENCE = re.compile(r"(?<![\w.])((?:module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.)*(?:data\.)?aws_[a-z0-9_]+\.[A-Za-z_]"
                        r"[\w-]*)(?:\[[^\]]*\])?((?:\.[a-z_][a-z0-9_]*)?)")
_INDEX = re.compile(r"\[[^\]]*\]")
OTHER = "(other)"
"""The base of a reference parc does not follow (a variable, a local value, a module's output)."""


@dataclass
class TfResource:
    """One Terraform resource (or data source) instance."""

    address: str
    """As Terraform writes it, with the instance key (``aws_iam_role.r[0]``, ``module.m.aws_iam_role.r``)."""
    rtype: str
    mode: str
    file: str
    pos: Position
    values: dict[str, object] = field(default_factory=dict)
    """The attributes whose values are known (literal, or resolved in the plan)."""
    refs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Attribute -> the (resource base address, attribute) pairs its expression refers to."""
    unknown: set[str] = field(default_factory=set)
    """Attributes the plan marks known only after apply."""
    partial: set[str] = field(default_factory=set)
    """Attributes with a part parc cannot follow (a variable known only after apply, a function of references):
    what they name is not known, even when some of it is."""
    configured: bool = True
    """Whether the plan's configuration has this resource: then an attribute it does not write that is unknown
    (``managed_policy_arns``, ``inline_policy``: Optional and Computed) is what AWS reports after apply, not an
    input parc lacks."""

    def written(self, attr: str) -> bool:
        """Whether the configuration writes ``attr`` (or parc cannot tell)."""
        return not self.configured or attr in self.refs

    @property
    def base(self) -> str:
        """The address without instance keys: what a reference names."""
        return _INDEX.sub("", self.address)


def references(text: str, module: str = "") -> list[tuple[str, str]]:
    """The (resource address, attribute) pairs an expression's text refers to; ``module``: the prefix of the module
    that writes it (``module.m.``)."""
    out: list[tuple[str, str]] = []
    for m in _REFERENCE.finditer(text):
        pair = (module + _INDEX.sub("", m.group(1)), m.group(2).lstrip("."))
        if pair not in out:
            out.append(pair)
    return out


# -- plan -------------------------------------------------------------------------------------------------------
def _expression_refs(expr: JNode | None, module: str) -> list[tuple[str, str]]:
    """The references of an expression object (or of a nested block's list of them)."""
    if expr is None:
        return []
    if expr.kind == "array":
        return [r for item in expr.items for r in _expression_refs(item, module)]
    refs = plan_member(expr, "references")
    out: list[tuple[str, str]] = []
    for r in refs.items if refs is not None and refs.kind == "array" else ():
        found = references(plan_text(r), module)
        if not found and not plan_text(r).startswith(("aws_", "data.")):
            found = [(OTHER, plan_text(r))]  # var.x, local.y, module.m.output: parc does not follow them
        for pair in found:
            if pair not in out:
                out.append(pair)
    if refs is None and expr.kind == "object" and plan_member(expr, "constant_value") is None:
        for m in expr.members:  # a nested block: its attributes' expressions
            out.extend(p for p in _expression_refs(m.node, module) if p not in out)
    return out


def _configuration(module: JNode | None, prefix: str, out: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    if module is None or module.kind != "object":
        return
    resources = plan_member(module, "resources")
    for r in resources.items if resources is not None and resources.kind == "array" else ():
        expressions = plan_member(r, "expressions")
        out[prefix + plan_text(plan_member(r, "address"))] = {
            m.key: _expression_refs(m.node, prefix) for m in (expressions.members if expressions is not None
                                                              and expressions.kind == "object" else [])}
    calls = plan_member(module, "module_calls")
    for call in calls.members if calls is not None and calls.kind == "object" else []:
        _configuration(plan_member(call.node, "module"), f"{prefix}module.{call.key}.", out)


def _modules(module: JNode | None) -> Iterator[JNode]:
    if module is None or module.kind != "object":
        return
    resources = plan_member(module, "resources")
    yield from resources.items if resources is not None and resources.kind == "array" else ()
    children = plan_member(module, "child_modules")
    for c in children.items if children is not None and children.kind == "array" else ():
        yield from _modules(c)


def plan_resources(name: str, text: str) -> list[TfResource]:
    """The resources of a plan's JSON; [] when it cannot be read (``read_plan`` says why)."""
    try:
        root = parse_json(text)
    except (JsonSyntaxError, RecursionError):
        return []
    unknown: dict[str, set[str]] = {}
    changes = plan_member(root, "resource_changes")
    for rc in changes.items if changes is not None and changes.kind == "array" else ():
        after = plan_member(plan_member(rc, "change"), "after_unknown")
        members = after.members if after is not None and after.kind == "object" else []
        unknown[plan_text(plan_member(rc, "address"))] = {m.key for m in members if m.node.value is not False}
    config: dict[str, dict[str, list[tuple[str, str]]]] = {}
    _configuration(plan_member(plan_member(root, "configuration"), "root_module"), "", config)
    out: list[TfResource] = []
    seen: set[str] = set()
    planned = plan_member(root, "planned_values")
    # a plan: what it would make (a resource in prior_state only is one the plan destroys); a state: its values
    for section in (planned,) if planned is not None else (plan_member(root, "values"),):
        for r in _modules(plan_member(section, "root_module")):
            address, values = plan_text(plan_member(r, "address")), plan_member(r, "values")
            if not address or address in seen or values is None or values.kind != "object":
                continue
            seen.add(address)
            configured = config.get(_INDEX.sub("", address))
            refs = {k: [p for p in v if p[0] != OTHER] for k, v in (configured or {}).items()}
            unknowns = unknown.get(address, set())
            partial = {k for k, v in (configured or {}).items() if k in unknowns and any(p[0] == OTHER for p in v)}
            kind, mode = plan_text(plan_member(r, "type")), plan_text(plan_member(r, "mode")) or "managed"
            res = TfResource(address, kind, mode, name, values.pos,
                             {m.key: m.node.to_python() for m in values.members if m.node.kind != "null"},
                             refs, unknowns, partial, configured is not None)
            out.append(res)
    return out


# -- .tf --------------------------------------------------------------------------------------------------------
def source_resources(name: str, text: str, variables: Mapping[str, JNode]) -> list[TfResource]:
    """The resources of a .tf file, ``variables`` the input variables whose values are known; [] when it cannot be
    parsed (``read_hcl`` says why)."""
    from parc.loaders.iac.hcl import _attributes, _blocks, _Eval, _source, evaluate

    try:
        tree = hcl2.parses_to_tree(text)
    except (LarkError, ValueError):
        return []
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    out: list[TfResource] = []
    for block in _blocks(body) if body is not None else []:
        if block.kind not in ("resource", "data") or len(block.labels) < 2:
            continue
        rtype, label = block.labels[0], block.labels[1]
        mode = "data" if block.kind == "data" else "managed"
        res = TfResource(f"{'data.' if mode == 'data' else ''}{rtype}.{label}", rtype, mode, name, block.pos)
        for attr, (expr, _) in _attributes(block.body).items():
            ev = _Eval(variables=variables)
            value = evaluate(expr, ev)
            known = _known(value, ev.opaque)
            if known is not None:
                res.values[attr] = known
            refs = references(_source(expr))
            if refs:
                res.refs[attr] = refs
            if ev.opaque and not _followed(expr, _source, variables):
                res.partial.add(attr)
        for nested in _blocks(block.body):  # inline_policy { name = ..., policy = ... }: its literal values
            literal: dict[str, object] = {}
            for attr, (expr, _) in _attributes(nested.body).items():
                ev = _Eval(variables=variables)
                known = _known(evaluate(expr, ev), ev.opaque)
                if known is not None:
                    literal[attr] = known
            blocks = res.values.setdefault(nested.kind, [])
            if isinstance(blocks, list):
                blocks.append(literal)
        out.append(res)
    return out


_WHOLE_REFERENCE = re.compile(r'\s*(?:"\$\{\s*)?' + _REFERENCE.pattern + r'(?:\s*\}")?\s*')


def _followed(expr: Tree[Token], source: Callable[[Tree[Token]], str], variables: Mapping[str, JNode]) -> bool:
    """Whether each item of ``expr`` (a list, or the value itself) is a literal or one whole reference."""
    from parc.loaders.iac.hcl import _Eval, _trees, evaluate

    node: Tree[Token] = expr
    while node.data == "expr_term" and len(_trees(node)) == 1:
        node = _trees(node)[0]
    items = _trees(node) if node.data == "tuple" else [node]
    for item in items:
        ev = _Eval(variables=variables)
        evaluate(item, ev)
        if ev.opaque and not _WHOLE_REFERENCE.fullmatch(source(item)):
            return False
    return True


def _known(node: JNode, opaque: set[Position]) -> object | None:
    """The literal part of a value: a scalar not at an opaque position, a list's literal items."""
    if node.kind == "array":
        return [v for v in (_known(i, opaque) for i in node.items) if v is not None]
    if node.pos in opaque:
        return None
    if node.kind == "object":
        return {m.key: _known(m.node, opaque) for m in node.members}
    return node.value
