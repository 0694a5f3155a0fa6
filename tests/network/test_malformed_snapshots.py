"""Issue 19, the EC2 loader and ``parc net`` on malformed describe-* output: a field of the wrong type is a located
finding (file, JSON path, line), that item or field is left out, the rest loads; nothing raises but
``Ec2LoadError`` for a file that cannot be read at all; and no answer is headlined as clean over unread input.

Every case here was a traceback before (the fuzz tests in tests/fuzz/test_fuzz_ec2_snapshot.py found the rest).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from parc.cli.main import cli
from parc.core.audit.unread import is_unreadable
from parc.core.network import Network
from parc.core.network.exposure import exposed
from parc.loaders.ec2 import Ec2LoadError, LoadResult, from_data, load

VPC = Path(__file__).resolve().parents[2] / "examples" / "vpc"
FILES = {p.name: json.loads(p.read_text()) for p in sorted(VPC.glob("*.json"))}
WEB, WEB_ENI, WEB_SG = "i-0a3c5e7b9d1f20091", "eni-0a5c7e9b1d3f60081", "sg-0a11b22c33d44e501"


def snapshot_with(tmp: Path, file: str, edit: Any) -> Path:
    """examples/vpc copied to ``tmp`` with ``edit(document)`` applied to one file."""
    for name, doc in FILES.items():
        doc = copy.deepcopy(doc)
        if name == file:
            edit(doc)
        (tmp / name).write_text(json.dumps(doc, indent=2))
    return tmp


def unread(result: LoadResult) -> list[str]:
    return [f"{f.path}@{f.line}" for f in result.findings if is_unreadable(f)]


def first_rule(doc: dict[str, Any], key: str, value: Any) -> None:
    doc["SecurityGroups"][0]["IpPermissions"][0][key] = value


def test_ip_ranges_5_in_one_rule_is_a_located_finding_and_the_rest_loads(tmp_path: Path) -> None:
    result = load(snapshot_with(tmp_path, "describe-security-groups.json", lambda d: first_rule(d, "IpRanges", 5)))
    bad = [f for f in result.findings if is_unreadable(f)]
    assert [f.path for f in bad] == ["SecurityGroups[0].IpPermissions[0].IpRanges"]
    assert bad[0].line and bad[0].file and bad[0].file.endswith("describe-security-groups.json")
    assert "should be a list, found a number" in bad[0].message
    web = next(g for g in result.snapshot.security_groups if g.id == WEB_SG)
    assert len(web.ingress) >= 2 and len(result.snapshot.security_groups) == 6  # the other rules and groups load


def test_an_integer_where_a_list_of_group_ids_belongs_is_reported(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["NetworkInterfaces"][0]["Groups"] = 7
    result = load(snapshot_with(tmp_path, "describe-network-interfaces.json", edit))
    assert unread(result)[0].startswith("NetworkInterfaces[0].Groups@")
    assert len(result.snapshot.enis) == len(FILES["describe-network-interfaces.json"]["NetworkInterfaces"])


def test_a_dict_as_an_instance_id_skips_that_instance_only(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["Reservations"][0]["Instances"][0]["InstanceId"] = {"id": WEB}
    result = load(snapshot_with(tmp_path, "describe-instances.json", edit))
    assert unread(result)[0].startswith("Reservations[0].Instances[0]@")
    assert "an object as InstanceId: skipped" in next(f.message for f in result.findings if is_unreadable(f))
    assert len(result.snapshot.instances) >= 2


@pytest.mark.parametrize(("key", "value", "why"), [
    ("FromPort", "twenty-two", "should be a whole number"),
    ("ToPort", 70000, "outside -1..65535"),
    ("IpProtocol", ["tcp"], "should be a protocol name or number"),
    ("UserIdGroupPairs", {"GroupId": "sg-1"}, "should be a list"),
])
def test_a_rule_with_an_unreadable_value_is_left_out_and_said(tmp_path: Path, key: str, value: Any,
                                                              why: str) -> None:
    result = load(snapshot_with(tmp_path, "describe-security-groups.json", lambda d: first_rule(d, key, value)))
    messages = [f.message for f in result.findings if is_unreadable(f)]
    assert len(messages) == 1 and why in messages[0]


@pytest.mark.parametrize("value", [5, "x", {"From": 1}, None])
def test_acl_port_range_of_the_wrong_shape_never_raises(value: Any) -> None:
    data = copy.deepcopy({k: v for doc in FILES.values() for k, v in doc.items()})
    data["NetworkAcls"][0]["Entries"][0]["PortRange"] = value
    data["NetworkAcls"][0]["Entries"][0]["Protocol"] = "6"
    result = from_data(data)
    Network(result.snapshot).exposed()
    if value in (5, "x"):
        assert unread(result)


def test_icmp_type_beyond_255_is_not_read_as_another_protocol() -> None:
    """FromPort/ToPort hold the ICMP type and code (EC2 API IpPermission); a type above 255 is no ICMP type, and
    reading it would spill into the next protocol's ports."""
    data = {"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "icmp", "FromPort": 300, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    result = from_data(data)
    assert result.snapshot.security_groups[0].ingress == () and unread(result)


def test_a_top_level_key_that_is_no_list_is_reported_by_from_data() -> None:
    result = from_data({"SecurityGroups": {"GroupId": "sg-1"}})
    assert [f.path for f in result.findings if is_unreadable(f)] == ["SecurityGroups"]


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"Vpcs": [' + "9" * 5000 + "]}"],
                         ids=["nested-100000-deep", "integer-of-5000-digits"])
def test_json_python_cannot_decode_is_an_ec2_load_error_with_the_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "describe-vpcs.json").write_text(text)
    with pytest.raises(Ec2LoadError) as exc:
        load(tmp_path)
    assert exc.value.file and exc.value.file.endswith("describe-vpcs.json")


