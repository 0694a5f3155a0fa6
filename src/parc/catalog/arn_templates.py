"""Whether an ARN written in a policy can name a resource of a given type, by its ARN template.

Both sides are patterns: the policy's ARN has ``*`` and ``?`` wildcards and policy variables, and the catalog's
template has ``${Variable}`` parts (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``). Two patterns fit when
some ARN matches both, which a search over pairs of positions decides in time proportional to the product of their
lengths, without building regular expressions.

A template variable stands for one or more characters. It never spans the separator that follows it in the template
(a bucket name ends at the ``/`` before the object key), and when a longer template of the same service extends this
one with ``/`` (bucket and object), the last variable of the shorter one does not span ``/`` either; otherwise
``arn:aws:s3:::bucket/home/*`` would read as a bucket whose name holds slashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Atoms of a compiled pattern: a literal character, or one of these markers.
_STAR = "\x00*"
"""Policy ``*`` (and a policy variable, whose value is unknown): any run of characters, possibly empty."""
_ONE = "\x00?"
"""Policy ``?``: exactly one character."""


@dataclass(frozen=True, slots=True)
class _Var:
    """A template variable: one or more characters, none of them in ``excluded``."""

    excluded: frozenset[str]
    optional: bool = False
    """A literal ``*`` in a template, as in ``dms ... cert:*``: any run, possibly empty."""


Atom = str | _Var


def compile_policy_arn(arn: str) -> tuple[str, ...]:
    """Compile an ARN as written in a policy: ``*`` / ``?`` wildcards, ``${...}`` variables read as unknown text.

    The escapes ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters.
    """
    out: list[str] = []
    i = 0
    n = len(arn)
    while i < n:
        ch = arn[i]
        if ch == "$" and i + 1 < n and arn[i + 1] == "{":
            end = arn.find("}", i + 2)
            if end != -1:
                inner = arn[i + 2 : end]
                if inner in ("*", "?", "$"):
                    out.append(inner)
                else:
                    out.append(_STAR)
                i = end + 1
                continue
        if ch == "*":
            if not out or out[-1] != _STAR:
                out.append(_STAR)
        elif ch == "?":
            out.append(_ONE)
        else:
            out.append(ch)
        i += 1
    return _collapse_runs(out)


def _collapse_runs(atoms: list[str]) -> tuple[str, ...]:
    """Each run of wildcards holding a ``*`` as its ``?`` then one ``*`` (the same strings: at least that many
    characters), so that ``?*?*?*...`` costs the overlap search one ``*``, not one per character."""
    out: list[str] = []
    i = 0
    n = len(atoms)
    while i < n:
        if atoms[i] not in (_STAR, _ONE):
            out.append(atoms[i])
            i += 1
            continue
        j = i
        while j < n and atoms[j] in (_STAR, _ONE):
            j += 1
        ones = sum(1 for a in atoms[i:j] if a == _ONE)
        out.extend([_ONE] * ones)
        if ones < j - i:
            out.append(_STAR)
        i = j
    return tuple(out)


def compile_template(template: str, last_excludes: frozenset[str] = frozenset()) -> tuple[Atom, ...]:
    """Compile a catalog ARN template. ``last_excludes`` adds characters the final variable may not span."""
    atoms: list[Atom] = []
    i = 0
    n = len(template)
    var_positions: list[int] = []
    while i < n:
        ch = template[i]
        if ch == "$" and i + 1 < n and template[i + 1] == "{":
            end = template.find("}", i + 2)
            if end != -1:
                follow = template[end + 1] if end + 1 < n else ""
                excluded = frozenset(follow) if follow in ("/", ":") else frozenset()
                var_positions.append(len(atoms))
                atoms.append(_Var(excluded))
                i = end + 1
                continue
        if ch == "*":
            atoms.append(_Var(frozenset(), optional=True))
        else:
            atoms.append(ch)
        i += 1
    if last_excludes and var_positions and var_positions[-1] == len(atoms) - 1:
        last = atoms[-1]
        assert isinstance(last, _Var)
        atoms[-1] = _Var(last.excluded | last_excludes, last.optional)
    return tuple(atoms)


def patterns_overlap(policy: tuple[str, ...], template: tuple[Atom, ...]) -> bool:
    """Whether some string matches both the compiled policy ARN and the compiled template."""
    n, m = len(policy), len(template)
    # State: (i, j, in_var) - positions in each pattern; in_var means template[j] is a variable that has already
    # consumed at least one character (so it may end now or go on).
    start = (0, 0, False)
    seen: set[tuple[int, int, bool]] = set()
    stack = [start]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j, in_var = state
        if i == n and j == m:
            return True
        p = policy[i] if i < n else None
        t = template[j] if j < m else None
        # Epsilon moves.
        if p == _STAR:
            stack.append((i + 1, j, in_var))
        if isinstance(t, _Var) and (in_var or t.optional):
            stack.append((i, j + 1, False))
        # Moves that consume one character on both sides.
        if p is None or t is None:
            continue
        if isinstance(t, _Var):
            if p in (_STAR, _ONE) or p not in t.excluded:
                # The template variable takes the character: stay in the variable.
                nxt_i = i if p == _STAR else i + 1
                stack.append((nxt_i, j, True))
        else:
            if p == _STAR:
                stack.append((i, j + 1, False))
            elif p in (_ONE, t):
                stack.append((i + 1, j + 1, False))
    return False


def literal_text(policy: tuple[str, ...]) -> str | None:
    """The text of a compiled policy pattern without wildcards (its atoms are its characters), else None."""
    return None if _STAR in policy or _ONE in policy else "".join(policy)


def template_regex(template: tuple[Atom, ...]) -> re.Pattern[str]:
    """The strings a compiled template matches, as a regular expression (a variable: one or more characters outside
    its excluded ones; a literal ``*``: any run). For a policy pattern without wildcards, ``patterns_overlap`` is
    whether this matches its text, which the regular expression engine decides in C: most ARNs in policies name
    one resource, and each is tested against every template of its namespace."""
    parts: list[str] = []
    for atom in template:
        if isinstance(atom, _Var):
            chars = "[^" + "".join(re.escape(c) for c in sorted(atom.excluded)) + "]" if atom.excluded else "."
            parts.append(chars + ("*" if atom.optional else "+"))
        else:
            parts.append(re.escape(atom))
    return re.compile("".join(parts), re.DOTALL)


def child_separators(templates: list[str]) -> dict[str, frozenset[str]]:
    """For each template ending in a variable, the ``/`` separator when a longer template extends it with ``/``."""
    out: dict[str, frozenset[str]] = {}
    for short in templates:
        if not short.endswith("}"):
            continue
        for long in templates:
            if len(long) > len(short) and long.startswith(short) and long[len(short)] == "/":
                out[short] = frozenset("/")
                break
    return out

