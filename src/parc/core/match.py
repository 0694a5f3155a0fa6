"""Action, resource-ARN and glob matching, compiled once and called many times.

Globs: ``*`` matches any run of characters (the empty run too), ``?`` exactly one character; everything else is
literal. A pattern is compiled when the policy is compiled. Patterns that do not depend on the request become one
regular expression (or a ``str`` method for the common shapes); patterns holding policy variables become "chunks"
(the literal runs between ``*``), whose variables are filled in per request and matched with ``str.startswith`` and
``str.find``, so no regular expression is ever built while evaluating. Patterns with many ``*`` also use the chunk
matcher, whose greedy scan cannot backtrack exponentially the way a regular expression can.

Only a ``*`` or ``?`` written in the policy is a wildcard: one produced by ``${*}``, ``${?}`` or by a substituted
variable value is a literal character.

Actions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html): the service
prefix and the action name are case-insensitive.

Resources (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html): ``*`` alone
matches every resource. Otherwise the pattern and the ARN are compared segment by segment (the six parts separated
by the first five colons); wildcards stay within their segment, except in the resource part, which runs to the end
of the ARN and may itself hold colons. A pattern with fewer than six segments whose last segment ends with ``*``
lets that segment match the rest of the ARN across colons ("If the * wildcard is the last character of a resource
ARN segment, it can expand to match beyond the colon boundaries"), so ``arn:aws:ec2:*`` covers every EC2 ARN.
ARNs compare case-sensitively (ArnLike is "case-sensitive matching of the ARN"; "the IAM user name is case
sensitive").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from parc.core.context import Context
from parc.core.variables import Special, Template, Variable, literal_template, parse_template, resolve_variable

STAR = 0
"""Atom: a ``*`` wildcard."""
ONE = 1
"""Atom: a ``?`` wildcard."""

Atom = str | int | Variable
"""Literal text (never empty), ``STAR``, ``ONE`` or a variable."""

Matcher = Callable[[str], bool]

# A regular expression with more than this many ``*`` can backtrack badly; such globs use the chunk matcher.
_MAX_REGEX_STARS = 2
ARN_SEGMENTS = 6


def _always(_: str) -> bool:
    return True


# ---------------------------------------------------------------- atoms


_WILDCARDS = re.compile(r"([*?]+)")


def atoms_of(template: Template) -> tuple[Atom, ...]:
    """The glob atoms of a template: wildcards from its literal text, literal characters from its specials.

    A run of wildcards holding a ``*`` is "at least q characters" whatever its order, so it becomes q ``?`` and one
    ``*`` (``a**b`` is ``a*b``, ``?*?*?*`` is ``???*``): the matchers' work grows with the number of ``*``, and a
    pattern of ``?*`` repeated would otherwise have as many as it has characters. The run keeps its last character
    (``*?`` stays ``*?``, read as ``*`` then ``?``), since a short ARN pattern whose last segment ends in ``*``
    matches across colons."""
    out: list[Atom] = []
    buf: list[str] = []  # literal text not yet emitted: runs of text and specials join into one atom
    for part in template.parts:
        if type(part) is str:
            # Split at the wildcard runs: literal, wildcards, literal, ...
            pieces = _WILDCARDS.split(part)
            if buf or pieces[0]:
                buf.append(pieces[0])
            for i in range(1, len(pieces), 2):
                if buf:
                    out.append("".join(buf))
                    buf.clear()
                _add_wildcards(out, pieces[i])
                if pieces[i + 1]:
                    buf.append(pieces[i + 1])
        elif isinstance(part, Special):
            buf.append(part.char)
        else:
            if buf:
                out.append("".join(buf))
                buf.clear()
            out.append(part)
    if buf:
        out.append("".join(buf))
    return tuple(out)


def _add_wildcards(out: list[Atom], run: str) -> None:
    ones = run.count("?")
    if ones == len(run):
        out.extend([ONE] * ones)
        return
    star_last = run[-1] == "*"
    if not star_last:
        _add_star(out)
    out.extend([ONE] * ones)
    if star_last:
        _add_star(out)


def _add_star(out: list[Atom]) -> None:
    if not out or out[-1] != STAR:
        out.append(STAR)


def _has_variable(atoms: Sequence[Atom]) -> bool:
    return any(isinstance(a, Variable) for a in atoms)


def _regex_source(atoms: Sequence[Atom], star: str = ".*", one: str = ".") -> str:
    out: list[str] = []
    for a in atoms:
        if a == STAR:
            out.append(star)
        elif a == ONE:
            out.append(one)
        else:
            assert isinstance(a, str)
            out.append(re.escape(a))
    return "".join(out)


# ---------------------------------------------------------------- the chunk matcher

_Item = str | int
"""In a rendered chunk: literal text, or a run of ``n`` single-character wildcards."""
_Chunk = tuple[tuple[_Item, ...], int]
"""A rendered chunk and its length in characters."""


def _at(s: str, i: int, items: tuple[_Item, ...]) -> bool:
    for item in items:
        if isinstance(item, str):
            if not s.startswith(item, i):
                return False
            i += len(item)
        else:
            i += item
            if i > len(s):
                return False
    return True


def _find(s: str, items: tuple[_Item, ...], length: int, start: int, stop: int) -> int:
    """Leftmost ``j`` in ``[start, stop - length]`` where the chunk matches, or -1."""
    if len(items) == 1 and isinstance(items[0], str):
        return s.find(items[0], start, stop)
    last = stop - length
    offset = 0
    anchor: str | None = None
    for item in items:
        if isinstance(item, str):
            anchor = item
            break
        offset += item
    j = start
    while j <= last:
        if anchor is not None:
            k = s.find(anchor, j + offset, stop)
            if k < 0:
                return -1
            j = k - offset
            if j > last:
                return -1
        if _at(s, j, items):
            return j
        j += 1
    return -1


def match_chunks(s: str, chunks: Sequence[_Chunk], has_star: bool) -> bool:
    """Match ``s`` against ``c0 * c1 * ... * cn``: prefix and suffix anchored, middle chunks placed leftmost.

    Greedy leftmost placement is exact here because every chunk has a fixed length.
    """
    n = len(s)
    if not has_star:
        items, length = chunks[0]
        return n == length and _at(s, 0, items)
    first, flen = chunks[0]
    last, llen = chunks[-1]
    if flen + llen > n or not _at(s, 0, first):
        return False
    end = n - llen
    if not _at(s, end, last):
        return False
    i = flen
    for items, length in chunks[1:-1]:
        j = _find(s, items, length, i, end)
        if j < 0:
            return False
        i = j + length
    return True


def _split_chunks(atoms: Sequence[Atom]) -> tuple[list[list[Atom]], bool]:
    chunks: list[list[Atom]] = [[]]
    for a in atoms:
        if a == STAR:
            chunks.append([])
        else:
            chunks[-1].append(a)
    return chunks, len(chunks) > 1


def _render_chunk(atoms: Sequence[Atom], ctx: Context | None) -> _Chunk | None:
    items: list[_Item] = []
    length = 0
    for a in atoms:
        if isinstance(a, Variable):
            if ctx is None:
                return None
            value = resolve_variable(a, ctx)
            if value is None:
                return None
            text: _Item = value
        elif a == ONE:
            text = 1
        else:
            assert isinstance(a, str)
            text = a
        if isinstance(text, str):
            if not text:
                continue
            length += len(text)
            if items and isinstance(items[-1], str):
                items[-1] = items[-1] + text
            else:
                items.append(text)
        else:
            length += 1
            if items and isinstance(items[-1], int):
                items[-1] = items[-1] + 1
            else:
                items.append(1)
    return tuple(items), length


_FIXED = 0
_JOIN = 1
_GENERAL = 2
_Plan = tuple[int, object]


def _plan_chunk(atoms: Sequence[Atom]) -> _Plan:
    """How to build a chunk per request: already rendered, a plain join of text and variables, or item by item."""
    if not _has_variable(atoms):
        return _FIXED, _render_chunk(atoms, None)
    if ONE not in atoms:
        return _JOIN, tuple(atoms)
    return _GENERAL, tuple(atoms)


def _render_plans(plans: Sequence[_Plan], ctx: Context) -> tuple[_Chunk, ...] | None:
    out: list[_Chunk] = []
    for kind, payload in plans:
        if kind == _FIXED:
            out.append(payload)  # type: ignore[arg-type]
        elif kind == _JOIN:
            texts: list[str] = []
            for a in payload:  # type: ignore[attr-defined]
                if a.__class__ is str:
                    texts.append(a)
                    continue
                value = resolve_variable(a, ctx)
                if value is None:
                    return None
                texts.append(value)
            text = "".join(texts)
            out.append(((text,), len(text)) if text else ((), 0))
        else:
            chunk = _render_chunk(payload, ctx)  # type: ignore[arg-type]
            if chunk is None:
                return None
            out.append(chunk)
    return tuple(out)


class Glob:
    """A glob compiled from atoms. ``static`` is set when the glob does not depend on the request."""

    __slots__ = ("_has_star", "_plans", "has_variables", "regex_source", "static")

    static: Matcher | None
    regex_source: str | None
    """The regular expression of a static glob (``fullmatch`` semantics), for combining several into one."""

    def __init__(self, atoms: Sequence[Atom], *, star: str = ".*", one: str = ".") -> None:
        self.has_variables = _has_variable(atoms)
        chunks, self._has_star = _split_chunks(atoms)
        self._plans = tuple(_plan_chunk(c) for c in chunks)
        self.static = None
        self.regex_source = None
        if self.has_variables:
            return
        static_chunks = tuple(payload for _, payload in self._plans)
        if len(chunks) - 1 <= _MAX_REGEX_STARS:
            self.regex_source = _regex_source(atoms, star, one)
        self.static = _static_matcher(atoms, static_chunks, self._has_star, self.regex_source)  # type: ignore[arg-type]

    def match(self, s: str, ctx: Context) -> bool:
        """Whether ``s`` matches for this request; an unresolved variable matches nothing."""
        if self.static is not None:
            return self.static(s)
        chunks = _render_plans(self._plans, ctx)
        return chunks is not None and match_chunks(s, chunks, self._has_star)

    def bind(self, ctx: Context) -> Matcher | None:
        """A matcher for this request, or ``None`` when a variable cannot be resolved (the glob matches nothing)."""
        if self.static is not None:
            return self.static
        chunks = _render_plans(self._plans, ctx)
        if chunks is None:
            return None
        has_star = self._has_star
        return lambda s: match_chunks(s, chunks, has_star)


def _static_matcher(
    atoms: Sequence[Atom], chunks: tuple[_Chunk, ...], has_star: bool, regex_source: str | None
) -> Matcher:
    if not atoms:
        return lambda s: s == ""
    if len(atoms) == 1 and atoms[0] == STAR:
        return _always
    if len(atoms) == 1 and isinstance(atoms[0], str):
        text = atoms[0]
        return lambda s: s == text
    if len(atoms) == 2 and isinstance(atoms[0], str) and atoms[1] == STAR:
        prefix = atoms[0]
        return lambda s: s.startswith(prefix)
    if len(atoms) == 2 and atoms[0] == STAR and isinstance(atoms[1], str):
        suffix = atoms[1]
        return lambda s: s.endswith(suffix)
    if regex_source is not None:
        return _lazy_fullmatch(regex_source)
    return lambda s: match_chunks(s, chunks, has_star)


def _lazy_fullmatch(source: str) -> Matcher:
    """A ``fullmatch`` matcher whose regular expression is compiled on first use.

    Compiling the regular expressions dominated compiling a policy set (most patterns of a large set never meet a
    request); deferring it keeps compilation cheap and costs one ``is None`` test per match."""
    rx: re.Pattern[str] | None = None

    def match(s: str) -> bool:
        nonlocal rx
        if rx is None:
            rx = re.compile(source, re.DOTALL)
        return rx.fullmatch(s) is not None

    return match


def compile_glob(pattern: str, *, ignore_case: bool) -> Matcher:
    """A matcher for a plain glob (no policy variables). With ``ignore_case`` both sides are lowercased."""
    text = pattern.lower() if ignore_case else pattern
    inner = _simple_glob(text)
    if inner is None:
        glob = Glob(atoms_of(literal_template(text)))
        assert glob.static is not None
        inner = glob.static
    if inner is _always or not ignore_case:
        return inner
    return lambda s: inner(s.lower())


def _simple_glob(text: str) -> Matcher | None:
    """The shapes most Action patterns have (``s3:GetObject``, ``s3:Get*``, ``*``), matched as ``_static_matcher``
    would match them, without building atoms first: compiling a large policy set builds one per distinct pattern.
    None for any other shape."""
    if "?" in text:
        return None
    star = text.find("*")
    if star < 0:
        return lambda s: s == text
    if text.count("*") != len(text) - star:  # a "*" before the end
        return None
    if star == 0:
        return _always
    prefix = text[:star]
    return lambda s: s.startswith(prefix)


# ---------------------------------------------------------------- actions


class ActionMatcher:
    """An ``Action``/``NotAction`` pattern such as ``s3:Get*``, ``*`` or ``iam:?assRole``; case-insensitive."""

    __slots__ = ("_match", "pattern", "service")

    pattern: str
    service: str | None
    """The lowercased service prefix when it has no wildcard (an index key for the engine), else ``None``."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        prefix, colon, _ = pattern.partition(":")
        self.service = prefix.lower() if colon and "*" not in prefix and "?" not in prefix else None
        self._match = compile_glob(pattern, ignore_case=True)

    def matches(self, action: str) -> bool:
        return self._match(action)

    def __repr__(self) -> str:
        return f"ActionMatcher({self.pattern!r})"


