"""Read calls over the loaded snapshots."""

from __future__ import annotations

OPERATIONS: dict[str, object] = {}
