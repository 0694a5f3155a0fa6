"""Policy variables: malformed ``${...}``, variables where they are not allowed, and variables that AWS reads as
literal text because the policy is not Version 2012-10-17.

- Variables (``${aws:username}``, ``${key, 'default'}``, the specials ``${*}`` ``${?}`` ``${$}``) are substituted only
  under Version 2012-10-17; elsewhere they are literal text, and they are allowed only in the Resource element and
  in string and ARN condition values.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- Codes and messages: Access Analyzer's MISSING_BRACE_IN_VARIABLE, MISSING_QUOTE_IN_VARIABLE,
  UNSUPPORTED_SPACE_IN_VARIABLE, EMPTY_VARIABLE, UNSUPPORTED_SYMBOL_IN_VARIABLE, VARIABLE_UNSUPPORTED_IN_ELEMENT,
  VARIABLE_UNSUPPORTED_IN_VERSION and INVALID_VARIABLE_FOR_OPERATOR.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from parc.core.findings import Finding, FindingType, Position
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_common import check_link, iter_strings, make
from parc.core.policy.model import VERSION_2012, Statement

E = FindingType.ERROR

_ALLOWED_ELEMENTS = frozenset({"Resource", "NotResource", "Condition"})
_CHECKED_ELEMENTS = _ALLOWED_ELEMENTS | {"Action", "NotAction", "Principal", "NotPrincipal"}
"""Sid and Effect are not checked: their own rules already reject a ``$`` there."""
_SPECIALS = frozenset({"*", "?", "$"})
# Key names: letters, digits and the separators that context keys and tag keys use (aws:PrincipalTag/team-a).
_NAME = re.compile(r"^[A-Za-z0-9:/_.@+=-]+$")
_STRING_OR_ARN = re.compile(r"^(?:string|arn)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Variable:
    text: str
    """The whole ``${...}`` (or ``${...`` to the end when the brace is missing)."""
    problem: str | None
    """An Access Analyzer code when the variable is malformed."""
    detail: str = ""


def scan(value: str) -> list[Variable]:
    """The variables in a string, in order. ``$`` not followed by ``{`` is plain text."""
    out: list[Variable] = []
    i = 0
    while True:
        start = value.find("${", i)
        if start < 0:
            return out
        end = value.find("}", start + 2)
        if end < 0:
            out.append(Variable(value[start:], "MISSING_BRACE_IN_VARIABLE"))
            return out
        body = value[start + 2 : end]
        out.append(_check_body(value[start : end + 1], body))
        i = end + 1


def _check_body(text: str, body: str) -> Variable:
    if not body.strip():
        return Variable(text, "EMPTY_VARIABLE")
    name, sep, default = body.partition(",")
    if sep:
        d = default.strip()
        if len(d) < 2 or not (d.startswith("'") and d.endswith("'")):
            return Variable(text, "MISSING_QUOTE_IN_VARIABLE")
    if name != name.strip() or " " in name.strip():
        return Variable(text, "UNSUPPORTED_SPACE_IN_VARIABLE")
    if name in _SPECIALS:
        return Variable(text, None)
    if "${" in name:
        return Variable(text, "MISSING_BRACE_IN_VARIABLE")
    if not _NAME.match(name):
        bad = next((c for c in name if not _NAME.match(c)), name[:1])
        return Variable(text, "UNSUPPORTED_SYMBOL_IN_VARIABLE", bad)
    return Variable(text, None)


_MESSAGES = {
    "MISSING_BRACE_IN_VARIABLE": (
        "Missing brace in variable",
        "The policy variable {v!r} is missing a closing curly brace. Add }} after the variable text.",
    ),
    "MISSING_QUOTE_IN_VARIABLE": (
        "Missing quote in variable",
        "The default value in the policy variable {v!r} must begin and end with a single quote.",
    ),
    "UNSUPPORTED_SPACE_IN_VARIABLE": (
        "Unsupported space in variable",
        "A space is not supported within the policy variable text {v!r}. Remove the space.",
    ),
    "EMPTY_VARIABLE": (
        "Empty variable",
        "Empty policy variable {v!r}. Remove the variable structure or provide a variable within it.",
    ),
    "UNSUPPORTED_SYMBOL_IN_VARIABLE": (
        "Unsupported symbol in variable",
        "The symbol {d!r} is not supported within the policy variable {v!r}. Remove the symbol.",
    ),
}


def _element_strings(st: Statement) -> Iterator[tuple[str, str, Position, str, str | None]]:
    """(element, value, position, path, condition operator) for every string value of the statement."""
    if st.node is None or st.node.kind != "object":
        return
    for m in st.node.members:
        if m.key == "Condition" and m.node.kind == "object":
            for op in m.node.members:
                for value, pos, path in iter_strings(op.node, f"{st.path}.Condition.{op.key}"):
                    yield "Condition", value, pos, path, op.key
        elif m.key in _CHECKED_ELEMENTS:
            for value, pos, path in iter_strings(m.node, f"{st.path}.{m.key}"):
                yield m.key, value, pos, path, None


def _operator_base(op: str) -> str:
    base = op.split(":", 1)[1] if ":" in op else op
    return base[: -len("IfExists")] if base.endswith("IfExists") else base


@rule(
    "MISSING_BRACE_IN_VARIABLE",
    "MISSING_QUOTE_IN_VARIABLE",
    "UNSUPPORTED_SPACE_IN_VARIABLE",
    "EMPTY_VARIABLE",
    "UNSUPPORTED_SYMBOL_IN_VARIABLE",
    "VARIABLE_UNSUPPORTED_IN_ELEMENT",
    "VARIABLE_UNSUPPORTED_IN_VERSION",
    "INVALID_VARIABLE_FOR_OPERATOR",
)
def variables(ctx: LintContext) -> Iterator[Finding]:
    version = ctx.policy.version
    for st in ctx.policy.statements:
        for element, value, pos, path, operator in _element_strings(st):
            if "${" not in value:
                continue
            for var in scan(value):
                if var.problem is not None:
                    title, template = _MESSAGES[var.problem]
                    yield make(
                        var.problem,
                        E,
                        template.format(v=var.text, d=var.detail),
                        path,
                        pos,
                        check_link(E, title),
                        fix=_fix(var),
                    )
                    continue
                if element not in _ALLOWED_ELEMENTS:
                    yield make(
                        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                        E,
                        f"Policy variables are supported in the Resource and Condition elements. Remove the policy "
                        f"variable {var.text} from the {element} element.",
                        path,
                        pos,
                        check_link(E, "Variable unsupported in element"),
                    )
                    continue
                if operator is not None and not _STRING_OR_ARN.match(_operator_base(operator)):
                    yield make(
                        "INVALID_VARIABLE_FOR_OPERATOR",
                        E,
                        f"Policy variables can only be used with String and ARN operators, not {operator} "
                        f"({var.text}).",
                        path,
                        pos,
                        check_link(E, "Invalid variable for operator"),
                    )
                    continue
                if version != VERSION_2012:
                    shown = f"Version {version}" if version else "no Version element"
                    yield make(
                        "VARIABLE_UNSUPPORTED_IN_VERSION",
                        E,
                        f"The policy has {shown}, so AWS treats {var.text} as literal text, not as a variable. To "
                        "include variables in your policy, use the policy version 2012-10-17.",
                        path,
                        pos,
                        check_link(E, "Variable unsupported in version"),
                        fix='Set "Version": "2012-10-17".',
                    )


def _fix(var: Variable) -> str | None:
    if var.problem == "MISSING_BRACE_IN_VARIABLE":
        return f"Write {var.text}}}."
    if var.problem == "UNSUPPORTED_SPACE_IN_VARIABLE":
        name, sep, default = var.text[2:-1].partition(",")
        fixed = "".join(name.split())
        return f"Write ${{{fixed}{', ' + default.strip() if sep else ''}}}."
    return None

