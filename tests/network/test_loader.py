"""``parc.loaders.ec2``: describe-* output in its usual forms, and clear errors for what cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from net_topology import base

from parc.core.network import Network
from parc.loaders.ec2 import Ec2LoadError, key_for_file, load

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vpc"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("describe-security-groups.json", "SecurityGroups"),
        ("SecurityGroups.json", "SecurityGroups"),
        ("describe-instances.json", "Reservations"),
        ("describe-network-acls.json", "NetworkAcls"),
        ("describe-vpc-peering-connections.json", "VpcPeeringConnections"),
        ("describe-egress-only-internet-gateways.json", "EgressOnlyInternetGateways"),
        ("notes.json", None),
    ],
)
def test_file_names_say_what_a_bare_list_holds(name: str, key: str | None) -> None:
    assert key_for_file(Path(name)) == key


def _write(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data))
    return folder


def _verdict(path: Path) -> bool:
    return Network(load(path).snapshot).check("198.51.100.7", "i-web", "tcp", 443).reachable


def test_folder_per_command_key_named_bare_lists_and_one_merged_file_agree(tmp_path: Path) -> None:
    data = base()
    per_command = _write(tmp_path / "a", {
        f"describe-{''.join('-' + c.lower() if c.isupper() else c for c in k).lstrip('-')}.json": {k: v}
        for k, v in data.items()
    })
    bare = _write(tmp_path / "b", {f"{k}.json": v for k, v in data.items()})
    merged = _write(tmp_path / "c", {"all.json": data})
    assert _verdict(per_command) and _verdict(bare) and _verdict(merged / "all.json")


def test_boto3_shape_and_unknown_keys_are_accepted(tmp_path: Path) -> None:
    data = base()
    data["ResponseMetadata"] = {"RequestId": "x", "HTTPStatusCode": 200}
    data["NetworkInterfaces"][0]["Attachment"]["AttachTime"] = "2024-03-11 09:20:01+00:00"  # str(datetime)
    data["SomethingNew"] = [{"Whatever": 1}]
    assert _verdict(_write(tmp_path, {"snapshot.json": data}) / "snapshot.json")


def test_a_missing_file_means_none_of_those(tmp_path: Path) -> None:
    data = base()
    del data["NetworkAcls"]
    result = load(_write(tmp_path, {"snap.json": data}) / "snap.json")
    assert "NET_NO_NETWORK_ACLS" in {f.code for f in result.findings}
    net = Network(result.snapshot)
    verdict = net.check("i-app", "i-web", "tcp", 22)
    # Never a wrong "allow" for lack of data, and never a "blocked" either: the ACLs are unknown.
    assert verdict.reachable is None and verdict.blocked_by is None
    assert {u.kind for u in verdict.unknown} == {"network-acl"}
    assert all("describe-network-acls" in u.missing for u in verdict.unknown)
    assert net.check("i-web2", "i-web", "tcp", 22).reachable is True  # same subnet: no ACL involved


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "describe-vpcs.json").write_text('{\n  "Vpcs": [\n    {"VpcId": "vpc-1",}\n  ]\n}\n')
    with pytest.raises(Ec2LoadError, match=r"describe-vpcs.json:3:\d+: invalid JSON"):
        load(tmp_path)


def test_missing_path_and_empty_folder_are_errors(tmp_path: Path) -> None:
    with pytest.raises(Ec2LoadError, match="no such file"):
        load(tmp_path / "nope")
    with pytest.raises(Ec2LoadError, match=r"no \.json files"):
        load(tmp_path)


def test_bad_values_become_findings_with_a_line(tmp_path: Path) -> None:
    data = base()
    data["SecurityGroups"][0]["IpPermissions"][0]["IpRanges"][0]["CidrIp"] = "10.0.0.300/8"
    (tmp_path / "snap.json").write_text(json.dumps(data, indent=2))
    result = load(tmp_path / "snap.json")
    bad = [f for f in result.findings if f.code == "NET_BAD_INPUT"]
    assert len(bad) == 1 and bad[0].line is not None and bad[0].line > 1
    assert "10.0.0.300/8" in bad[0].message and bad[0].file and bad[0].file.endswith("snap.json")


def test_dangling_references_are_reported_not_fatal() -> None:
    result = load(EXAMPLE)
    codes = {f.code: f for f in result.findings}
    assert codes["NET_SG_RULE_UNKNOWN_GROUP"].details["group"] == "sg-0777deadbeef00999"
    data = base()
    data["NetworkInterfaces"][0]["Groups"].append({"GroupId": "sg-deleted"})
    data["VpcPeeringConnections"][0]["RequesterVpcInfo"]["VpcId"] = "vpc-elsewhere"
    from parc.loaders.ec2 import from_data

    found = {f.code for f in from_data(data).findings}
    assert {"NET_UNKNOWN_SECURITY_GROUP", "NET_PEERED_VPC_NOT_IN_SNAPSHOT"} <= found


def test_instances_link_to_their_interfaces_from_describe_instances_alone(tmp_path: Path) -> None:
    data = base()
    enis = data.pop("NetworkInterfaces")
    data["Reservations"] = [{"Instances": [{"InstanceId": e["Attachment"]["InstanceId"], "State": {"Name": "running"},
                                            "NetworkInterfaces": [e], "Tags": [{"Key": "Name", "Value": "n"}]}]}
                            for e in enis]
    assert _verdict(_write(tmp_path, {"describe-instances.json": data.pop("Reservations"),
                                      "rest.json": data}))


def test_a_security_group_without_egress_key_gets_the_default_egress() -> None:
    from parc.loaders.ec2 import from_data

    data = base()
    data["SecurityGroups"][1].pop("IpPermissionsEgress")
    sg = next(g for g in from_data(data).snapshot.security_groups if g.id == "sg-app")
    assert {str(r.peer) for r in sg.egress} == {"0.0.0.0/0", "::/0"}  # ::/0 because vpc-1 has IPv6


@pytest.mark.parametrize("state", [{"Name": "0"}, "0", {"Name": "Running"}])
def test_an_instance_state_ec2_never_reports_is_said_and_taken_as_running(state: object) -> None:
    # Found by tests/fuzz/test_fuzz_ec2_snapshot.py: a State of "0" was read as a state named "0" in silence.
    # The names EC2 reports: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
    from parc.loaders.ec2 import from_data

    data = base()
    enis = data.pop("NetworkInterfaces")
    data["Reservations"] = [{"Instances": [{"InstanceId": enis[0]["Attachment"]["InstanceId"], "State": state,
                                            "NetworkInterfaces": [enis[0]]}]}]
    result = from_data(data)
    bad = [f for f in result.findings if f.code == "NET_BAD_INPUT" and "instance state" in f.message]
    assert len(bad) == 1 and "taken as running" in bad[0].message
    assert {i.state for i in result.snapshot.instances} == {"running"}


@pytest.mark.parametrize("name", ["running", "stopped", "pending"])  # terminated instances are gone, not read
def test_the_instance_states_ec2_reports_are_read_as_they_are(name: str) -> None:
    from parc.loaders.ec2 import from_data

    data = base()
    enis = data.pop("NetworkInterfaces")
    data["Reservations"] = [{"Instances": [{"InstanceId": enis[0]["Attachment"]["InstanceId"], "State": {"Name": name},
                                            "NetworkInterfaces": [enis[0]]}]}]
    result = from_data(data)
    assert not [f for f in result.findings if "instance state" in f.message]
    assert {i.state for i in result.snapshot.instances} == {name}
