"""The operators' way into every research machine, read from the plan (consistency/admin-path).

Researchers and operators reach a research machine (cpu_vm, gpu_vm, in the platform or an enclave) by SSH and
RDP from the bastion, and from nowhere else. A review of 2026-12-02 found research machines admitting them from a
range the bastion is not in (Azure Bastion sits in its own AzureBastionSubnet): the plan deployed, and nobody could
log in. So, in a plan: find where the bastion's sessions start (Azure: the AzureBastionSubnet the plan creates;
OpenStack: the subnets of the bastion machines' ports; Scaleway: the Private Networks of the bastion's servers),
then walk every firewall a research machine's traffic crosses (Azure: its NIC's security group and its subnet's;
OpenStack: its port's security groups; Scaleway: its server's security group) and ask whether SSH and RDP from each
bastion range are let through, the way that firewall decides (Azure: by priority, first match, then its default
rules; OpenStack: allow rules only; Scaleway: rules in order, then the default policy).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hdhport.names import RESEARCH_MACHINES
from hdhport.planner import PlannedResource, mock_id, resource_tags

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
BASTION_SERVICE = "bastion"
AZURE_BASTION_SUBNET = "AzureBastionSubnet"

AZURE_SUBNET = "azure-native:network:Subnet"
AZURE_NIC = "azure-native:network:NetworkInterface"
AZURE_NSG = "azure-native:network:NetworkSecurityGroup"
AZURE_RULE = "azure-native:network:SecurityRule"
OPENSTACK_PORT = "openstack:networking/port:Port"
OPENSTACK_SUBNET = "openstack:networking/subnet:Subnet"
OPENSTACK_RULE = "openstack:networking/secGroupRule:SecGroupRule"
SCALEWAY_SERVER = "scaleway:instance/server:Server"
SCALEWAY_NETWORK = "scaleway:network/privateNetwork:PrivateNetwork"
SCALEWAY_GROUP = "scaleway:instance/securityGroup:SecurityGroup"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Azure's service tags that stand for every private address of the virtual network, as a source.
_AZURE_ANY = {"*", "Any", "any"}
_AZURE_VNET = {"VirtualNetwork"}


@dataclass(frozen=True)
class Verdict:
    """One research machine: what its administrative path lacks (empty when SSH and RDP get through)."""

    machine: PlannedResource
    problems: tuple[str, ...]


def _service(resource: PlannedResource) -> str | None:
    return resource_tags(resource.inputs).get("hdh-service")


def _network(text: object) -> Network | None:
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def _ports(value: object) -> tuple[int, int] | None:
    """`22`, `"22"`, `"20-25"`; `*` and absence are every port."""
    if value is None or value in ("*", ""):
        return (0, 65535)
    text = str(value)
    low, _, high = text.partition("-")
    if not low.strip().isdigit() or (high and not high.strip().isdigit()):
        return None
    return int(low), int(high or low)


def _covers(ports: tuple[int, int] | None, port: int) -> bool:
    return ports is not None and ports[0] <= port <= ports[1]


# ------------------------------------------------------------------ Azure: NSGs, by priority, then default rules


def _azure_sources(rule: Mapping[str, Any]) -> list[str]:
    one = rule.get("sourceAddressPrefix")
    many = rule.get("sourceAddressPrefixes") or []
    return [str(p) for p in ([one] if one else []) + list(many)]


def _azure_matches(rule: Mapping[str, Any], port: int, source: Network) -> bool:
    if str(rule.get("direction", "")).lower() != "inbound":
        return False
    if str(rule.get("protocol", "*")).lower() not in ("tcp", "*"):
        return False
    single = rule.get("destinationPortRange")
    given = ([single] if single is not None else []) + list(rule.get("destinationPortRanges") or [])
    if not any(_covers(_ports(r), port) for r in (given or ["*"])):
        return False
    for prefix in _azure_sources(rule):
        if prefix in _AZURE_ANY or (prefix in _AZURE_VNET and source.is_private):
            return True
        network = _network(prefix)
        if network is not None and source.version == network.version and source.subnet_of(network):  # type: ignore[arg-type]
            return True
    return False  # application security groups and other tags: not evaluable offline, never assumed


def _azure_allows(rules: list[Mapping[str, Any]], port: int, source: Network) -> bool:
    for rule in sorted(rules, key=lambda r: int(r.get("priority") or 0)):
        if _azure_matches(rule, port, source):
            return str(rule.get("access", "")).lower() == "allow"
    return source.is_private  # AllowVnetInBound (65000): the virtual network's own addresses get in


def _azure(resources: list[PlannedResource], by_id: Mapping[str, PlannedResource]) -> list[Verdict]:
    bastion = [_network(r.inputs.get("addressPrefix")) for r in resources
               if r.type == AZURE_SUBNET and r.inputs.get("subnetName") == AZURE_BASTION_SUBNET]
    sources = [n for n in bastion if n is not None]
    rules_of: dict[str, list[Mapping[str, Any]]] = {}
    named: dict[str, str] = {}  # a group's Azure name -> its id, for the rules declared as their own resources
    for r in resources:
        if r.type == AZURE_NSG:
            rules_of.setdefault(mock_id(r.name), []).extend(r.inputs.get("securityRules") or [])
            named[str(r.inputs.get("networkSecurityGroupName") or r.name)] = mock_id(r.name)
    for r in resources:
        if r.type == AZURE_RULE:
            group = named.get(str(r.inputs.get("networkSecurityGroupName")), "")
            rules_of.setdefault(group, []).append(r.inputs)
    verdicts = []
    for nic in (r for r in resources if r.type == AZURE_NIC and _service(r) in RESEARCH_MACHINES):
        groups = []
        own = (nic.inputs.get("networkSecurityGroup") or {}).get("id")
        if own:
            groups.append(("its network interface's", str(own)))
        for config in nic.inputs.get("ipConfigurations") or []:
            subnet = by_id.get(str((config.get("subnet") or {}).get("id")))
            subnet_group = (subnet.inputs.get("networkSecurityGroup") or {}).get("id") if subnet else None
            if subnet is not None and subnet_group:
                groups.append((f"its subnet {subnet.inputs.get('subnetName')}'s", str(subnet_group)))
        verdicts.append(Verdict(nic, tuple(_problems(
            sources, "no AzureBastionSubnet in the plan",
            [(where, lambda port, source, g=group_id: _azure_allows(rules_of.get(g, []), port, source))
             for where, group_id in groups]))))
    return verdicts


# ------------------------------------------------------------------ OpenStack: allow rules of the port's groups


def _openstack_allows(rules: list[PlannedResource], port: int, source: Network) -> bool:
    for rule in rules:
        inputs = rule.inputs
        if inputs.get("direction") != "ingress" or str(inputs.get("protocol") or "tcp").lower() not in ("tcp", "any"):
            continue
        low, high = inputs.get("portRangeMin"), inputs.get("portRangeMax")
        if low is not None and not int(low) <= port <= int(high if high is not None else low):
            continue
        prefix = inputs.get("remoteIpPrefix")
        network = _network(prefix) if prefix else _network("0.0.0.0/0")
        if network is not None and source.version == network.version and source.subnet_of(network):  # type: ignore[arg-type]
            return True
    return False


def _openstack(resources: list[PlannedResource], by_id: Mapping[str, PlannedResource]) -> list[Verdict]:
    sources = []
    for port in (r for r in resources if r.type == OPENSTACK_PORT and _service(r) == BASTION_SERVICE):
        for fixed in port.inputs.get("fixedIps") or []:
            subnet = by_id.get(str(fixed.get("subnetId")))
            network = _network(subnet.inputs.get("cidr")) if subnet else None
            if network is not None and network not in sources:
                sources.append(network)
    rules_of: dict[str, list[PlannedResource]] = {}
    for rule in (r for r in resources if r.type == OPENSTACK_RULE):
        rules_of.setdefault(str(rule.inputs.get("securityGroupId")), []).append(rule)
    verdicts = []
    for port in (r for r in resources if r.type == OPENSTACK_PORT and _service(r) in RESEARCH_MACHINES):
        groups = [str(g) for g in port.inputs.get("securityGroupIds") or []]
        # Security groups add up: a flow gets in when one of the port's groups admits it.
        checks = [("its port's security groups",
                   lambda p, s, gs=groups: any(_openstack_allows(rules_of.get(g, []), p, s) for g in gs))]
        verdicts.append(Verdict(port, tuple(_problems(sources, "no bastion machine port in the plan", checks))))
    return verdicts


# ------------------------------------------------------------------ Scaleway: rules in order, then the default


def _scaleway_allows(group: Mapping[str, Any], port: int, source: Network) -> bool:
    for rule in group.get("inboundRules") or []:
        if str(rule.get("protocol", "ANY")).upper() not in ("TCP", "ANY"):
            continue
        low = rule.get("port") if rule.get("port") is not None else rule.get("portRange")
        if low is not None and not _covers(_ports(low), port):
            continue
        network = _network(rule.get("ipRange") or "0.0.0.0/0")
        if network is not None and source.version == network.version and source.subnet_of(network):  # type: ignore[arg-type]
            return str(rule.get("action", "accept")).lower() == "accept"
    return str(group.get("inboundDefaultPolicy", "accept")).lower() == "accept"


def _scaleway(resources: list[PlannedResource], by_id: Mapping[str, PlannedResource]) -> list[Verdict]:
    sources = []
    for server in (r for r in resources if r.type == SCALEWAY_SERVER and _service(r) == BASTION_SERVICE):
        for attached in server.inputs.get("privateNetworks") or []:
            network_resource = by_id.get(str(attached.get("pnId")))
            subnet = (network_resource.inputs.get("ipv4Subnet") or {}).get("subnet") if network_resource else None
            network = _network(subnet) if subnet else None
            if network is not None and network not in sources:
                sources.append(network)
    verdicts = []
    for server in (r for r in resources if r.type == SCALEWAY_SERVER and _service(r) in RESEARCH_MACHINES):
        group = by_id.get(str(server.inputs.get("securityGroupId")))
        checks = [("its security group",
                   lambda p, s, g=group: g is not None and _scaleway_allows(g.inputs, p, s))]
        verdicts.append(Verdict(server, tuple(_problems(sources, "no bastion server on a Private Network in the plan",
                                                        checks))))
    return verdicts


def _problems(sources: list[Network], no_source: str, checks: list[tuple[str, Any]]) -> list[str]:
    if not sources:
        return [f"{no_source}: nothing tells where administrative sessions come from"]
    if not checks:
        return ["no firewall is attached, so nothing says the bastion gets in (and everything else may)"]
    return [f"{where} firewall does not let {name} (tcp/{port}) in from the bastion's {source}"
            for port, name in ADMIN_PORTS.items() for source in sources for where, allows in checks
            if not allows(port, source)]


FAMILIES = {"azure": _azure, "openstack": _openstack, "scaleway": _scaleway}


def verdicts(resources: Iterable[PlannedResource], family: str | None) -> list[Verdict]:
    """One verdict per research machine of the plan (its NIC, port or server), on the families hdhport deploys."""
    resources = [r for r in resources if r.custom]
    if family not in FAMILIES:
        return []
    by_id = {mock_id(r.name): r for r in resources}
    return FAMILIES[family](resources, by_id)
