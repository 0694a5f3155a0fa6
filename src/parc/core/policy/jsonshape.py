"""A JSON value's content without its positions: what two copies of one document at different places of a file, or
in different files, have in common.

Why: an account repeats its documents (thousands of roles trust one service with one trust policy), and what the
lint finds in a document depends on its content alone, where it finds it on its place. The audit decides each
content once; the shape is the key. It is built from a positioned tree (``shape``) or from the plain values the
standard library reads (``value_shape``), and the two give the same shape for the same text when no key of it is
repeated (``value_shape`` cannot see a repetition: plain values keep one; its callers read such a text with
positions). Scalars keep their JSON type: ``1``, ``1.0`` and ``true`` are different JSON, though Python finds them
equal.
"""

from __future__ import annotations

from parc.core.limits import MAX_DEPTH
from parc.core.policy.jsonpos import JNode

Shape = tuple[object, ...]


class TooDeep(Exception):
    """A value nested past the positioned reader's limit (``limits.MAX_DEPTH``), counting the containers around it."""


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


def value_shape(value: object, depth: int = 0) -> Shape:
    """``shape`` of the tree the positioned reader builds for the text ``value`` was read from, ``depth`` containers
    deep in it; raises TooDeep where that reader stops at its nesting limit."""
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise TooDeep
        return ("o", *((k, value_shape(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise TooDeep
        return ("a", *(value_shape(v, depth + 1) for v in value))
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    return ("n", type(value).__name__, repr(value))
