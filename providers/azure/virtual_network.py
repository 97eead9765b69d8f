"""The platform's private network on Azure: one VNet holding the platform range and the enclaves'
range, the platform services subnet with its deny-by-default NSG, and a route table with no way out
until the perimeter firewall adds its own, more specific, routes."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import network

from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR, SERVICES_CIDR
from providers.azure.iaas import DENY_PRIORITY
from providers.azure.subnets import created, in_turn
from providers.base import ServiceComponent

#: The services subnet's route table, named so that perimeter_firewall can add its routes to it. Every route
#: is a resource of its own: a table that also listed routes inline would delete the others on each update.
ROUTE_TABLE = "rt-platform-services"


class VirtualNetwork(ServiceComponent):
    """virtual_network with Azure Virtual Network: the VNet (platform and enclave ranges), the
    services subnet every platform service and private endpoint lives in, and its NSG and routes.

    Enclave subnets are cut from ENCLAVES_CIDR by AzureIaas.segment(), one per research project.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("network_id", "subnet_id")

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group, region = self.placement.scope, self.placement.region
        vnet = network.VirtualNetwork(
            self.role("vnet"), resource_group_name=group, location=region,
            address_space=network.AddressSpaceArgs(address_prefixes=[PLATFORM_CIDR, ENCLAVES_CIDR]),
            # Encrypts VM-to-VM traffic on the sizes that support it, without refusing the others.
            encryption=network.VirtualNetworkEncryptionArgs(
                enabled=True, enforcement=network.VirtualNetworkEncryptionEnforcement.ALLOW_UNENCRYPTED),
            tags=self.tags, opts=self.child())
        routes = network.RouteTable(
            self.role("routes"), resource_group_name=group, location=region, route_table_name=ROUTE_TABLE,
            disable_bgp_route_propagation=False, tags=self.tags, opts=self.child())
        # 0.0.0.0/0 to nothing: no path to the internet even if an address or NAT appears by mistake. The
        # perimeter firewall's two /1 routes are more specific and win while it exists; without it, this stays.
        network.Route(
            self.role("no-internet"), resource_group_name=group, route_table_name=routes.name,
            route_name="no-internet", address_prefix="0.0.0.0/0", next_hop_type=network.RouteNextHopType.NONE,
            opts=self.child())
        allow, deny = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY
        inbound, outbound = network.SecurityRuleDirection.INBOUND, network.SecurityRuleDirection.OUTBOUND
        anything = network.SecurityRuleProtocol.ASTERISK

        def rule(name: str, priority: int, direction: network.SecurityRuleDirection,
                 access: network.SecurityRuleAccess, source: str, destination: str,
                 description: str) -> network.SecurityRuleArgs:
            return network.SecurityRuleArgs(
                name=name, priority=priority, direction=direction, access=access, protocol=anything,
                source_address_prefix=source, source_port_range="*", destination_address_prefix=destination,
                destination_port_range="*", description=description)

        # The subnet-level line; each service's NIC-level NSG then opens only its own ports.
        services_nsg = network.NetworkSecurityGroup(
            self.role("services-nsg"), resource_group_name=group, location=region, security_rules=[
                rule("allow-platform", 100, inbound, allow, PLATFORM_CIDR, "*", "platform services between themselves"),
                rule("allow-enclaves", 110, inbound, allow, ENCLAVES_CIDR, "*",
                     "enclaves reach platform services (mirror, registry, logs)"),
                rule("allow-lb-probes", 4000, inbound, allow, "AzureLoadBalancer", "*", "load balancer probes"),
                rule("deny-all-inbound", DENY_PRIORITY, inbound, deny, "*", "*", "deny by default"),
                rule("deny-out-internet", DENY_PRIORITY, outbound, deny, "*", "Internet", "no direct internet egress"),
            ], tags=self.tags, opts=self.child())
        services = created(network.Subnet(
            self.role("services"), resource_group_name=self.placement.scope, virtual_network_name=vnet.name,
            subnet_name="services", address_prefix=SERVICES_CIDR,
            network_security_group=network.NetworkSecurityGroupArgs(id=services_nsg.id),
            route_table=network.RouteTableArgs(id=routes.id),
            default_outbound_access=False,
            # NSG rules and routes apply to private endpoint traffic as well.
            private_endpoint_network_policies=network.VirtualNetworkPrivateEndpointNetworkPolicies.ENABLED,
            opts=self.child(depends_on=in_turn())))
        self.provide(network_id=vnet.id, subnet_id=services.id)
        return vnet.id, None
