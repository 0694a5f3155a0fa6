"""Network answers for programs. ``check`` prints exactly ``{"reachable", "forward", "return", "blocked_by", "unknown",
"notes"}`` (``reachable`` is ``null`` when the snapshot does not describe a component on the path, listed in
``unknown``); ``exposed`` prints ``{"exposed", "findings", "not_described"}``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from parc.core.findings import Finding
from parc.core.network.audit import sensitive_ports
from parc.core.network.exposure import Exposure
from parc.core.network.matrix import Matrix
from parc.core.network.results import CheckResult
from parc.core.network.traffic import spans
from parc.core.network.unknowns import KIND_EFFECTS, describe_kind


def _dump(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"


def check_json(result: CheckResult) -> str:
    return _dump(result.to_dict())


def exposed_json(exposures: Sequence[Exposure], findings: Sequence[Finding] = (), absent: Sequence[str] = ()) -> str:
    items = []
    for e in exposures:
        d = e.to_dict()
        d["sensitive"] = [{"service": name, "open": [s.to_dict() for s in spans(p)]} for name, p in sensitive_ports(e)]
        items.append(d)
    gaps = [{"kind": k, "missing": describe_kind(k), "effect": KIND_EFFECTS[k]} for k in sorted(absent)
            if k in KIND_EFFECTS]
    return _dump({"exposed": items, "findings": [f.to_dict() for f in findings], "not_described": gaps})


def matrix_json(matrix: Matrix) -> str:
    return _dump(matrix.to_dict())
