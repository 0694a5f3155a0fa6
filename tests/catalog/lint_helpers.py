"""Run the catalog-backed lint rules on a policy, straight through the registry (no orchestrator needed)."""

from __future__ import annotations

from parc.catalog import default_catalog
from parc.core.findings import Finding
from parc.core.lint import rules_catalog  # noqa: F401  (registers the rules)
from parc.core.lint.base import RULES, LintContext
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy

MODULES = {"parc.core.lint.rules_catalog", "parc.core.lint.rules_arn", "parc.core.lint.rules_conditions"}
CATALOG_RULES = [r for r in RULES if r.fn.__module__ in MODULES]


def lint_catalog(policy: str | dict[str, object], policy_type: PolicyType = PolicyType.IDENTITY) -> list[Finding]:
    parsed = parse_policy(policy, policy_type)
    assert parsed.policy is not None, parsed.findings
    ctx = LintContext(parsed.policy, policy_type, default_catalog())
    out: list[Finding] = []
    for r in CATALOG_RULES:
        out.extend(r.fn(ctx))
    return out
