"""What the catalog-backed lint rules share: finding construction, documentation links, and action expansion.

Codes are IAM Access Analyzer's where it has the check (the link then points at that check's section of
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html); parc's own codes,
for checks Access Analyzer does not make, link to the IAM page of the element concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from parc.core.catalog import ActionInfo, Catalog
from parc.core.findings import Finding, FindingType, Position
from parc.core.lint.base import LintContext
from parc.core.lint.rules_common import CHECKS_PAGE as CHECKS_PAGE
from parc.core.lint.rules_common import IAM_DOCS
from parc.core.lint.rules_common import check_link as check_link
from parc.core.policy.model import Located, Statement

ACTION_PAGE = IAM_DOCS + "reference_policies_elements_action.html"
RESOURCE_PAGE = IAM_DOCS + "reference_policies_elements_resource.html"
CONDITION_PAGE = IAM_DOCS + "reference_policies_elements_condition.html"
OPERATORS_PAGE = IAM_DOCS + "reference_policies_elements_condition_operators.html"
GLOBAL_KEYS_PAGE = IAM_DOCS + "reference_policies_condition-keys.html"
MULTIVALUED_PAGE = IAM_DOCS + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
SERVICE_REFERENCE = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "reference_policies_actions-resources-contextkeys.html"
)

def finding(
    code: str,
    finding_type: FindingType,
    message: str,
    path: str,
    pos: Position | None,
    link: str,
    fix: str | None = None,
    **details: str,
) -> Finding:
    return Finding(code, finding_type, message, path, pos, learn_more=link, fix=fix, details=dict(details))


def catalog_of(ctx: LintContext) -> Catalog | None:
    """The context's catalog; the registry only runs these rules when one is given."""
    return cast(Catalog, ctx.catalog) if ctx.catalog is not None else None


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@dataclass(frozen=True, slots=True)
class StatementActions:
    """The catalog actions a statement's Action element names, and whether that list is complete."""

    actions: tuple[ActionInfo, ...]
    complete: bool
    """False when an entry is ``*``, unknown to the catalog, or malformed: checks that need every action skip."""


def statement_actions(catalog: Catalog, st: Statement) -> StatementActions | None:
    """The actions of an ``Action`` element (None for a statement with NotAction or no Action)."""
    if st.action is None or st.not_action is not None:
        return None
    out: dict[str, ActionInfo] = {}
    complete = True
    for loc in st.action:
        found = expand(catalog, loc)
        if not found:
            complete = False
        for a in found:
            out[a.full_name.lower()] = a
    return StatementActions(tuple(out.values()), complete and bool(out))


def expand(catalog: Catalog, loc: Located) -> tuple[ActionInfo, ...]:
    value = loc.value.strip()
    if value == "*" or ":" not in value:
        return ()
    return catalog.expand_action_pattern(value)


def plural(items: Iterable[str], limit: int = 4) -> str:
    """``a, b, c and 2 more``: a short list for a message."""
    seq = list(items)
    if len(seq) <= limit:
        return ", ".join(seq)
    return ", ".join(seq[:limit]) + f" and {len(seq) - limit} more"
