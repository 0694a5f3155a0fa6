"""Policies compiled once into matchers and indexes, then used for many decisions.

A ``PolicyGroup`` holds the statements of one policy type (or one level of SCPs/RCPs). Statements are indexed by
action: exact action names in a dict, patterns with a fixed service under that service, the rest (wildcard services,
NotAction) apart; the candidates for an action, and for an (action, resource) pair when the resource patterns have no
variables, are cached. Per request, only the candidates' variable resources, principals and conditions are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Final

from parc.core.authz.decision import StatementRef
from parc.core.authz.principal import ANY, Key, MatchKind, RequestPrincipal, policy_principal_keys
from parc.core.conditions import CompiledCondition, UnknownOperatorError, compile_condition
from parc.core.context import ContextValue
from parc.core.match import ActionMatcher, ResourceMatcher, compile_action, compile_resource
from parc.core.policy.model import Policy, PolicyType, PrincipalBlock, Statement
from parc.core.variables import parse_template

# Policy types whose statements carry a Principal element that must be matched.
PRINCIPAL_TYPES: Final = frozenset({"resource", "endpoint", "rcp"})
# Policy types where a missing Resource element means "every resource" (trust policies have none; SCPs and RCPs
# default to it). Identity-side policies must name their resources.
RESOURCE_OPTIONAL_TYPES: Final = frozenset({"resource", "endpoint", "scp", "rcp"})

_CACHE_LIMIT: Final = 200_000


class PolicyCompileError(ValueError):
    """A policy the engine cannot decide with, because AWS would not accept it. Carries where."""

    def __init__(self, message: str, policy_name: str | None, line: int | None, column: int | None) -> None:
        where = policy_name or "policy"
        if line:
            where += f", line {line}, column {column}"
        super().__init__(f"{where}: {message}")
        self.policy_name = policy_name
        self.line = line
        self.column = column


# Real policy sets repeat the same patterns and conditions many times (1,000 statements rarely hold 1,000 distinct
# ARNs): compiled matchers are immutable, so they are shared.
_compile_action = lru_cache(maxsize=65536)(compile_action)
_compile_resource = lru_cache(maxsize=65536)(compile_resource)


def _compile_condition(operator: str, key: str, values: tuple[str | int | float | bool, ...],
                       variables: bool) -> CompiledCondition:
    # Typed key: True == 1 in Python, but "true" and "1" are different condition values.
    return _compile_condition_typed(operator, key, tuple((type(v).__name__, v) for v in values), variables)


@lru_cache(maxsize=65536)
def _compile_condition_typed(operator: str, key: str, typed: tuple[tuple[str, str | int | float | bool], ...],
                             variables: bool) -> CompiledCondition:
    return compile_condition(operator, key, [v for _, v in typed], variables=variables)


def clear_caches() -> None:
    """Forget the shared compiled matchers (benchmarks measure a cold compile with it)."""
    _compile_action.cache_clear()
    _compile_resource.cache_clear()
    _compile_condition_typed.cache_clear()


def _has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


class CompiledStatement:
    __slots__ = (
        "action_patterns",
        "actions",
        "allow",
        "condition_fns",
        "condition_list",
        "context_keys",
        "not_action",
        "not_principal_keys",
        "not_resource",
        "ordinal",
        "plan_conditions",
        "principal_keys",
        "ref",
        "resource_fn",
        "resource_prefixes",
        "resources",
        "resources_static",
        "uses_principal",
    )

    action_patterns: tuple[str, ...]
    actions: tuple[ActionMatcher, ...]
    resources: tuple[ResourceMatcher, ...] | None
    resource_fn: Callable[[str], bool] | None
    resource_prefixes: tuple[str, ...] | None
    principal_keys: frozenset[Key] | None
    not_principal_keys: frozenset[Key] | None
    condition_list: tuple[CompiledCondition, ...]
    plan_conditions: object
    context_keys: tuple[str, ...]
    allow: bool
    condition_fns: tuple[Callable[[Mapping[str, ContextValue]], bool], ...]
    not_action: bool
    not_resource: bool
    ref: StatementRef
    resources_static: bool
    uses_principal: bool

    def __init__(self, policy: Policy, st: Statement, policy_type: str, policy_index: int, ordinal: int,
                 level: int | None, template: CompiledStatement | None = None) -> None:
        if template is not None:
            # The same statement compiled before (``CompiledPolicies``), placed here: its matchers and conditions
            # are immutable and shared; only its place (ordinal, the policy's index in its reference) is its own.
            self.action_patterns = template.action_patterns
            self.actions = template.actions
            self.allow = template.allow
            self.condition_fns = template.condition_fns
            self.condition_list = template.condition_list
            self.context_keys = template.context_keys
            self.not_action = template.not_action
            self.not_principal_keys = template.not_principal_keys
            self.not_resource = template.not_resource
            self.ordinal = ordinal
            self.plan_conditions = template.plan_conditions
            self.principal_keys = template.principal_keys
            ref = template.ref
            self.ref = ref if ref.policy_index == policy_index else replace(ref, policy_index=policy_index)
            self.resource_fn = template.resource_fn
            self.resource_prefixes = template.resource_prefixes
            self.resources = template.resources
            self.resources_static = template.resources_static
            self.uses_principal = template.uses_principal
            return
        name = policy.name
        # Policies given as dicts have no text positions (line 0): report none rather than a false one.
        line = st.pos.line if st.pos and st.pos.line else None
        col = st.pos.column if st.pos and st.pos.line else None

        def fail(msg: str) -> PolicyCompileError:
            return PolicyCompileError(f"statement #{st.index}: {msg}", name, line, col)

        if st.effect not in ("Allow", "Deny"):
            raise fail(f'Effect must be "Allow" or "Deny" (got {st.effect!r})')
        self.allow = st.effect == "Allow"
        self.ordinal = ordinal
        if (st.action is None) == (st.not_action is None):
            raise fail("a statement needs exactly one of Action and NotAction")
        if st.resource is not None and st.not_resource is not None:
            raise fail("a statement cannot have both Resource and NotResource")
        if st.resource is None and st.not_resource is None and policy_type not in RESOURCE_OPTIONAL_TYPES:
            raise fail("a statement needs Resource or NotResource")
        variables = policy.variables_enabled
        patterns = st.action if st.action is not None else st.not_action
        assert patterns is not None
        self.not_action = st.action is None
        self.action_patterns = tuple(p.value for p in patterns)
        self.actions = tuple(_compile_action(p) for p in self.action_patterns)
        res = st.resource if st.resource is not None else st.not_resource
        self.not_resource = st.not_resource is not None
        self.resources = (
            None if res is None else tuple(_compile_resource(r.value, variables=variables) for r in res)
        )
        if res is not None and not self.not_resource and any(r.value == "*" for r in res):
            self.resources = None  # "Resource": "*" matches every resource: nothing to check per request
        self.resources_static = self.resources is None or not any(m.has_variables for m in self.resources)
        self.resource_fn = (
            _static_resource_fn(self.resources, self.not_resource)
            if self.resources is not None and self.resources_static else None
        )
        """A plain ``resource -> bool`` for variable-free patterns (None: match all, or needs the context)."""
        self.resource_prefixes = (
            _literal_prefixes([r.value for r in res]) if self.resource_fn is not None and not self.not_resource
            and res is not None else None
        )
        """The literal starts of the Resource patterns: a resource that starts with none of them cannot match, which
        one ``str.startswith`` tells before any pattern runs (None: no such filter)."""
        # Principals.
        self.uses_principal = policy_type in PRINCIPAL_TYPES
        self.principal_keys = None
        self.not_principal_keys = None
        if self.uses_principal:
            if st.principal is not None:
                self.principal_keys = _keys(st.principal)
            elif st.not_principal is not None:
                self.not_principal_keys = _keys(st.not_principal)
            elif policy_type == "resource":
                raise fail("a resource-based policy statement needs Principal or NotPrincipal")
        # Conditions.
        conds: list[CompiledCondition] = []
        keys: dict[str, None] = {}
        for entry in st.conditions:
            try:
                conds.append(_compile_condition(entry.operator, entry.key, tuple(v.value for v in entry.values),
                                                variables))
            except UnknownOperatorError as exc:
                ln = entry.operator_pos.line if entry.operator_pos else line
                cl = entry.operator_pos.column if entry.operator_pos else col
                raise PolicyCompileError(f"statement #{st.index}: {exc}", name, ln, cl) from None
            keys[entry.key] = None
            if variables:
                for v in entry.values:
                    if isinstance(v.value, str) and "${" in v.value:
                        for var in parse_template(v.value).variable_names:
                            keys.setdefault(var, None)
        if variables and res is not None:
            for r in res:
                if "${" in r.value:
                    for var in parse_template(r.value).variable_names:
                        keys.setdefault(var, None)
        self.condition_list = tuple(conds)
        self.condition_fns = tuple(c.fast for c in conds)
        self.plan_conditions = None
        """What decision plans group this statement by, computed by ``plan.py`` when first needed."""
        self.context_keys = tuple(keys)
        self.ref = StatementRef(
            policy_type=policy_type,
            policy_name=name,
            policy_index=policy_index,
            sid=st.sid,
            statement_index=st.index,
            effect=st.effect,
            line=line,
            column=col,
            condition_keys=tuple(e.key for e in st.conditions),
            level=level,
        )

    def action_matches(self, action: str) -> bool:
        hit = any(m.matches(action) for m in self.actions)
        return not hit if self.not_action else hit

    def resource_matches(self, resource: str, ctx: Mapping[str, ContextValue]) -> bool:
        if self.resources is None:
            return True
        hit = any(m.matches(resource, ctx) for m in self.resources)
        return not hit if self.not_resource else hit

    def principal_match(self, principal: RequestPrincipal) -> MatchKind:
        """How this statement's Principal / NotPrincipal matches the caller (NONE: the statement does not apply)."""
        if self.principal_keys is not None:
            best = MatchKind.NONE
            for key, kind in principal.keys:
                if key in self.principal_keys and kind > best:
                    best = kind
            return best
        if self.not_principal_keys is not None:
            # The statement applies through each identity of the caller that NotPrincipal does not list: a user
            # listed without its account is still reached through the account (a grant that only delegates).
            listed = self.not_principal_keys
            if ANY in listed:
                return MatchKind.NONE
            best = MatchKind.NONE
            identities = 0
            for key, kind in principal.keys:
                if key == ANY:
                    continue
                identities += 1
                if key not in listed and kind > best:
                    best = kind
            return best if identities else MatchKind.DIRECT
        return MatchKind.DIRECT

    def conditions_hold(self, ctx: Mapping[str, ContextValue]) -> bool:
        for fn in self.condition_fns:  # noqa: SIM110 - a loop, not all(genexpr): this runs per statement per request
            if not fn(ctx):
                return False
        return True


