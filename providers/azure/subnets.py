"""Dedicated subnets that some Azure services require, carved once from the platform VNet.

Azure Firewall, VPN gateways, Application Gateway and VNet-injected Databricks each need a subnet of
their own (a fixed name, a delegation, or a size the service dictates). They are created here, inside
the VNet built by virtual_network (resource group and name parsed from placement.network_id), from the
block reserved below; no other code allocates addresses in it.

Reserved block: 10.20.32.0/19, inside PLATFORM_CIDR (10.20.0.0/16). The services subnet is
10.20.0.0/20; 10.20.16.0/20 is left free between the two so that the services subnet can grow.

| purpose              | subnet name          | CIDR            | why this size / name                               |
|----------------------|----------------------|-----------------|----------------------------------------------------|
| databricks-host      | snet-databricks-host | 10.20.32.0/22   | one address per cluster node (~1,000 nodes)         |
| databricks-container | snet-databricks-cont | 10.20.36.0/22   | the same, for the container side of each node      |
| firewall             | AzureFirewallSubnet  | 10.20.40.0/26   | name and /26 minimum imposed by Azure Firewall      |
| vpn-gateway          | GatewaySubnet        | 10.20.40.64/27  | name imposed by VPN Gateway; /27 as Azure advises   |
| application-gateway  | snet-appgw           | 10.20.41.0/24   | WAF_v2 autoscaling up to 125 instances needs a /24 |
| bastion              | AzureBastionSubnet   | 10.20.42.0/26   | name and /26 minimum imposed by Azure Bastion      |
| domain-services      | snet-aadds           | 10.20.42.64/27  | Entra Domain Services alone in its subnet; 2 DCs   |
| (free)               |                      | 10.20.42.96 - 10.20.63.255 | room for the next dedicated subnet       |

A dedicated subnet exists once per VNet, so the services that need one are platform-wide: building
them for a research-project enclave is refused (enclaves live in their own /24 of ENCLAVES_CIDR).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.base import ServiceComponent
from providers.lookups import once
from providers.azure.arm import id_part

RESERVED_BLOCK = "10.20.32.0/19"


@dataclass(frozen=True)
class Reservation:
    """One dedicated subnet: the name Azure sees and its address range."""

    name: str
    cidr: str


RESERVED: dict[str, Reservation] = {
    "databricks-host": Reservation("snet-databricks-host", "10.20.32.0/22"),
    "databricks-container": Reservation("snet-databricks-cont", "10.20.36.0/22"),
    "firewall": Reservation("AzureFirewallSubnet", "10.20.40.0/26"),
    "vpn-gateway": Reservation("GatewaySubnet", "10.20.40.64/27"),
    "application-gateway": Reservation("snet-appgw", "10.20.41.0/24"),
    "bastion": Reservation("AzureBastionSubnet", "10.20.42.0/26"),
    "domain-services": Reservation("snet-aadds", "10.20.42.64/27"),
}

#: Azure manages the routing of these two itself and rejects settings meant for ordinary subnets.
_AZURE_MANAGED = {"AzureFirewallSubnet", "GatewaySubnet"}


def host(purpose: str, index: int) -> str:
    """The index-th address of a reserved subnet (Azure keeps .0 to .3 and the last one)."""
    network_ = ipaddress.IPv4Network(RESERVED[purpose].cidr)
    if not 4 <= index < network_.num_addresses - 1:
        raise ValueError(f"address {index} of {purpose} ({network_}) is reserved by Azure or out of range")
    return str(network_.network_address + index)


#: The Application Gateway's static private frontend, known in advance so private_dns can name it.
WAF_GATEWAY_PRIVATE_IP = host("application-gateway", 10)


def _check_table() -> None:
    block = ipaddress.IPv4Network(RESERVED_BLOCK)
    platform = ipaddress.IPv4Network(PLATFORM_CIDR)
    services = ipaddress.IPv4Network(SERVICES_CIDR)
    if not block.subnet_of(platform) or block.overlaps(services):
        raise ValueError(f"{RESERVED_BLOCK} must lie in {PLATFORM_CIDR} outside {SERVICES_CIDR}")
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for purpose, reservation in RESERVED.items():
        cidr = ipaddress.IPv4Network(reservation.cidr)
        if not cidr.subnet_of(block):
            raise ValueError(f"{purpose}: {cidr} is outside the reserved block {RESERVED_BLOCK}")
        for other, taken in seen:
            if cidr.overlaps(taken):
                raise ValueError(f"{purpose}: {cidr} overlaps {other} ({taken})")
        seen.append((purpose, cidr))


_check_table()


def _subnets_so_far() -> list[network.Subnet]:
    """The subnets this program run has created, in order: Azure refuses concurrent writes to the subnets of
    one VNet (AnotherOperationInProgress, pulumi-azure-native #699 and #1024), so each waits for the last.
    One VNet per program; each run starts its own list."""
    return once(("azure", "subnets-in-turn"), list)


def in_turn(depends_on: Sequence[pulumi.Resource] = ()) -> list[pulumi.Resource]:
    """What a new subnet of the platform VNet must wait for: `depends_on` and the previous subnet."""
    return [*depends_on, *_subnets_so_far()[-1:]]


def created(subnet: network.Subnet) -> network.Subnet:
    """Record `subnet` as the one the next subnet of this run waits for."""
    _subnets_so_far().append(subnet)
    return subnet


def dedicated_subnet(owner: ServiceComponent, purpose: str, *, delegation: str | None = None,
                     network_security_group_id: pulumi.Input[str] | None = None) -> network.Subnet:
    """The reserved subnet for `purpose`, created in the platform VNet and parented to `owner`.

    `delegation` hands the subnet to a service (e.g. Microsoft.Databricks/workspaces). Every subnet waits
    for the one created before it (in_turn), because Azure refuses concurrent changes to the subnets of one
    VNet.
    """
    if owner.enclave is not None:
        raise ValueError(f"{owner.spec.id} needs the dedicated subnet '{purpose}', which exists once per VNet: "
                         "it is a platform-wide service and cannot be built inside an enclave")
    if purpose not in RESERVED:
        raise KeyError(f"no subnet reserved for '{purpose}'; reserved: {', '.join(sorted(RESERVED))}")
    reservation = RESERVED[purpose]
    managed_by_azure = reservation.name in _AZURE_MANAGED
    return created(network.Subnet(
        owner.role(f"subnet-{purpose}"),
        resource_group_name=id_part(owner.placement.network_id, "resourceGroups"),
        virtual_network_name=id_part(owner.placement.network_id, "virtualNetworks"),
        subnet_name=reservation.name,
        address_prefix=reservation.cidr,
        delegations=[network.DelegationArgs(name=purpose, service_name=delegation)] if delegation else None,
        network_security_group=(network.NetworkSecurityGroupArgs(id=network_security_group_id)
                                if network_security_group_id is not None else None),
        # No implicit internet egress: whatever leaves goes through the platform's explicit egress path.
        default_outbound_access=None if managed_by_azure else False,
        private_endpoint_network_policies=(
            None if managed_by_azure else network.VirtualNetworkPrivateEndpointNetworkPolicies.ENABLED),
        opts=owner.child(depends_on=in_turn())))
