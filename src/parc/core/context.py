"""The request context as the matchers see it: lowercased key names mapped to text values.

Context key names are case-insensitive in IAM, so the context is keyed by the lowercased name once, here, and
every lookup after that is a plain dict access. A single-valued key holds a ``str``; a multivalued key (such as
``aws:TagKeys``) holds a ``tuple[str, ...]``. Values are text because that is how IAM compares them: a number,
a date or a boolean is parsed by the condition operator that reads it, not by the context.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""

from __future__ import annotations

from collections.abc import Mapping

ContextValue = str | tuple[str, ...]
Context = Mapping[str, ContextValue]

EMPTY_CONTEXT: Context = {}


def _scalar_text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(f"context key {name!r}: a value must be text, a number or a boolean, not {type(value).__name__}")


def normalize_context(raw: Mapping[str, object]) -> dict[str, ContextValue]:
    """Lowercase key names and turn values into text (booleans as ``true``/``false``).

    Lists and tuples become tuples (a multivalued key); ``None`` values, and ``None`` inside lists, are dropped,
    so that a key given as ``null`` is absent. Two spellings of one key with different values are an error
    rather than a silent choice.
    """
    out: dict[str, ContextValue] = {}
    spelled: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            raise TypeError(f"context key names must be text, not {type(name).__name__}: {name!r}")
        if value is None:
            continue
        norm: ContextValue
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
            norm = tuple(_scalar_text(name, item) for item in items if item is not None)
        else:
            norm = _scalar_text(name, value)
        lower = name.lower()
        if lower in out and out[lower] != norm:
            raise ValueError(
                f"context key {name!r} is given twice with different values (also as {spelled[lower]!r}); "
                "key names are case-insensitive"
            )
        out[lower] = norm
        spelled[lower] = name
    return out


def is_absent(value: ContextValue | None) -> bool:
    """A key is absent when it is missing or holds an empty set of values (an empty multivalued key)."""
    return value is None or value == ()
