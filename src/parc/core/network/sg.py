"""Security group evaluation: the rules of every group on an ENI pooled, allow-only, stateful.

VPC User Guide, "Security group rules": "You can specify allow rules, but not deny rules"; "When you associate
multiple security groups with a resource, the rules from each security group are aggregated to form a single set of
rules". A rule naming a security group matches the private addresses of the network interfaces in that group, in the
same VPC or a peered one, never their public or Elastic IP addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from parc.core.network.addresses import Address
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import Eni, SgRule


@dataclass(frozen=True, slots=True)
class SgDecision:
    allowed: IntervalSet
    rules: tuple[SgRule, ...]
    """Every rule whose peer matched, in group order (a rule whose traffic misses the packet is still listed)."""

    def first_allowing(self, traffic: IntervalSet) -> SgRule | None:
        for rule in self.rules:
            if rule.traffic.overlaps(traffic):
                return rule
        return None


PeerMatcher = Callable[[SgRule, Address, "Eni | None"], bool]


def evaluate(rules: Iterable[SgRule], peer: Address, peer_eni: Eni | None, matches: PeerMatcher) -> SgDecision:
    """Pool ``rules`` and keep those whose other end is ``peer`` (an address, and the ENI sending it if known)."""
    allowed = EMPTY
    hits: list[SgRule] = []
    for rule in rules:
        if matches(rule, peer, peer_eni):
            hits.append(rule)
            allowed = allowed | rule.traffic
    return SgDecision(allowed, tuple(hits))
