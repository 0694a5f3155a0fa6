"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, the specials ``${*}`` ``${?}`` ``${$}``.

A template is parsed once into parts (literal text, variable references, special characters) so that rendering
for a request is a join, and so that the glob matchers can tell a wildcard written in the policy from an asterisk
that came from ``${*}`` or from a substituted value: only the former is a wildcard.

Rules, from https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html :
- key names are case-insensitive;
- a default (``${key, 'default'}``) is used when the key is absent from the request;
- a variable with no value in the request cannot be rendered (``render`` returns ``None``); the matchers treat the
  value as null ("Policy variables with no value"): a Resource pattern or a StringEquals/StringLike value holding it
  matches nothing, while StringNotEquals/StringNotLike match against it;
- multivalued keys cannot be used as variables;
- ``${*}``, ``${?}`` and ``${$}`` stand for a literal ``*``, ``?`` and ``$``.

Whether variables are substituted at all (only under ``Version: 2012-10-17``) is the caller's decision: without
it, the text is used as written and ``${...}`` is literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parc.core.context import Context

SPECIALS = ("*", "?", "$")

# A key: no braces, quotes, commas or dollars, no white space at either end (tag keys may hold inner spaces).
_VARIABLE = re.compile(
    r"\$\{(?:(?P<special>[*?$])|(?P<key>[^\s{}',$](?:[^{}',$]*[^\s{}',$])?)(?:\s*,\s*'(?P<default>[^']*)')?)\}"
)


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``${key}`` or ``${key, 'default'}`` reference. ``key`` is lowercased."""

    key: str
    default: str | None
    text: str = field(default="", compare=False)
    """The reference as written, for messages (not part of equality: ``${AWS:UserName}`` is ``${aws:username}``)."""


@dataclass(frozen=True, slots=True)
class Special:
    """``${*}``, ``${?}`` or ``${$}``: a literal character that must never act as a wildcard."""

    char: str


Part = str | Variable | Special
"""Literal text (where ``*`` and ``?`` keep their wildcard meaning for the glob matchers), a variable, a special."""


def resolve_variable(var: Variable, ctx: Context) -> str | None:
    """The value a variable stands for in this request, or ``None`` when it cannot be resolved."""
    value = ctx.get(var.key)
    if value is None or value == ():
        return var.default
    if isinstance(value, tuple):
        return None  # a multivalued key cannot be used as a policy variable
    return value


class Template:
    """A string that may hold policy variables; parsed once, rendered per request."""

    __slots__ = ("_static", "has_variables", "parts", "text", "variable_names")

    text: str
    parts: tuple[Part, ...]
    has_variables: bool
    """True when rendering depends on the request (specials alone do not count: they are constants)."""
    variable_names: tuple[str, ...]

    def __init__(self, text: str, parts: tuple[Part, ...]) -> None:
        self.text = text
        self.parts = parts
        names: list[str] = []
        for part in parts:
            if isinstance(part, Variable) and part.key not in names:
                names.append(part.key)
        self.variable_names = tuple(names)
        self.has_variables = bool(names)
        self._static: str | None = None
        if not self.has_variables:
            self._static = "".join(p if isinstance(p, str) else p.char for p in parts if not isinstance(p, Variable))

    def render(self, ctx: Context) -> str | None:
        """The text with variables substituted, or ``None`` when a variable is unresolved and has no default."""
        if self._static is not None:
            return self._static
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Special):
                out.append(part.char)
            else:
                value = resolve_variable(part, ctx)
                if value is None:
                    return None
                out.append(value)
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other.parts == self.parts

    def __hash__(self) -> int:
        return hash(self.parts)


def parse_template(text: str) -> Template:
    """Split ``text`` into literal text, variables and specials. Anything that is not a well-formed reference
    (``${``, ``${}``, an unclosed brace) stays literal text."""
    parts: list[Part] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        special = m.group("special")
        if special is not None:
            parts.append(Special(special))
        else:
            parts.append(Variable(m.group("key").lower(), m.group("default"), m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return Template(text, tuple(parts))


def literal_template(text: str) -> Template:
    """A template that holds ``text`` as written: what a policy without variable support means by it."""
    return Template(text, (text,) if text else ())
