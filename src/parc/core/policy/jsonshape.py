"""A JSON value's content without its positions: what two copies of one document at different places of a file, or
in different files, have in common.

Why: an account repeats its documents (thousands of roles trust one service with one trust policy), and what the
lint finds in a document depends on its content alone, where it finds it on its place. The audit decides each
content once; the key is the shape of a positioned tree (``shape``), or the compact text of the plain values the
standard library reads (``value_content``), which tells the same contents apart for a text with no key given twice
(plain values keep one of them: their callers read such texts with positions). The two kinds of key never meet as
equal (a tuple is no string), so a caller may hold both. Scalars keep their JSON type: ``1``, ``1.0`` and ``true``
are different JSON, though Python finds them equal.
"""

from __future__ import annotations

import json

from parc.core.limits import MAX_DEPTH
from parc.core.policy.jsonpos import JNode

Shape = tuple[object, ...]
Content = Shape | str
"""A content key: a positioned tree's ``shape``, or plain values' ``value_content``."""


def shape(node: JNode) -> Shape:
    """Everything of the tree but its positions: kinds, keys in order (repeated ones too), scalars with their
    type."""
    kind = node.kind
    if kind == "object":
        return ("o", *((m.key, shape(m.node)) for m in node.members))
    if kind == "array":
        return ("a", *(shape(n) for n in node.items))
    value = node.value
    if kind == "number":
        return ("n", type(value).__name__, repr(value))
    return (kind, value)


def value_content(value: object) -> str:
    """The content of plain values as a key: their compact JSON text (the standard library's encoder, in C, a tenth
    of building ``shape``'s tuples in Python). Two values have the same text exactly when the texts they were read
    from have the same shape: keys in order, each scalar in its JSON spelling (``1``, ``1.0`` and ``true`` differ),
    strings escaped one way. Not for a text with a key given twice (plain values keep one of them)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def too_deep(value: object, depth: int = 0) -> bool:
    """Whether the positioned reader stops in the text ``value`` was read from, at its nesting limit
    (``limits.MAX_DEPTH``), the value being ``depth`` containers deep in that text."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            if level >= MAX_DEPTH:
                return True
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False
