"""SimulatePrincipalPolicy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def simulate_principal(params: Mapping[str, Any], estates: Sequence[object]) -> dict[str, Any]:
    raise NotImplementedError
