"""nat_egress on OpenStack: an egress router with SNAT behind the platform router, through a transit subnet."""
from __future__ import annotations

import pulumi
from pulumi_openstack import networking

from hdhport.addresses import SERVICES_CIDR
from providers.openstack.common import (ANYWHERE, EGRESS_ROUTER_TRANSIT_IP, PLATFORM_ROUTER_TRANSIT_IP, TRANSIT_CIDR,
                                        OpenStackService, external_network_id, platform_router_port)


class NatEgress(OpenStackService):
    """Abstract service nat_egress, with a Neutron router doing SNAT on its external gateway.

    Outbound only: a router with a gateway on the operator's external network (the only public
    address is the router's own; no floating IP, so nothing inside is reachable from outside), and
    a transit subnet between it and the platform router. The platform router sends the default
    route to the egress router, and the egress router routes the services subnet back through the
    platform router, so both directions cross the perimeter firewall on the platform router.
    Research enclaves get no route here: no direct internet egress. SNAT is Neutron's default for a
    gateway (enable_snat is left unset because setting it is admin-only under Neutron's default
    policy). The endpoint is the egress router's external address, the source address outside
    parties allow-list.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        transit = networking.Subnet(
            self.role("transit"), name=self.scoped("egress-transit"), network_id=self.placement.network_id,
            cidr=TRANSIT_CIDR, ip_version=4, gateway_ip=EGRESS_ROUTER_TRANSIT_IP, enable_dhcp=False,
            description="between the platform router and the egress router; no machine lives here",
            tags=self.tag_list, opts=self.child())
        router = networking.Router(
            self.role("router"), name=self.scoped("egress"), description=self.description, admin_state_up=True,
            external_network_id=external_network_id(self.settings), tags=self.tag_list, opts=self.child())
        egress_side = networking.RouterInterface(
            self.role("router-transit"), router_id=router.id, subnet_id=transit.id, opts=self.child())
        platform_router = platform_router_port(self.placement.network_id, self.placement.subnet_id).device_id
        transit_port = networking.Port(
            self.role("platform-transit"), name=self.scoped("platform-router-transit"),
            network_id=self.placement.network_id, admin_state_up=True,
            fixed_ips=[networking.PortFixedIpArgs(subnet_id=transit.id, ip_address=PLATFORM_ROUTER_TRANSIT_IP)],
            description="the platform router's leg on the transit subnet", tags=self.tag_list, opts=self.child())
        platform_side = networking.RouterInterface(
            self.role("platform-router-transit"), router_id=platform_router, port_id=transit_port.id,
            opts=self.child())
        networking.RouterRoute(
            self.role("default-route"), router_id=platform_router, destination_cidr=ANYWHERE,
            next_hop=EGRESS_ROUTER_TRANSIT_IP, opts=self.child(depends_on=[platform_side, egress_side]))
        networking.RouterRoute(
            self.role("return-route"), router_id=router.id, destination_cidr=SERVICES_CIDR,
            next_hop=PLATFORM_ROUTER_TRANSIT_IP, opts=self.child(depends_on=[platform_side, egress_side]))
        address = router.external_fixed_ips.apply(
            lambda ips: next((ip.ip_address for ip in ips if ip.ip_address), ""))
        return address, None
