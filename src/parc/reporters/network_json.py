"""Network answers for programs. ``check`` prints exactly ``{"reachable", "forward", "return", "blocked_by", "unknown",
"notes"}`` (``reachable`` is ``null`` when the snapshot does not describe a component on the path, listed in
``unknown``); ``exposed`` prints ``{"exposed", "findings", "not_described"}``. ``check`` and ``matrix`` add
``input_problems`` when part of the snapshot could not be read (the answer is then over what could be read; ``exposed``
lists those problems among its findings)."""

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


def _with_problems(data: dict[str, object], problems: Sequence[Finding]) -> dict[str, object]:
    return {**data, "input_problems": [f.to_dict() for f in problems]} if problems else data


def check_json(result: CheckResult, problems: Sequence[Finding] = ()) -> str:
    return _dump(_with_problems(result.to_dict(), problems))


def exposed_json(exposures: Sequence[Exposure], findings: Sequence[Finding] = (), absent: Sequence[str] = ()) -> str:
    items = []
    for e in exposures:
        d = e.to_dict()
        d["sensitive"] = [{"service": name, "open": [s.to_dict() for s in spans(p)]} for name, p in sensitive_ports(e)]
        items.append(d)
    gaps = [{"kind": k, "missing": describe_kind(k), "effect": KIND_EFFECTS[k]} for k in sorted(absent)
            if k in KIND_EFFECTS]
    return _dump({"exposed": items, "findings": [f.to_dict() for f in findings], "not_described": gaps})


def matrix_json(matrix: Matrix, problems: Sequence[Finding] = ()) -> str:
    return _dump(_with_problems(matrix.to_dict(), problems))
