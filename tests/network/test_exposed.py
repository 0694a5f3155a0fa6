"""``exposed``: what the internet reaches, by interval arithmetic, and its agreement with ``check``."""

from __future__ import annotations

import random

from net_topology import acl, base, custom_acl, entry, group, network, perm, table

from parc.core.network.addresses import parse_address
from parc.core.network.exposure import exposed
from parc.core.network.traffic import TCP, describe, port_range

IGW = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"


def _by(net_data: dict[str, object]) -> dict[tuple[str, int], str]:
    return {(e.eni.id, e.version): describe(e.traffic) for e in exposed(network(net_data))}  # type: ignore[arg-type]


def test_only_public_interfaces_in_public_subnets_are_exposed() -> None:
    # IGW: reachable only at a public IPv4 / global IPv6, in a subnet routing to the internet gateway.
    assert _by(base()) == {("eni-web", 4): "tcp 22, tcp 80, tcp 443", ("eni-web", 6): "tcp 443"}


def test_private_subnet_with_public_ip_is_not_exposed() -> None:
    data = base()
    table(data, "rtb-pub")["Routes"] = [r for r in table(data, "rtb-pub")["Routes"] if "GatewayId" not in r
                                        or r["GatewayId"] == "local"]
    assert _by(data) == {}


def test_acl_deny_carves_addresses_out_of_the_exposure() -> None:
    data = base()
    acl(data, "acl-default")["Entries"].append(entry(50, False, "deny", "6", "198.51.100.0/24", (22, 22)))
    exp = {(e.eni.id, e.version): e for e in exposed(network(data))}[("eni-web", 4)]
    ssh = next(r for r in exp.rules if r.traffic == port_range(TCP, 22, 22))
    assert "198.51.100.0/24" not in ssh.sources and "0.0.0.0/0" not in ssh.sources
    assert parse_address("198.51.100.9").value not in ssh.addresses
    assert parse_address("198.51.101.9").value in ssh.addresses
    net = network(data)
    assert not net.check("198.51.100.7", "i-web", "tcp", 22).reachable
    assert net.check("198.51.99.7", "i-web", "tcp", 22).reachable
    http = next(r for r in exp.rules if r.traffic == port_range(TCP, 80, 80))
    assert http.sources == ("0.0.0.0/0",)


def test_stateless_reply_must_get_out_for_an_exposure() -> None:
    data = base()
    custom_acl(data, "subnet-pub", [entry(100, False, "allow", "-1", "0.0.0.0/0"),
                                    entry(100, True, "allow", "6", "0.0.0.0/0", (0, 1023))])
    assert _by(data) == {}


def test_no_enumeration_a_slash_zero_is_as_cheap_as_a_slash_32() -> None:
    data = base()
    group(data, "sg-web")["IpPermissions"].append(perm("-1", v6=("::/0",), cidrs=("0.0.0.0/0",)))
    by = _by(data)
    assert by[("eni-web", 4)] == "all traffic" and by[("eni-web", 6)] == "all traffic"


def test_exposed_agrees_with_check_on_random_configurations() -> None:
    """Differential: for sampled sources and ports, an exposure says open iff check says reachable."""
    rnd = random.Random(7)
    for _ in range(25):
        data = base()
        rules = []
        for _ in range(rnd.randint(0, 4)):
            lo = rnd.choice([22, 80, 443, 1000, 3306])
            rules.append(perm("tcp", lo, lo + rnd.choice([0, 0, 10]),
                              cidrs=(rnd.choice(["0.0.0.0/0", "198.51.100.0/24", "203.0.113.0/25", "10.0.0.0/8"]),)))
        group(data, "sg-web")["IpPermissions"] = rules
        entries = [entry(32767, True, "deny", "-1", "0.0.0.0/0"), entry(100, True, "allow", "-1", "0.0.0.0/0")]
        for n in range(rnd.randint(0, 3)):
            entries.append(entry(10 + n, False, rnd.choice(["allow", "deny"]), "6",
                                 rnd.choice(["198.51.100.0/25", "203.0.113.0/24", "0.0.0.0/0"]),
                                 (rnd.choice([0, 22, 80]), rnd.choice([80, 443, 65535]))))
        entries.append(entry(200, False, rnd.choice(["allow", "deny"]), "-1", "0.0.0.0/0"))
        custom_acl(data, "subnet-pub", entries)
        net = network(data)
        exp = {e.version: e for e in exposed(net) if e.eni.id == "eni-web"}.get(4)
        for src in ("198.51.100.7", "198.51.100.200", "203.0.113.9", "192.0.2.1"):
            for port in (22, 80, 443, 1005, 3306, 8080):
                verdict = net.check(src, "i-web", "tcp", port).reachable
                a = parse_address(src)
                opened = exp is not None and any(
                    port_range(TCP, port, port).overlaps(r.traffic) and a.value in r.addresses for r in exp.rules)
                assert opened == verdict, (src, port, [r.to_dict() for r in exp.rules] if exp else None)