def test_net_exposed_never_headlines_nothing_reachable_over_unread_input(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        for g in d["SecurityGroups"]:
            for perm in g["IpPermissions"]:
                perm["IpRanges"] = 5
                perm["Ipv6Ranges"] = 5
    snap = snapshot_with(tmp_path, "describe-security-groups.json", edit)
    r = CliRunner().invoke(cli, ["net", "exposed", str(snap)])
    assert r.exit_code == 0
    assert "Nothing is reachable from the internet among what could be read; 16 item(s) of the snapshot could " \
           "not be read." in r.stdout
    assert "Nothing is reachable from the internet." not in r.stdout
    assert r.stderr.count("parc net: could not read") == 16 and "describe-security-groups.json:" in r.stderr


def test_net_check_expect_cannot_pass_over_unread_input(tmp_path: Path) -> None:
    snap = snapshot_with(tmp_path, "describe-security-groups.json", lambda d: first_rule(d, "IpRanges", 5))
    r = CliRunner().invoke(cli, ["net", "check", str(snap), "--from", "203.0.113.9", "--to", WEB, "--port", "5432",
                                 "--expect", "blocked"])
    assert r.exit_code == 2 and "could not be read" in r.stderr
    r = CliRunner().invoke(cli, ["net", "check", str(snap), "--from", "203.0.113.9", "--to", WEB, "--port", "22",
                                 "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["input_problems"][0]["path"].endswith("IpRanges")


def test_net_on_a_file_nested_too_deep_exits_2_with_the_file(tmp_path: Path) -> None:
    snap = snapshot_with(tmp_path, "describe-vpcs.json", lambda d: None)
    (snap / "describe-vpcs.json").write_text("[" * 100_000 + "]" * 100_000)
    r = CliRunner().invoke(cli, ["net", "exposed", str(snap)])
    assert r.exit_code == 2 and "describe-vpcs.json" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)  # no traceback


def test_exposure_over_a_partly_read_snapshot_is_still_found(tmp_path: Path) -> None:
    """One unreadable rule elsewhere does not hide the web server's open SSH."""
    def edit(d: dict[str, Any]) -> None:
        d["SecurityGroups"][2]["IpPermissions"][0]["IpRanges"] = "x"
    result = load(snapshot_with(tmp_path, "describe-security-groups.json", edit))
    assert any(e.eni.id == WEB_ENI for e in exposed(Network(result.snapshot)))


def test_a_key_given_twice_is_a_located_finding_and_the_last_value_is_read(tmp_path: Path) -> None:
    """AWS never writes a key twice, and which value counts is not defined: json (the loader's reader) keeps the
    last, so a security group listed with "GroupName" twice, or the whole "SecurityGroups" list given twice (an
    empty one first), loads as json reads it, and each repetition is an unread-input finding at its own line."""
    folder = snapshot_with(tmp_path, "describe-security-groups.json", lambda d: None)
    f = folder / "describe-security-groups.json"
    text = f.read_text()
    text = '{\n  "SecurityGroups": [],' + text[1:]
    text = text.replace('"GroupName": ', '"GroupName": "first",\n      "GroupName": ', 1)
    f.write_text(text)
    result = load(folder)
    twice = [x for x in result.findings if "given twice" in x.message]
    assert [(x.code, x.path) for x in twice] == [("NET_BAD_INPUT", "SecurityGroups"),
                                                  ("NET_BAD_INPUT", "SecurityGroups[0].GroupName")]
    lines = text.splitlines()
    assert all(is_unreadable(x) and x.file == str(f) and x.line for x in twice)
    assert lines[twice[0].line - 1].lstrip().startswith('"SecurityGroups": [')  # the second one, with the groups
    assert lines[twice[1].line - 1].lstrip().startswith('"GroupName": "')
    assert len(result.snapshot.security_groups) == 6 and result.snapshot.security_groups[0].name != "first"
