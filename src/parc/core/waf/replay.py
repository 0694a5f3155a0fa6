"""A request stream replayed through a web ACL: each request's verdict in time order (rate-based rules count the
stream as it goes), and totals per action and per rule. What ``parc waf test`` reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.waf.evaluate import Verdict, evaluate
from parc.core.waf.model import References, WebAcl
from parc.core.waf.rate import RateState
from parc.core.waf.request import WafRequest
from parc.core.waf.statements import IPNetwork


@dataclass(slots=True)
class Replayed:
    source: str
    index: int
    request: WafRequest
    verdict: Verdict


@dataclass(slots=True)
class ReplayReport:
    items: list[Replayed] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)
    terminated: dict[str, int] = field(default_factory=dict)
    """Per rule: the requests it decided."""
    matched: dict[str, int] = field(default_factory=dict)
    """Per rule: the requests it matched (Count rules included)."""
    not_evaluated: dict[str, int] = field(default_factory=dict)
    not_final: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": [{"source": f"{it.source}#{it.index}", "time": it.request.time, "method": it.request.method,
                          "uri": it.request.uri_path + (f"?{it.request.query_string}" if it.request.query_string
                                                         else ""),
                          "action": it.verdict.action, "terminating_rule": it.verdict.terminating_rule,
                          "final": it.verdict.final, "labels": it.verdict.labels} for it in self.items],
            "totals": {"actions": self.actions, "terminating_rules": self.terminated, "matched_rules": self.matched,
                       "not_evaluated_rules": self.not_evaluated, "not_final": self.not_final},
        }


def replay(acl: WebAcl, requests: list[tuple[str, int, WafRequest]], refs: References | None = None,
           geo: tuple[tuple[IPNetwork, str], ...] = ()) -> ReplayReport:
    """Evaluate every request in time order (requests without a time keep their place after the timed ones of the
    same file order); the rate-based rules see the whole stream."""
    ordered = sorted(requests, key=lambda t: (t[2].time is None, t[2].time or 0.0))
    rates = RateState(replay=True)
    report = ReplayReport()
    for source, index, request in ordered:
        v = evaluate(acl, request, refs, geo, rates)
        report.items.append(Replayed(source, index, request, v))
        report.actions[v.action] = report.actions.get(v.action, 0) + 1
        key = v.terminating_rule or "(default action)"
        report.terminated[key] = report.terminated.get(key, 0) + 1
        for r in v.rules:
            name = f"{r.group}/{r.name}" if r.group else r.name
            if r.matched:
                report.matched[name] = report.matched.get(name, 0) + 1
            elif r.matched is None:
                report.not_evaluated[name] = report.not_evaluated.get(name, 0) + 1
        if not v.final:
            report.not_final += 1
    return report
