"""``GetContextKeysForCustomPolicy`` and ``GetContextKeysForPrincipalPolicy``: the condition keys the policies
test, each once (first spelling and first appearance kept), so that a script knows which ContextEntries to give.

Their only modeled errors are InvalidInput (and NoSuchEntity for an unknown principal), so a policy that does not
parse is InvalidInput here rather than MalformedPolicyDocument.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from parc.core.account.model import Estate
from parc.core.policy.model import Policy, PolicyType
from parc.server.iam.principal import find_entity, gathered, serving
from parc.server.iam.protocol import QueryError, invalid_input
from parc.server.iam.sources import parse_source


def _keys(policies: Iterable[Policy]) -> list[str]:
    seen: dict[str, str] = {}
    for p in policies:
        for st in p.statements:
            for c in st.conditions:
                seen.setdefault(c.key.lower(), c.key)
    return list(seen.values())


def _inputs(texts: Sequence[str]) -> list[Policy]:
    out = []
    for i, text in enumerate(texts, 1):
        key = f"PolicyInputList.{i}"
        try:
            out.append(parse_source(text, PolicyType.IDENTITY, key, key, "").policy)
        except QueryError as exc:
            raise invalid_input(exc.message) from None
    return out


def context_keys_custom(params: Mapping[str, Any], _estates: Sequence[Estate]) -> dict[str, Any]:
    return {"ContextKeyNames": _keys(_inputs(params["PolicyInputList"]))}


def context_keys_principal(params: Mapping[str, Any], estates: Sequence[Estate]) -> dict[str, Any]:
    serving(estates)
    estate, account, entity = find_entity(estates, params["PolicySourceArn"])
    own = gathered(estate, account, entity)
    policies = [x.source.policy for x in own.labeled]
    if own.boundary is not None:
        policies.append(own.boundary.policy)
    return {"ContextKeyNames": _keys([*policies, *_inputs(params.get("PolicyInputList") or [])])}
