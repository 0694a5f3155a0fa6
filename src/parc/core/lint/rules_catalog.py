"""Lint rules that need the IAM catalog: actions and services here; ARNs and conditions in their own modules.

Importing this module registers all of them (the orchestrator imports it when it has a catalog to give).

An action the catalog does not know is an error (Access Analyzer's INVALID_ACTION), with the nearest known action as
the fix. One the catalog listed in an earlier release and has since dropped is one AWS retired: AWS still accepts
policies that name it, so it is a warning that the entry grants nothing any more.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from parc.core.catalog import Catalog
from parc.core.findings import Finding, FindingType
from parc.core.lint import rules_arn as rules_arn
from parc.core.lint import rules_conditions as rules_conditions
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_catalog_common import ACTION_PAGE, catalog_of, check_link, finding, has_wildcard
from parc.core.policy.model import Located

__all__ = ["rules_arn", "rules_conditions"]

E = FindingType.ERROR
W = FindingType.WARNING


@rule("INVALID_ACTION", "INVALID_SERVICE_IN_ACTION", "RETIRED_ACTION", needs_catalog=True)
def unknown_actions(ctx: LintContext) -> Iterator[Finding]:
    catalog = catalog_of(ctx)
    if catalog is None:
        return
    for st in ctx.policy.statements:
        for element, values in (("Action", st.action), ("NotAction", st.not_action)):
            for loc in values or ():
                found = check_action(catalog, loc, element)
                if found is not None:
                    yield found


def check_action(catalog: Catalog, loc: Located, element: str) -> Finding | None:
    """The finding for one Action or NotAction entry, or None when the catalog knows it."""
    value = loc.value
    text = value.strip()
    if text == "*":
        return None
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        suggestion = catalog.suggest_action(text)
        fix = f"Did you mean {suggestion!r}?" if suggestion else "Write it as service:ActionName, e.g. s3:GetObject."
        return finding(
            "INVALID_ACTION",
            E,
            f"{value!r} in {element} is not an action: actions are written service-prefix:ActionName.",
            loc.path,
            loc.pos,
            check_link(E, "Invalid action"),
            fix,
            suggestion=suggestion or "",
        )
    if has_wildcard(service):
        if catalog.expand_action_pattern(text):
            return None
        return _no_match(value, element, loc, f"no service prefix matches {service!r}")
    if not catalog.service_exists(service):
        if catalog.retired_service(service):
            return _retired(value, element, loc, f"AWS retired the service {service!r}")
        guess = catalog.suggest_service(service)
        fixed = catalog.suggest_action(f"{guess}:{name}") if guess else None
        fix_text = f"Did you mean {fixed or f'{guess}:{name}'!r}?" if guess else None
        return finding(
            "INVALID_SERVICE_IN_ACTION",
            E,
            f"The service {service!r} in {element} entry {value!r} does not exist."
            + (f" Did you mean {guess!r}?" if guess else ""),
            loc.path,
            loc.pos,
            check_link(E, "Invalid service in action"),
            fix_text,
            suggestion=fixed or (f"{guess}:{name}" if guess else ""),
        )
    if has_wildcard(name):
        if catalog.expand_action_pattern(text):
            return None
        retired = [a for a in catalog.retired_actions(service) if fnmatchcase(a, name.lower())]
        if retired:
            return _retired(value, element, loc, f"it matches only actions AWS retired ({', '.join(retired[:3])})")
        return _no_match(value, element, loc, f"no action of {service!r} matches {name!r}")
    if catalog.action(service, name) is not None:
        return None
    if catalog.retired_action(service, name):
        return _retired(value, element, loc, f"AWS retired the action {service}:{name}")
    suggestion = catalog.suggest_action(text)
    return finding(
        "INVALID_ACTION",
        E,
        f"The action {value!r} in {element} does not exist in the catalog"
        f" (version {catalog.data_version()})." + (f" Did you mean {suggestion!r}?" if suggestion else ""),
        loc.path,
        loc.pos,
        check_link(E, "Invalid action"),
        f"Did you mean {suggestion!r}?" if suggestion else None,
        suggestion=suggestion or "",
    )


def _no_match(value: str, element: str, loc: Located, why: str) -> Finding:
    return finding(
        "INVALID_ACTION",
        E,
        f"The pattern {value!r} in {element} matches no action: {why}.",
        loc.path,
        loc.pos,
        check_link(E, "Invalid action"),
        "Check the spelling of the pattern; wildcards match action names of one service.",
    )


def _retired(value: str, element: str, loc: Located, why: str) -> Finding:
    return finding(
        "RETIRED_ACTION",
        W,
        f"{value!r} in {element} names nothing AWS still has: {why}. The entry no longer has any effect.",
        loc.path,
        loc.pos,
        ACTION_PAGE,
        "Remove the entry.",
    )
