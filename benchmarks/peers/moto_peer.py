"""moto's IAM policy classes (``moto.iam.access_control.IAMPolicy``), as moto's own access control uses them.

moto evaluates identity policies policy by policy: a DENIED result ends the request, a PERMITTED one allows, and
NEUTRAL everywhere is the implicit deny; ``sts:GetCallerIdentity`` is allowed before any policy is read, as moto
does. The request context is passed to ``is_action_permitted`` (moto's own request path passes none), which is the
most its classes can use: they evaluate only StringEquals (other operators count as met), skip a key that is
absent, and turn a failed condition of an Allow statement into a DENIED. A statement with NotResource has no
Resource, which moto reads as "applies to every resource" (so a Deny with NotResource permits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .base import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Json, Peer, PeerUnavailable


class MotoPeer(Peer):
    name = "moto"
    notes = ("only StringEquals conditions; a failed Allow condition denies; NotResource ignored",)

    def __init__(self) -> None:
        try:
            from moto.iam.access_control import IAMPolicy, PermissionResult
        except ImportError as exc:
            raise PeerUnavailable(
                f"moto is not installed ({exc}); install the bench extra: pip install -e '.[bench]'"
            ) from exc
        self._policy_cls: Any = IAMPolicy
        self._denied = PermissionResult.DENIED
        self._permitted = PermissionResult.PERMITTED
        self._policies: list[Any] = []

    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        self._policies = [self._policy_cls(json.dumps(doc)) for doc in policies]

    def decide(self, request: Json) -> str:
        action = request["action"]
        if action == "sts:GetCallerIdentity":
            return ALLOW
        resource = request.get("resource", "*")
        context = {k: v for k, v in (request.get("context") or {}).items() if isinstance(v, str)}
        permitted = False
        for policy in self._policies:
            result = policy.is_action_permitted(action, resource, None, context)
            if result == self._denied:
                return EXPLICIT_DENY
            if result == self._permitted:
                permitted = True
        return ALLOW if permitted else IMPLICIT_DENY
