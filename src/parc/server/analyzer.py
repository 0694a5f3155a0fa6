"""Access Analyzer's policy operations (REST-JSON) on parc's validator and reasoning API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from parc.server.errors import ApiError
from parc.server.state import ServerState

Handler = Callable[[bytes, Mapping[str, str], ServerState], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    name: str
    handle: Handler


def _not_yet(name: str) -> Handler:
    def handle(body: bytes, query: Mapping[str, str], state: ServerState) -> dict[str, Any]:
        raise ApiError(501, "NotImplementedException", f"{name} is not served yet")

    return handle


ROUTES: dict[str, Operation] = {
    "/policy/validation": Operation("ValidatePolicy", _not_yet("ValidatePolicy")),
    "/policy/check-no-new-access": Operation("CheckNoNewAccess", _not_yet("CheckNoNewAccess")),
    "/policy/check-access-not-granted": Operation("CheckAccessNotGranted", _not_yet("CheckAccessNotGranted")),
    "/policy/check-no-public-access": Operation("CheckNoPublicAccess", _not_yet("CheckNoPublicAccess")),
}
