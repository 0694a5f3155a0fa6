"""What the account evaluator answers: the resource side of a request, and a verdict (strict, and whether
relaxed request-time keys could allow). Split from ``evaluator`` so readers of verdicts need not import the engine."""

from __future__ import annotations

from dataclasses import dataclass, replace

from parc.core.authz import Decision
from parc.core.authz.s3_settings import S3Settings
from parc.core.policy.model import Policy


@dataclass(frozen=True, slots=True)
class ResourceSide:
    policy: Policy | None
    account_id: str | None
    name: str | None = None
    """The ARN whose policy applies (the bucket for an object)."""
    s3: S3Settings | None = None
    """For an S3 bucket or object: the bucket's ACL and Block Public Access settings, as the snapshot holds them."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A strict decision and, when it does not allow, whether relaxed request-time keys could."""

    strict: Decision
    relaxed: Decision | None = None
    relaxed_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Allowed without conditions on keys the request did not give."""
        return self.strict.allowed

    @property
    def possible(self) -> bool:
        return self.strict.allowed or (self.relaxed is not None and self.relaxed.allowed)

    @property
    def decision(self) -> Decision:
        """The decision to report: the strict one, or the relaxed one when only it allows."""
        if not self.strict.allowed and self.relaxed is not None and self.relaxed.allowed:
            return self.relaxed
        return self.strict

    @property
    def conditions(self) -> tuple[str, ...]:
        """Condition keys that gate the allow: those of the allowing statements, plus the relaxed keys."""
        if not self.possible:
            return ()
        keys: dict[str, None] = {}
        for ref in self.decision.deciding:
            if ref.effect == "Allow":
                for k in ref.condition_keys:
                    keys.setdefault(k, None)
        if not self.strict.allowed:
            for k in self.relaxed_keys:
                keys.setdefault(k, None)
        return tuple(sorted(keys, key=str.lower))

    @property
    def label(self) -> str:
        if self.strict.allowed:
            return "Allow"
        if self.possible:
            return "ConditionalAllow"
        return self.strict.decision

    def to_dict(self) -> dict[str, object]:
        d = self.decision.to_dict()
        d["decision"] = self.label
        d["conditions"] = list(self.conditions)
        return d


def renamed(v: Verdict, old: str, new: str) -> Verdict:
    """``v`` decided against a resource policy named ``old``, told of a policy of the same content named ``new``:
    the statements it names and its reasons (an explicit deny names its first statement) carry the new name.
    Everything else a decision holds depends on the content only, or is the decided request's (its context, like
    any verdict shared within a class)."""
    if old == new:
        return v
    return Verdict(_renamed(v.strict, old, new), _renamed(v.relaxed, old, new) if v.relaxed is not None else None,
                   v.relaxed_keys)


def _renamed(d: Decision, old: str, new: str) -> Decision:
    refs = d.deciding
    if not any(r.policy_name == old and r.policy_type == "resource" for r in refs):
        return d
    moved = tuple(replace(r, policy_name=new) if r.policy_name == old and r.policy_type == "resource" else r
                  for r in refs)
    reasons = d.reasons
    for was, now in zip(refs, moved, strict=True):
        if was is not now:
            reasons = tuple(x.replace(was.label(), now.label()) for x in reasons)
    return Decision(d.decision, moved, d.blocked_by, d.by_policy_type, reasons, d.trace, d.candidates, d.context)