def compile_action(pattern: str) -> ActionMatcher:
    return ActionMatcher(pattern)


# ---------------------------------------------------------------- ARNs


def _split_atoms(atoms: Sequence[Atom], maxsplit: int) -> list[list[Atom]]:
    """Split atoms at the colons of their literal text (not inside variables), at most ``maxsplit`` times."""
    segments: list[list[Atom]] = [[]]
    for a in atoms:
        if isinstance(a, str) and len(segments) <= maxsplit and ":" in a:
            pieces = a.split(":", maxsplit + 1 - len(segments))
            for k, piece in enumerate(pieces):
                if k:
                    segments.append([])
                if piece:
                    segments[-1].append(piece)
        else:
            segments[-1].append(a)
    return segments


class ResourceMatcher:
    """A ``Resource``/``NotResource`` pattern or an ``ArnLike`` value: ``*``, or an ARN with wildcards and variables."""

    __slots__ = ("_globs", "_head", "_open_end", "_static", "has_variables", "pattern", "segments")

    pattern: str
    has_variables: bool
    segments: int

    def __init__(self, template: Template) -> None:
        self.pattern = template.text
        self._static: Matcher | None = None
        self._head: re.Pattern[str] | None = None
        self._globs: tuple[Glob, ...] = ()
        simple = _simple_arn(template)
        if simple is not None:
            self.has_variables = False
            self.segments = ARN_SEGMENTS
            self._open_end = True
            self._static = simple
            return
        atoms = atoms_of(template)
        if len(atoms) == 1 and atoms[0] == STAR:  # "*" alone: every resource, ARN or not
            self.has_variables = False
            self.segments = 1
            self._open_end = True
            self._static = _always
            return
        parts = _split_atoms(atoms, ARN_SEGMENTS - 1)
        self.segments = len(parts)
        # The last segment runs to the end of the ARN when it is the resource part, or when a short pattern ends in *.
        self._open_end = self.segments == ARN_SEGMENTS or bool(parts[-1] and parts[-1][-1] == STAR)
        self.has_variables = _has_variable(atoms)
        if self.has_variables:
            # Per-segment globs serve only the per-request paths; a static pattern is one matcher (below).
            self._globs = tuple(
                Glob(seg) if k == len(parts) - 1 and self._open_end else Glob(seg, star="[^:]*", one="[^:]")
                for k, seg in enumerate(parts)
            )
        if _has_variable([a for seg in parts[:-1] for a in seg]):
            return  # variables before the resource part: matched segment by segment
        head = [_regex_source(seg, "[^:]*", "[^:]") + ":" for seg in parts[:-1]]
        if not self.has_variables:
            self._static = self._compile_static(parts, head)
        else:
            # The usual shape: variables only in the last segment. One regex finds where that segment starts.
            self._head = re.compile("".join(head), re.DOTALL)

    def _compile_static(self, parts: list[list[Atom]], head: list[str]) -> Matcher:
        last = parts[-1]
        if sum(1 for a in last if a == STAR) > _MAX_REGEX_STARS:
            rx = re.compile("".join(head), re.DOTALL)
            tail = Glob(last).static if self._open_end else Glob(last, star="[^:]*", one="[^:]").static
            assert tail is not None
            open_end = self._open_end

            def match(arn: str) -> bool:
                m = rx.match(arn)
                if m is None:
                    return False
                rest = arn[m.end() :]
                return (open_end or ":" not in rest) and tail(rest)

            return match
        last_source = _regex_source(last) if self._open_end else _regex_source(last, "[^:]*", "[^:]")
        return _lazy_fullmatch("".join(head) + last_source)

    def _pieces(self, arn: str) -> list[str] | None:
        n = self.segments
        pieces = arn.split(":", n - 1) if self._open_end else arn.split(":")
        return pieces if len(pieces) == n else None

    @property
    def static_matcher(self) -> Matcher | None:
        """A plain ``arn -> bool`` when the pattern holds no policy variable (None otherwise)."""
        return self._static

    def matches(self, arn: str, ctx: Context) -> bool:
        """Whether ``arn`` is covered; ``ctx`` is read only for policy variables. An unresolved variable -> False."""
        if self._static is not None:
            return self._static(arn)
        if self._head is not None:
            m = self._head.match(arn)
            if m is None:
                return False
            rest = arn[m.end() :]
            return (self._open_end or ":" not in rest) and self._globs[-1].match(rest, ctx)
        pieces = self._pieces(arn)
        return pieces is not None and all(g.match(p, ctx) for g, p in zip(self._globs, pieces, strict=True))

    def bind(self, ctx: Context) -> Matcher | None:
        """A matcher for this request, or ``None`` when a variable cannot be resolved (nothing matches)."""
        if self._static is not None:
            return self._static
        if self._head is not None:
            tail = self._globs[-1].bind(ctx)
            if tail is None:
                return None
            head, open_end = self._head, self._open_end

            def match_tail(arn: str) -> bool:
                m = head.match(arn)
                if m is None:
                    return False
                rest = arn[m.end() :]
                return (open_end or ":" not in rest) and tail(rest)

            return match_tail
        matchers = [g.bind(ctx) for g in self._globs]
        bound = [m for m in matchers if m is not None]
        if len(bound) != len(matchers):
            return None

        def match(arn: str) -> bool:
            pieces = self._pieces(arn)
            return pieces is not None and all(m(p) for m, p in zip(bound, pieces, strict=True))

        return match

    def __repr__(self) -> str:
        return f"ResourceMatcher({self.pattern!r})"


def _simple_arn(template: Template) -> Matcher | None:
    """The shape most Resource patterns have: a whole ARN (six segments) of literal text, ending in ``*`` or in no
    wildcard at all. Its only wildcard lies in the resource part, which runs to the end of the ARN, so it is a
    prefix test (or an equality). None for any other shape, which takes the general compilation."""
    parts = template.parts
    if len(parts) != 1 or type(parts[0]) is not str:
        return None
    text = parts[0]
    return _simple_glob(text) if text.count(":") >= ARN_SEGMENTS - 1 else None


def compile_resource(pattern: str, *, variables: bool) -> ResourceMatcher:
    """``variables=False`` (a policy without ``Version: 2012-10-17``): ``${...}`` is literal text."""
    return ResourceMatcher(parse_template(pattern) if variables else literal_template(pattern))


def compile_arn_template(template: Template) -> ResourceMatcher:
    """The ARN matcher for an already parsed template (ArnLike/ArnEquals condition values)."""
    return ResourceMatcher(template)
