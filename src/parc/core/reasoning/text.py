"""Strings as regular expressions: globs, ARN patterns and case-insensitive values, built as z3 regexes.

Each builder follows the concrete matcher it mirrors (``parc.core.match``): the same atoms (``atoms_of``), the same
split of an ARN pattern into six segments where ``*`` and ``?`` stay within their segment except in the resource
part (or a short pattern's last segment ending in ``*``). Policy variables become the variable's value as a regex of
one string (z3 accepts a string term there), so a pattern with variables is as exact as one without.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import z3

from parc.core.match import ARN_SEGMENTS, ONE, STAR, Atom, _split_atoms, atoms_of
from parc.core.reasoning.smt import Expr, sval
from parc.core.variables import Template, Variable, literal_template, parse_template

VarTerm = Callable[[Variable], tuple[Expr, Expr]]
"""A policy variable -> (whether it has a value, its value as a string term)."""


class Unencodable(Exception):
    """Something the encoding cannot state exactly: the answer is UNKNOWN with this reason, never PASS."""


def template(text: str, variables: bool) -> Template:
    return parse_template(text) if variables else literal_template(text)


class Regexes:
    """Regex builders over one z3 context."""

    def __init__(self, ctx: Expr) -> None:
        self.ctx = ctx
        self.sort = z3.ReSort(z3.StringSort(ctx))
        self.any_char = z3.AllChar(self.sort)
        self.any = z3.Star(self.any_char)
        self.not_colon = z3.Intersect(self.any_char, z3.Complement(z3.Re(":", ctx)))
        self.segment = z3.Star(self.not_colon)

    def lit(self, text: str) -> Expr:
        return z3.Re(sval(text, self.ctx))

    def concat(self, parts: Sequence[Expr]) -> Expr:
        if not parts:
            return z3.Re(sval("", self.ctx))
        return parts[0] if len(parts) == 1 else z3.Concat(*parts)

    def union(self, parts: Sequence[Expr]) -> Expr:
        if not parts:
            return z3.Empty(self.sort)
        return parts[0] if len(parts) == 1 else z3.Union(*parts)

    def glob(self, atoms: Sequence[Atom], var: VarTerm, defined: list[Expr], *, in_segment: bool = False) -> Expr:
        """``*`` any run, ``?`` one character (both within a segment when ``in_segment``), variables as values."""
        out: list[Expr] = []
        for a in atoms:
            if a == STAR:
                out.append(self.segment if in_segment else self.any)
            elif a == ONE:
                out.append(self.not_colon if in_segment else self.any_char)
            elif isinstance(a, Variable):
                ok, value = var(a)
                defined.append(ok)
                rx = z3.Re(value)
                out.append(z3.Intersect(rx, self.segment) if in_segment else rx)
            else:
                assert isinstance(a, str)
                out.append(self.lit(a))
        return self.concat(out)

    def arn(self, tpl: Template, var: VarTerm, defined: list[Expr]) -> Expr:
        """A Resource / ArnLike pattern (``ResourceMatcher``'s rules); ``defined`` collects the variables' presence."""
        atoms = atoms_of(tpl)
        if len(atoms) == 1 and atoms[0] == STAR:
            return self.any
        parts = _split_atoms(atoms, ARN_SEGMENTS - 1)
        open_end = len(parts) == ARN_SEGMENTS or bool(parts[-1] and parts[-1][-1] == STAR)
        # A substituted value is literal text; within a segment it holds no colon (``glob`` intersects it with a
        # segment), as the per-segment matcher compares a colon-free piece of the ARN with it.
        return self.arn_parts(parts, open_end, var, defined)

    def arn_match(self, s: Expr, tpl: Template, var: VarTerm,
                  segments: Callable[[], list[Expr]] | None = None) -> Expr:
        """``s`` matches the ARN pattern. Patterns with policy variables are stated without a regex built from a
        variable (which string solvers decide badly): the usual shape (no ``?``, at most a final ``*``) as an
        equality or a prefix of the concatenated values; other shapes segment by segment when the ARN's segments
        are at hand (``segments``, for the request's resource); the rest as a regex."""
        atoms = atoms_of(tpl)
        if len(atoms) == 1 and atoms[0] == STAR:
            return z3.BoolVal(True, self.ctx)
        if not any(isinstance(a, Variable) for a in atoms) and segments is None:
            return z3.InRe(s, self.arn(tpl, var, []))
        parts = _split_atoms(atoms, ARN_SEGMENTS - 1)
        open_end = len(parts) == ARN_SEGMENTS or bool(parts[-1] and parts[-1][-1] == STAR)
        if segments is None and self._simple(atoms) and (atoms[-1] != STAR or open_end):
            terms: list[Expr] = []
            extra: list[Expr] = []
            for k, seg in enumerate(parts):
                in_segment = not (k == len(parts) - 1 and open_end)
                if k:
                    terms.append(sval(":", self.ctx))
                for a in seg:
                    if a == STAR:
                        continue
                    if isinstance(a, Variable):
                        ok, value = var(a)
                        extra.append(ok)
                        if in_segment:
                            extra.append(z3.InRe(value, self.segment))
                        terms.append(value)
                    else:
                        assert isinstance(a, str)
                        terms.append(sval(a, self.ctx))
            return z3.And(*extra, self._ends(s, terms, atoms[-1] == STAR))
        if segments is not None and (open_end or len(parts) == ARN_SEGMENTS):
            return self._by_segment(s, parts, open_end, var, segments)
        defined: list[Expr] = []
        rx = self.arn(tpl, var, defined)
        return z3.And(*defined, z3.InRe(s, rx))

    def _by_segment(self, s: Expr, parts: list[list[Atom]], open_end: bool, var: VarTerm,
                    segments: Callable[[], list[Expr]]) -> Expr:
        """Match segment by segment, with the ARN split into its six segments once (``segments``): the split is a
        function of the ARN, so this holds under negation too. The resource ``*`` is matched as text."""
        segs = segments()
        colon = sval(":", self.ctx)
        out: list[Expr] = []
        for k, seg in enumerate(parts):
            last = k == len(parts) - 1
            if last and open_end and k < ARN_SEGMENTS - 1:
                pieces: list[Expr] = []
                for j in range(k, ARN_SEGMENTS):
                    if j > k:
                        pieces.append(colon)
                    pieces.append(segs[j])
                term = z3.Concat(*pieces)
            else:
                term = segs[k]
            out.append(self.glob_match(term, seg, var, colon_free=not (last and open_end)))
        star = sval("*", self.ctx)
        defined: list[Expr] = []
        as_text = z3.InRe(star, self.arn_parts(parts, open_end, var, defined))
        return z3.If(s == star, z3.And(*defined, as_text), z3.And(*out))

    def arn_parts(self, parts: list[list[Atom]], open_end: bool, var: VarTerm, defined: list[Expr]) -> Expr:
        """The regex of an ARN pattern's segments (``*`` and ``?`` within a segment, except an open last one)."""
        out: list[Expr] = []
        for k, seg in enumerate(parts):
            last = k == len(parts) - 1
            if k:
                out.append(self.lit(":"))
            out.append(self.glob(seg, var, defined, in_segment=not (last and open_end)))
        return self.concat(out)

    def glob_match(self, s: Expr, atoms: Sequence[Atom], var: VarTerm, *, colon_free: bool = False) -> Expr:
        """``s`` matches the glob (StringLike): an equality or a prefix for the usual shapes (no ``?``, at most a
        final ``*``), else a regex (``colon_free``: within an ARN segment, where ``*`` and ``?`` and a variable's
        value hold no colon)."""
        if list(atoms) == [STAR] and not colon_free:
            return z3.BoolVal(True, self.ctx)
        if self._simple(atoms):
            terms: list[Expr] = []
            extra: list[Expr] = []
            for a in atoms:
                if isinstance(a, Variable):
                    ok, value = var(a)
                    extra.append(ok)
                    if colon_free:
                        extra.append(z3.InRe(value, self.segment))
                    terms.append(value)
                elif isinstance(a, str):
                    terms.append(sval(a, self.ctx))
            ends = self._ends(s, terms, atoms[-1] == STAR)
            if colon_free and atoms[-1] == STAR:
                ends = z3.And(ends, z3.InRe(s, self.segment))
            return z3.And(*extra, ends)
        defined: list[Expr] = []
        rx = self.glob(atoms, var, defined, in_segment=colon_free)
        return z3.And(*defined, z3.InRe(s, rx))

    @staticmethod
    def _simple(atoms: Sequence[Atom]) -> bool:
        return bool(atoms) and ONE not in atoms and all(a != STAR for a in atoms[:-1])

    def _ends(self, s: Expr, terms: list[Expr], prefix: bool) -> Expr:
        body = terms[0] if len(terms) == 1 else z3.Concat(*terms) if terms else sval("", self.ctx)
        return z3.PrefixOf(body, s) if prefix else s == body

    def ignore_case(self, text: str) -> Expr:
        """Strings whose ``str.lower()`` equals ``text.lower()`` (one character at a time, with every character
        whose lowercase is that one, such as the Kelvin sign for ``k``)."""
        low = text.lower()
        if "\u0307" in low:
            raise Unencodable("a case-insensitive value holding U+0307 (the dot of a lowercased İ)")
        out: list[Expr] = []
        for ch in low:
            chars = _folds().get(ch, (ch,) if ch.lower() == ch else ())
            out.append(self.union([self.lit(c) for c in chars]))
        return self.concat(out)


@lru_cache(maxsize=1)
def _folds() -> dict[str, tuple[str, ...]]:
    """Every single character ``c`` with ``c.lower() == x``, keyed by ``x`` (z3's alphabet ends at U+2FFFF)."""
    table: dict[str, list[str]] = {}
    step = 256
    for start in range(0, 0x30000, step):
        block = "".join(chr(code) for code in range(start, start + step))
        if block.lower() == block:  # no character of the block changes: each is its own lowercase
            continue
        for c in block:
            low = c.lower()
            if len(low) == 1 and low != c:
                table.setdefault(low, []).append(c)
    # Every character whose lowercase is itself, and those above: ``c`` first, as before.
    return _with_self(table)


def _with_self(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """The table of characters whose lowercase differs, with each key itself added where its own lowercase is
    itself (a key is always a lowercase, one character long)."""
    out: dict[str, tuple[str, ...]] = {}
    for low, others in table.items():
        mine = [low] if low.lower() == low else []
        out[low] = tuple(sorted({*mine, *others}))
    return out
