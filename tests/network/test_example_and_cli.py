"""The bundled example VPC through the CLI: what ``make run`` will show, and the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli
from parc.core.network import Network
from parc.core.network.audit import network_findings
from parc.core.network.matrix import matrix
from parc.loaders.ec2 import load

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "vpc")
WEB, DB, REPORTING = "i-0a3c5e7b9d1f20091", "i-0b4d6f8c1e3a20092", "i-0c5e7a9d2f4b30093"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["net", *args])
    return r.exit_code, r.stdout, r.stderr


def test_check_json_has_exactly_the_documented_shape() -> None:
    code, out, _ = run("check", EXAMPLE, "--from", REPORTING, "--to", DB, "--port", "5432", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"reachable", "forward", "return", "blocked_by", "unknown", "notes"}
    assert data["reachable"] is False and data["unknown"] == []
    # The deliberate bug: the db subnet's ACL lets 5432 in from the peered VPC but not the reply back out.
    assert data["blocked_by"] == {"component": "acl-0b3d5f7c9e2a40062", "code": "SUBNET_ACL_RESTRICTION",
                                  "direction": "return", "security_groups": []}
    assert all({"component", "rule"} <= set(h) for h in data["forward"] + data["return"])


def test_check_reachable_json_and_expect() -> None:
    code, out, _ = run("check", EXAMPLE, "--from", WEB, "--to", DB, "--port", "5432", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["reachable"] is True and data["blocked_by"] is None
    assert [h["component"] for h in data["forward"]][-1] == "sg-0c33d44e55f66a703"
    assert run("check", EXAMPLE, "--from", WEB, "--to", DB, "--port", "5432", "--expect", "blocked")[0] == 1


def test_check_text_names_the_blocker() -> None:
    code, out, _ = run("check", EXAMPLE, "--from", WEB, "--to", DB, "--port", "22")
    assert code == 0
    assert "BLOCKED" in out and "rule 90: deny tcp 22 from 10.20.1.0/24" in out and "SUBNET_ACL_RESTRICTION" in out


def test_unknown_endpoint_and_unreadable_snapshot_exit_2() -> None:
    code, _, err = run("check", EXAMPLE, "--from", "i-0000000000000000", "--to", DB, "--port", "22")
    assert code == 2 and "i-0000000000000000 is not in the snapshot" in err
    code, _, err = run("check", EXAMPLE, "--from", "not-an-address", "--to", DB, "--port", "22")
    assert code == 2 and "neither an instance id" in err
    code, _, err = run("exposed", EXAMPLE + "-missing")
    assert code == 2 and "no such file" in err
    code, _, err = run("check", EXAMPLE, "--from", WEB, "--to", DB)
    assert code == 2 and "needs a port" in err


def test_exposed_shows_the_deliberate_exposure() -> None:
    code, out, _ = run("exposed", EXAMPLE)
    assert code == 0
    assert "web-1" in out and "54.210.33.12" in out and "tcp 22" in out and "SSH" in out
    assert DB not in out.split("about the snapshot")[0]
    code, out, _ = run("exposed", EXAMPLE, "--format", "json")
    data = json.loads(out)
    v4 = next(e for e in data["exposed"] if e["ip_version"] == 4)
    assert [s["service"] for s in v4["sensitive"]] == ["SSH"]
    assert {(o["from"], o["to"]) for o in v4["open"]} == {(22, 22), (80, 80), (443, 443)}


def test_matrix_on_the_example() -> None:
    m = matrix(Network(load(EXAMPLE).snapshot))
    assert m.cell(WEB, DB) is not None
    from parc.core.network.traffic import describe

    cells = {(c.source, c.destination): describe(c.traffic) for c in m.cells}
    assert cells[(WEB, DB)] == "tcp 5432"  # 22 is denied by the db ACL's rule 90
    assert cells[(DB, WEB)] == "tcp 443"  # web's 0.0.0.0/0 HTTPS rule also matches private addresses
    assert cells[(REPORTING, DB)] == "nothing"  # the reply is denied (stateless ACL)
    code, out, _ = run("matrix", EXAMPLE, "--port", "5432")
    assert code == 0 and "✔" in out


def test_matrix_agrees_with_check() -> None:
    net = Network(load(EXAMPLE).snapshot)
    m = matrix(net)
    for c in m.cells:
        for port in (22, 443, 5432, 9100):
            from parc.core.network.traffic import TCP, port_range

            assert c.traffic.overlaps(port_range(TCP, port, port)) == net.check(
                c.source, c.destination, "tcp", port).reachable, (c.source, c.destination, port)


def test_audit_findings_on_the_example() -> None:
    codes = [f.code for f in network_findings(Network(load(EXAMPLE).snapshot))]
    assert codes.count("NET_INTERNET_EXPOSED_SENSITIVE_PORT") == 1
    assert "NET_DEFAULT_SG_HAS_RULES" in codes  # shop-prod's default group keeps its default rules
    assert "NET_SG_RULE_UNKNOWN_GROUP" in codes
    assert codes.count("NET_ACL_ALLOWS_ALL") == 4  # two default ACLs, both directions


def test_network_object_answers_all_three_questions() -> None:
    net = Network(load(EXAMPLE).snapshot)
    assert [e.instance_name for e in net.exposed()] == ["web-1", "web-1"]  # IPv4 and IPv6
    assert len(net.matrix(port=5432).cells) == 6
    assert any(f.code == "NET_INTERNET_EXPOSED_SENSITIVE_PORT" for f in net.findings())
