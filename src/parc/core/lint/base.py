"""The lint rule registry: each rule is a small function over one parsed policy, registered with its code.

Rules never raise on odd input: the runner catches a failing rule and reports it as an internal finding, so one
bug in one rule never hides the others' findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from parc.core.findings import Finding
from parc.core.policy.model import Policy, PolicyType


@dataclass(frozen=True, slots=True)
class LintContext:
    policy: Policy
    policy_type: PolicyType
    catalog: object | None
    """A ``parc.core.catalog.Catalog`` (typed as object here to keep this module free of that import)."""


RuleFn = Callable[[LintContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    codes: tuple[str, ...]
    fn: RuleFn
    needs_catalog: bool = False


RULES: list[Rule] = []


def rule(*codes: str, needs_catalog: bool = False) -> Callable[[RuleFn], RuleFn]:
    """Register a lint rule producing findings with the given codes."""

    def deco(fn: RuleFn) -> RuleFn:
        RULES.append(Rule(fn.__name__, codes, fn, needs_catalog))
        return fn

    return deco
