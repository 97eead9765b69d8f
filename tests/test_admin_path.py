"""hdhport/admin_path.py: the operators' way into every research machine, read from the plan (consistency/admin-path).
Each firewall is evaluated the way its cloud decides; a mutated program that shuts the bastion out fails the gate."""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from hdhport.admin_path import _azure_allows, _openstack_allows, _scaleway_allows, verdicts
from hdhport.planner import PlannedResource
from test_check import _mutate, _run_gate, copy  # noqa: F401 - the fixture is used by name

BASTION = ipaddress.ip_network("10.20.42.0/26")


def _resource(type_: str, name: str, inputs: dict[str, Any]) -> PlannedResource:
    return PlannedResource(urn=f"urn:{name}", type=type_, name=name, parent="", custom=True, protect=False,
                           retain_on_delete=False, dependencies=[], inputs=inputs)


def _azure_rule(priority: int, access: str, port: str, *sources: str) -> dict[str, Any]:
    return {"direction": "Inbound", "protocol": "Tcp", "access": access, "priority": priority,
            "destinationPortRange": port, "sourceAddressPrefixes": list(sources)}


def test_an_azure_group_decides_by_priority_then_by_its_default_rules() -> None:
    deny_all = {"direction": "Inbound", "protocol": "*", "access": "Deny", "priority": 4096,
                "destinationPortRange": "*", "sourceAddressPrefix": "*"}
    assert _azure_allows([_azure_rule(100, "Allow", "22", "10.20.42.0/26"), deny_all], 22, BASTION)
    assert not _azure_allows([_azure_rule(100, "Allow", "22", "10.20.0.0/20"), deny_all], 22, BASTION)
    # a deny of higher priority wins over the allow below it, whatever the list order
    assert not _azure_allows([_azure_rule(200, "Allow", "22", "10.20.0.0/16"),
                              _azure_rule(150, "Deny", "20-25", "10.20.42.0/24")], 22, BASTION)
    # without a rule that matches, AllowVnetInBound lets the network's own addresses in
    assert _azure_allows([_azure_rule(100, "Allow", "80", "10.20.42.0/26")], 22, BASTION)
    # an application security group is not evaluable offline: never taken for the bastion
    asg = {"direction": "Inbound", "protocol": "Tcp", "access": "Allow", "priority": 100,
           "destinationPortRange": "22", "sourceApplicationSecurityGroups": [{"id": "asg"}]}
    assert not _azure_allows([asg, deny_all], 22, BASTION)


def test_openstack_groups_admit_only_what_a_rule_allows() -> None:
    rule = _resource("openstack:networking/secGroupRule:SecGroupRule", "r", {
        "direction": "ingress", "protocol": "tcp", "portRangeMin": 22, "portRangeMax": 22,
        "remoteIpPrefix": "10.20.0.0/20", "securityGroupId": "sg-id"})
    services = ipaddress.ip_network("10.20.0.0/20")
    assert _openstack_allows([rule], 22, services) and not _openstack_allows([rule], 3389, services)
    assert not _openstack_allows([rule], 22, BASTION)  # 10.20.42.0/26 is outside 10.20.0.0/20


def test_a_scaleway_group_takes_its_rules_in_order_then_its_default_policy() -> None:
    services = ipaddress.ip_network("10.20.0.0/20")
    group = {"inboundDefaultPolicy": "drop", "inboundRules": [
        {"protocol": "TCP", "port": 22, "ipRange": "10.20.0.0/16", "action": "drop"},
        {"protocol": "TCP", "port": 22, "ipRange": "10.20.0.0/20", "action": "accept"}]}
    assert not _scaleway_allows(group, 22, services)
    assert not _scaleway_allows(group, 3389, services)
    assert _scaleway_allows({"inboundDefaultPolicy": "accept", "inboundRules": []}, 3389, services)


def test_a_plan_without_a_bastion_says_nothing_tells_where_sessions_come_from() -> None:
    port = _resource("openstack:networking/port:Port", "cpu-vm-vm-0-port", {
        "tags": ["hdh-service=cpu_vm"], "securityGroupIds": ["sg-id"]})
    [verdict] = verdicts([port], "openstack")
    assert verdict.problems == ("no bastion machine port in the plan: nothing tells where administrative sessions "
                                "come from",)
    assert verdicts([port], "other") == []


@pytest.mark.parametrize(("file", "before", "after", "profile", "expected"), [
    # The review's finding F8: Azure Bastion connects from its own subnet, outside the services subnet.
    (("azure", "iaas.py"), 'ADMIN_SOURCES = (SERVICES_CIDR, RESERVED["bastion"].cidr)',
     "ADMIN_SOURCES = (SERVICES_CIDR,)", "azure-francecentral",
     "[consistency/admin-path] azure-francecentral cpu-vm-vm-0-nic: research machine cpu-vm-vm-0-nic: its network "
     "interface's firewall does not let SSH (tcp/22) in from the bastion's 10.20.42.0/26"),
    (("openstack", "iaas.py"), "ADMIN_SOURCES = (SERVICES_CIDR,)", 'ADMIN_SOURCES = ("10.20.16.0/20",)',
     "openstack-reference",
     "[consistency/admin-path] openstack-reference project-001-cpu-vm-vm-0-port: research machine "
     "project-001-cpu-vm-vm-0-port: its port's security groups firewall does not let SSH (tcp/22) in from the "
     "bastion's 10.20.0.0/20"),
    (("scaleway", "iaas.py"), "ADMIN_SOURCES = (SERVICES_CIDR,)", 'ADMIN_SOURCES = ("10.20.16.0/20",)',
     "scaleway-fr-par",
     "[consistency/admin-path] scaleway gpu-vm-gpu-0: research machine gpu-vm-gpu-0: its security group firewall "
     "does not let SSH (tcp/22) in from the bastion's 10.20.0.0/20; its security group firewall does not let RDP "
     "(tcp/3389) in from the bastion's 10.20.0.0/20: the plan deploys, and nobody can log in"),
], ids=["azure-bastion-subnet-left-out", "openstack-wrong-range", "scaleway-wrong-range"])
def test_a_research_machine_the_bastion_cannot_reach_fails_the_admin_path_check(
        copy: Path, file: tuple[str, str], before: str, after: str, profile: str, expected: str) -> None:
    _mutate(copy / "providers" / file[0] / file[1], before, after)
    run = _run_gate(copy, "--profile", profile)
    assert run.returncode == 1, run.stdout + run.stderr
    assert expected in run.stdout, run.stdout[-3000:]