def _literal_prefixes(patterns: Sequence[str]) -> tuple[str, ...] | None:
    prefixes = []
    for p in patterns:
        if "${" in p:  # ${*} ${?} ${$} stand for other text than they are written with
            return None
        cut = min((i for i in (p.find("*"), p.find("?")) if i >= 0), default=len(p))
        if cut == 0:
            return None
        prefixes.append(p[:cut])
    return tuple(prefixes)


def _static_resource_fn(matchers: tuple[ResourceMatcher, ...], negate: bool) -> Callable[[str], bool]:
    fns = tuple(m.static_matcher for m in matchers if m.static_matcher is not None)
    if len(fns) == 1 and not negate:
        return fns[0]

    def any_of(resource: str) -> bool:
        for fn in fns:
            if fn(resource):
                return not negate
        return negate

    return any_of


def _keys(block: PrincipalBlock) -> frozenset[Key]:
    if block.wildcard:
        return frozenset({ANY})
    out: set[Key] = set()
    for e in block.entries:
        out.update(policy_principal_keys(e.kind, e.value))
    return frozenset(out)


class PolicyGroup:
    """The statements of one policy type (or one SCP/RCP level), indexed by action."""

    __slots__ = (
        "_action_cache",
        "_ar_cache",
        "by_service",
        "exact",
        "generic",
        "indexed",
        "level",
        "policy_type",
        "statements",
        "uses_principal",
    )

    def __init__(self, policy_type: str, policies: Sequence[Policy], *, level: int | None = None,
                 indexed: bool = True, compiled: CompiledPolicies | None = None) -> None:
        self.policy_type = policy_type
        self.level = level
        self.indexed = indexed
        self.uses_principal = policy_type in PRINCIPAL_TYPES
        stmts: list[CompiledStatement] = []
        for pi, policy in enumerate(policies):
            templates = compiled.statements(policy, policy_type, level) if compiled is not None else None
            if templates is not None and pi == 0:  # the first policy: its templates are placed as it is here
                stmts.extend(templates)
                continue
            for i, st in enumerate(policy.statements):
                stmts.append(CompiledStatement(policy, st, policy_type, pi, len(stmts), level,
                                               templates[i] if templates is not None else None))
        self.statements: tuple[CompiledStatement, ...] = tuple(stmts)
        self.exact: dict[str, list[CompiledStatement]] = {}
        # Patterns with a fixed service, each distinct pattern once with the statements that hold it: a large set
        # repeats its patterns (``s3:Get*`` in many statements), and a pattern is tested once per action.
        self.by_service: dict[str, dict[str, tuple[ActionMatcher, list[CompiledStatement]]]] = {}
        self.generic: list[CompiledStatement] = []
        for s in stmts:
            if s.not_action:
                self.generic.append(s)
                continue
            for m, raw in zip(s.actions, s.action_patterns, strict=True):
                pattern = raw.lower()
                if not _has_wildcard(pattern):
                    _add(self.exact.setdefault(pattern, []), s)
                elif m.service is not None:
                    _add(self.by_service.setdefault(m.service, {}).setdefault(pattern, (m, []))[1], s)
                else:
                    _add(self.generic, s)
        self._action_cache: dict[str, tuple[CompiledStatement, ...]] = {}

    def __len__(self) -> int:
        return len(self.statements)

    def action_candidates(self, action_lower: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action / NotAction matches, in statement order."""
        if not self.indexed:
            return tuple(s for s in self.statements if s.action_matches(action_lower))
        cached = self._action_cache.get(action_lower)
        if cached is not None:
            return cached
        found: dict[int, CompiledStatement] = {}
        for s in self.exact.get(action_lower, ()):
            found[s.ordinal] = s
        service = action_lower.split(":", 1)[0]
        for matcher, holders in self.by_service.get(service, {}).values():
            if matcher.matches(action_lower):
                for s in holders:
                    found[s.ordinal] = s
        for s in self.generic:
            if s.ordinal not in found and s.action_matches(action_lower):
                found[s.ordinal] = s
        result = tuple(found[k] for k in sorted(found))
        if len(self._action_cache) >= _CACHE_LIMIT:
            self._action_cache.clear()
        self._action_cache[action_lower] = result
        return result

    def candidates(self, action_lower: str, resource: str, ctx: Mapping[str, ContextValue]
                   ) -> list[CompiledStatement]:
        """Statements whose action and resource match (resources with variables are checked against ``ctx``).

        No cache on (action, resource): resources vary too much for one to pay; a static resource check costs
        about as much as a lookup."""
        return [s for s in self.action_candidates(action_lower)
                if s.resources is None or s.resource_matches(resource, ctx)]


class CompiledPolicies:
    """Each policy's statements compiled once, for a caller that compiles many sets from the same policies (an
    account's principals share their managed policies in thousands of combinations: each combination is a set of
    its own, but a policy's statements are compiled once and placed in each). Entries keep their policies alive, so
    a policy's id is never reused while it is here."""

    __slots__ = ("_by_policy",)

    def __init__(self) -> None:
        self._by_policy: dict[tuple[int, str, int | None], tuple[Policy, tuple[CompiledStatement, ...]]] = {}

    def statements(self, policy: Policy, policy_type: str, level: int | None) -> tuple[CompiledStatement, ...]:
        """The policy's statements compiled as the first of a group (their places are set where they are used)."""
        key = (id(policy), policy_type, level)
        hit = self._by_policy.get(key)
        if hit is not None and hit[0] is policy and (not hit[1] or hit[1][0].ref.policy_name == policy.name):
            return hit[1]
        found = tuple(CompiledStatement(policy, st, policy_type, 0, i, level) for i, st in enumerate(policy.statements))
        if len(self._by_policy) >= _CACHE_LIMIT:
            self._by_policy.clear()
        self._by_policy[key] = (policy, found)
        return found


def _add(bucket: list[CompiledStatement], s: CompiledStatement) -> None:
    if not bucket or bucket[-1] is not s:
        bucket.append(s)


def policy_type_name(t: PolicyType | str) -> str:
    """Engine names of policy types (trust policies are the role's resource policy)."""
    value = t.value if isinstance(t, PolicyType) else t
    return "resource" if value == "trust" else value
