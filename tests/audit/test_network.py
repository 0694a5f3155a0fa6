"""Network integrity over the account's ec2/ folder: what the internet reaches (sensitive services first), default
security groups with rules, allow-all network ACLs, rules naming unknown groups; absent ec2/ is "not checked".

Security group rules: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
Default security group (CIS 5.4 asks it allow nothing): https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
Network ACLs: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, VPC, audit_of, only, rules

from parc.core.audit import Severity
from parc.core.findings import Position
from parc.core.policy.jsonpos import parse_json
from parc.core.policy.jsonwhere import path_parts


def vpc_copy(tmp: Path, change: dict[str, Any] | None = None) -> Path:
    """The example VPC, with some describe-* outputs replaced."""
    folder = tmp / "vpc"
    folder.mkdir()
    for f in VPC.glob("*.json"):
        (folder / f.name).write_text(f.read_text())
    for name, data in (change or {}).items():
        (folder / name).write_text(json.dumps(data))
    return folder


def test_example_vpc_findings_with_positions(tmp_path: Path) -> None:
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path))
    assert rules(report, "NET_") == ["NET_ACL_ALLOWS_ALL", "NET_ACL_ALLOWS_ALL",
                                     *["NET_ACL_OPEN_ADMIN_PORT"] * 4,  # latent: test_idnet_network.py
                                     "NET_DEFAULT_SG_HAS_RULES",
                                     "NET_INTERNET_EXPOSED", "NET_INTERNET_EXPOSED",
                                     "NET_INTERNET_EXPOSED_SENSITIVE_PORT", "NET_SG_OPEN_ADMIN_PORT",
                                     "NET_SG_RULE_UNKNOWN_GROUP"]
    ssh = next(f for f in report.findings if f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT")
    assert ssh.severity is Severity.HIGH and "tcp 22 (SSH)" in ssh.title and "54.210.33.12" in ssh.title
    rule_ev = ssh.evidence[0]
    assert rule_ev.path == "SecurityGroups[0].IpPermissions[2]" and rule_ev.file and rule_ev.line
    line = Path(rule_ev.file).read_text().splitlines()[rule_ev.line - 1]
    assert line.strip() == "{"  # the rule object starts there
    web = [f for f in report.findings if f.rule == "NET_INTERNET_EXPOSED"]
    assert {f.severity for f in web} == {Severity.INFO} and all("tcp 80, tcp 443" in f.title for f in web)
    # Sensitive first: HIGH before the LOW and INFO ones.
    order = [f.rule for f in report.findings if f.rule.startswith("NET_")]
    assert order.index("NET_INTERNET_EXPOSED_SENSITIVE_PORT") < order.index("NET_INTERNET_EXPOSED")


def _open_database(port: int) -> dict[str, Any]:
    data = json.loads((VPC / "describe-security-groups.json").read_text())
    web = data["SecurityGroups"][0]
    web["IpPermissions"][2] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "UserIdGroupPairs": [],
                               "PrefixListIds": []}
    return data


@pytest.mark.parametrize(("port", "service", "severity"), [
    (5432, "PostgreSQL", Severity.CRITICAL),
    (6379, "Redis", Severity.CRITICAL),
    (3389, "RDP", Severity.HIGH),
    (8443, "Admin console", Severity.HIGH),
])
def test_sensitive_services_severity(tmp_path: Path, port: int, service: str, severity: Severity) -> None:
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path, {"describe-security-groups.json": _open_database(port)}))
    (f,) = [f for f in report.findings if f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT"]
    assert f.severity is severity and service in f.title


@pytest.mark.parametrize(("port", "service"), [
    (9092, "Kafka"), (9094, "Kafka"), (9096, "Kafka"), (9098, "Kafka"), (9194, "Kafka"), (9196, "Kafka"),
    (9198, "Kafka"), (2181, "ZooKeeper"), (2182, "ZooKeeper"),
    (389, "LDAP"), (636, "LDAP"), (88, "Kerberos"),
])
def test_directory_and_broker_services_are_high(tmp_path: Path, port: int, service: str) -> None:
    """Kafka (MSK ports: https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html), ZooKeeper, LDAP and
    Kerberos open to the internet are HIGH, not the INFO of an ordinary port."""
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path, {"describe-security-groups.json": _open_database(port)}))
    (f,) = [f for f in report.findings if f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT"]
    assert f.severity is Severity.HIGH and f"({service})" in f.title and f"tcp {port}" in f.title
    assert "brute-forced around the clock" not in f.why  # not called remote administration


@pytest.mark.parametrize("port", [9093, 9097, 9195, 2183, 390, 87])
def test_ports_next_to_them_stay_info(tmp_path: Path, port: int) -> None:
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path, {"describe-security-groups.json": _open_database(port)}))
    assert "NET_INTERNET_EXPOSED_SENSITIVE_PORT" not in rules(report)
    assert any(f.rule == "NET_INTERNET_EXPOSED" and f"tcp {port}" in f.title and f.severity is Severity.INFO
               for f in report.findings)


def test_closing_ssh_removes_the_sensitive_finding(tmp_path: Path) -> None:
    data = json.loads((VPC / "describe-security-groups.json").read_text())
    del data["SecurityGroups"][0]["IpPermissions"][2]
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path, {"describe-security-groups.json": data}))
    assert "NET_INTERNET_EXPOSED_SENSITIVE_PORT" not in rules(report)
    assert "NET_INTERNET_EXPOSED" in rules(report)


def test_clean_default_group_and_acls(tmp_path: Path) -> None:
    sgs = json.loads((VPC / "describe-security-groups.json").read_text())
    for g in sgs["SecurityGroups"]:
        if g["GroupName"] == "default":
            g["IpPermissions"], g["IpPermissionsEgress"] = [], []
    acls = json.loads((VPC / "describe-network-acls.json").read_text())
    for a in acls["NetworkAcls"]:
        a["Entries"] = [e for e in a["Entries"] if e["RuleAction"] == "deny"] + [
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": eg, "CidrBlock": "0.0.0.0/0",
             "PortRange": {"From": 443, "To": 443}} for eg in (False, True)]
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path, {"describe-security-groups.json": sgs,
                                                        "describe-network-acls.json": acls}))
    assert "NET_DEFAULT_SG_HAS_RULES" not in rules(report) and "NET_ACL_ALLOWS_ALL" not in rules(report)


def test_no_ec2_folder_is_not_checked(tmp_path: Path) -> None:
    report = audit_of(tmp_path)
    assert rules(report, "NET_") == []
    assert any(n.check.startswith("network integrity") and n.account == ACCT for n in report.not_checked)


def test_an_unreadable_ec2_folder_is_an_input_problem_and_not_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "describe-security-groups.json").write_text("{ nope")
    report = audit_of(tmp_path, ec2=broken)
    assert any("describe-security-groups.json" in (p.message + (p.file or "")) for p in report.problems)
    assert any(n.check.startswith("network integrity") for n in report.not_checked)


@pytest.mark.parametrize("missing", ["describe-network-acls.json", "describe-route-tables.json",
                                     "describe-security-groups.json"])
def test_an_absent_kind_never_makes_the_exposure_disappear(tmp_path: Path, missing: str) -> None:
    """Without the ACLs, routes or groups, the SSH exposure is "may be reachable", still HIGH (a gate is not green
    from nothing), and the absent file is named as not checked (parc.core.network.unknowns)."""
    folder = vpc_copy(tmp_path)
    (folder / missing).unlink()
    report = audit_of(tmp_path, ec2=folder)
    ssh = [f for f in report.findings if f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT" and "(SSH)" in f.title]
    assert ssh and all(f.severity is Severity.HIGH and "may be reachable" in f.title for f in ssh)
    assert all(f.details["certain"] is False and f.details["unknown"] for f in ssh)
    command = missing.removesuffix(".json")
    assert any(n.check.startswith("network integrity") and command in n.reason for n in report.not_checked)


def test_with_everything_described_the_exposure_is_certain(tmp_path: Path) -> None:
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path))
    ssh = only(report, "NET_INTERNET_EXPOSED_SENSITIVE_PORT")
    assert "is reachable" in ssh.title and ssh.details["certain"] is True
    assert not any(n.check.startswith("network integrity") for n in report.not_checked)


def test_network_files_are_located_without_a_positioned_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A network loader finding (a CIDR that is not one) is located in its file, and the audit's evidence points at
    every group, rule and interface it names: each at the position the positioned reader gives that path, while no
    network file is read with positions (``jsonwhere`` walks only the paths asked; the rest is skipped)."""
    import parc.core.policy.jsonpos as jsonpos_module
    import parc.core.policy.jsonwhere as jsonwhere_module

    data = json.loads((VPC / "describe-security-groups.json").read_text())
    data["SecurityGroups"][0]["IpPermissions"][0]["IpRanges"] = [{"CidrIp": "not-a-cidr"}]
    folder = vpc_copy(tmp_path, {"describe-security-groups.json": data})
    reads: list[str] = []
    # jsonwhere's fallback, and jsonpos' own (loads' fallback, and any reader that imports the module); the
    # identity loader reads describe-instances with positions for its own checks, through its own import.
    for module in (jsonwhere_module, jsonpos_module):
        real = module.parse_json

        def counting(text: str, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            reads.append(text)
            return _real(text, *args, **kwargs)

        monkeypatch.setattr(module, "parse_json", counting)
    report = audit_of(tmp_path, ec2=folder)
    network_texts = [f.read_text() for f in folder.glob("*.json")]
    assert not [t for t in reads if t in network_texts]

    def at(file: str, path: str) -> Position:
        node = parse_json(Path(file).read_text())
        for part in path_parts(path):
            node = node.items[part] if isinstance(part, int) else node.get(part).node  # type: ignore[union-attr]
        return node.pos

    bad = [p for p in report.problems if "not-a-cidr" in p.message]
    assert bad and bad[0].file and bad[0].position == at(bad[0].file, bad[0].path)
    assert bad[0].position.column > 1  # the file is one line
    located = [e for f in report.findings for e in f.evidence if e.file and Path(e.file).parent.name == "ec2"]
    assert any(f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT" and f.evidence[0].line for f in report.findings)
    assert located and all(Position(e.line, e.column) == at(e.file, e.path) for e in located)  # type: ignore[arg-type]


def test_the_network_files_the_loader_read_are_not_read_again_for_their_positions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The evidence positions use the text and values the network loader read (``ec2.LoadResult.reads``): the same
    positions as reading each file again; a file with a key given twice is read again (its positions follow the
    first value, the loader kept the last)."""
    import parc.loaders.snapshot as snapshot_module
    from parc.loaders.ec2 import load

    folder = vpc_copy(tmp_path)
    sources = tuple(sorted(str(f) for f in folder.glob("*.json")))
    again = snapshot_module._network_positions(sources)
    reads = load(folder, keep_reads=True).reads
    assert sorted(reads) == list(sources) and not load(folder).reads  # kept only when asked

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("read again")

    with monkeypatch.context() as m:
        m.setattr(snapshot_module, "loads", refused)
        assert snapshot_module._network_positions(sources, reads) == again and again

    groups = folder / "describe-security-groups.json"
    groups.write_text(groups.read_text().replace('"GroupName"', '"GroupName": "first",\n "GroupName"', 1))
    reads = load(folder, keep_reads=True).reads
    assert str(groups) not in reads and len(reads) == len(sources) - 1
    calls: list[str] = []
    real = snapshot_module.loads
    monkeypatch.setattr(snapshot_module, "loads", lambda t, *a, **k: calls.append(t) or real(t, *a, **k))
    snapshot_module._network_positions(sources, reads)
    assert calls == [groups.read_text()]
