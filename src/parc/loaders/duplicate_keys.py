"""Keys given twice in one JSON object, reported where they are.

AWS never writes a key twice, and readers disagree on which value counts (Python's ``json`` keeps the last, the
positioned reader the first), so such an item is ambiguous: the loaders whose values and positions may come from
different readers (the audit's IAM export, the data stores, the network's describe-* files) say so, with the path
and line of each repetition.
"""

from __future__ import annotations

from parc.core.findings import Finding, FindingType
from parc.core.policy.jsonpos import JMember, JNode, JsonSyntaxError, parse_json

CODE = "AUDIT_INPUT_UNREADABLE"


def repeated_keys(text: str, file: str, keys: list[str], code: str = CODE) -> list[Finding]:
    """The findings for a text in which ``jsonpos.loads`` met the repeated ``keys``: each where it is (the text read
    with positions, only now), or, for a text the positioned reader refuses (nested past its limit), one naming
    them."""
    try:
        tree = parse_json(text)
    except (JsonSyntaxError, RecursionError):
        names = ", ".join(sorted({repr(k) for k in keys}))
        return [Finding(code, FindingType.ERROR, f"keys given twice in one object ({names}); AWS never writes that, "
                        "and which value counts is not defined", "", None, file)]
    return duplicate_keys(tree, file, code)


def duplicate_keys(tree: JNode, file: str, code: str = CODE) -> list[Finding]:
    """An ERROR for each repetition of a key in an object of ``tree``, in the order a walk of the containers meets
    them. Walks the containers only; the path of an object is spelt out only when it has a duplicate (found again
    from the root then: spelling every container's path, or keeping its parent, cost more than the rest of the
    walk)."""
    out: list[Finding] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.kind == "object":
            members: list[JMember] = node.value  # type: ignore[assignment]
            if len({m.key for m in members}) != len(members):
                path = _path_to(tree, node)
                seen: set[str] = set()
                for m in members:
                    if m.key in seen:
                        sub = f"{path}.{m.key}" if path else m.key
                        out.append(Finding(code, FindingType.ERROR,
                                           f"{sub}: the key {m.key!r} is given twice in one object; AWS never "
                                           "writes that, and which value counts is not defined", sub, m.key_pos,
                                           file))
                    seen.add(m.key)
            stack.extend([m.node for m in members if m.node.kind in _CONTAINERS])
        elif node.kind == "array":
            stack.extend([item for item in node.value if item.kind in _CONTAINERS])  # type: ignore[attr-defined]
    return out


_CONTAINERS = frozenset({"object", "array"})


def _path_to(tree: JNode, target: JNode) -> str:
    """The JSON path of ``target`` in ``tree`` (``RoleDetailList[3].Tags``)."""
    stack: list[tuple[JNode, str]] = [(tree, "")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if node.kind == "object":
            stack.extend((m.node, f"{path}.{m.key}" if path else m.key) for m in node.members
                         if m.node.kind in _CONTAINERS)
        elif node.kind == "array":
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.items) if item.kind in _CONTAINERS)
    return ""
