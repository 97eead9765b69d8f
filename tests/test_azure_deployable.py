"""What a first `pulumi up` on a clean Azure subscription needs from the plan (review 2026-12-02, F5-F9):
ways in from the bastion, a way out through the firewall, subnets one at a time, names unique per
deployment, the program's own policy not refusing its own resources."""
from __future__ import annotations

import ipaddress
from functools import cache

import pytest

from hdhport import planner
from hdhport.planner import PlanResult
from providers.azure.subnets import RESERVED

STACK = "azure-francecentral"


def _plan(subscription: str | None = None) -> PlanResult:
    config = planner.stack_config(STACK)
    config["hdh:enclaves"] = 2
    return planner.run(STACK, config)


@cache
def shipped() -> PlanResult:
    return _plan()


def _of_type(result: PlanResult, token: str) -> list[planner.PlannedResource]:
    return [r for r in result.resources if r.type == token]


def test_research_machines_admit_ssh_and_rdp_from_the_bastion_subnet() -> None:
    bastion = ipaddress.ip_network(RESERVED["bastion"].cidr)
    groups = [g for g in _of_type(shipped(), "azure-native:network:NetworkSecurityGroup") if "cpu-vm" in g.name]
    assert groups, "no research machine firewall planned"
    for group in groups:
        for port in ("22", "3389"):
            sources = [ipaddress.ip_network(prefix)
                       for rule in group.inputs["securityRules"]
                       if rule["access"] == "Allow" and rule["direction"] == "Inbound"
                       and rule.get("destinationPortRange") == port
                       for prefix in [rule.get("sourceAddressPrefix"), *(rule.get("sourceAddressPrefixes") or [])]
                       if prefix]
            assert any(bastion.subnet_of(source) for source in sources), (group.name, port, sources)


def test_the_services_subnet_goes_out_through_the_firewall_and_nowhere_else() -> None:
    routes = _of_type(shipped(), "azure-native:network:Route")
    by_prefix = {r.inputs["addressPrefix"]: r.inputs for r in routes}
    assert by_prefix["0.0.0.0/0"]["nextHopType"] == "None"
    firewall = [r for r in _of_type(shipped(), "azure-native:network:AzureFirewall")]
    assert len(firewall) == 1
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        assert by_prefix[half]["nextHopType"] == "VirtualAppliance"
        assert ipaddress.ip_address(by_prefix[half]["nextHopIpAddress"]) in ipaddress.ip_network(
            RESERVED["firewall"].cidr)
    tables = {r.inputs["routeTableName"] for r in routes} - {"<computed>"}  # the table's own route names it by output
    assert tables == {t.inputs["routeTableName"] for t in _of_type(shipped(), "azure-native:network:RouteTable")}
    assert all("routes" not in t.inputs for t in _of_type(shipped(), "azure-native:network:RouteTable"))


def test_every_subnet_of_the_vnet_waits_for_the_one_before() -> None:
    result = shipped()
    subnets = _of_type(result, "azure-native:network:Subnet")
    assert len(subnets) > 5
    urns = {s.urn for s in subnets}
    # One chain: every subnet but the first depends on exactly one earlier subnet, and none is waited on twice.
    waited_on = [dep for s in subnets for dep in s.dependencies if dep in urns]
    assert len(waited_on) == len(subnets) - 1 and len(set(waited_on)) == len(waited_on)


def test_globally_unique_names_differ_between_subscriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    def names(result: PlanResult) -> set[str]:
        return {r.inputs["accountName"] for r in _of_type(result, "azure-native:storage:StorageAccount")}

    first = names(shipped())
    token = "azure-native:authorization:getClientConfig"
    other = {**planner.MOCK_CALLS[token], "subscriptionId": "11111111-2222-3333-4444-555555555555"}  # type: ignore[dict-item]
    monkeypatch.setitem(planner.MOCK_CALLS, token, other)
    second = names(_plan())
    assert first and len(second) == len(first) and not first & second
    roles = {r.inputs["roleName"] for r in _of_type(shipped(), "azure-native:authorization:RoleDefinition")}
    assert all(name.endswith(f"[{STACK}/00000000]") for name in roles)


def test_the_programs_own_azure_policy_refuses_none_of_its_resources() -> None:
    from hdhport.azure_policy import refusals

    refused, unknown = refusals(shipped().resources)
    assert [(r.policy, r.resource.name) for r in refused] == [] and unknown == []
