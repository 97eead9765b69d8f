"""virtual_network on OpenStack: the platform's Neutron network, services subnet and router."""
from __future__ import annotations

import pulumi
from pulumi_openstack import networking

from hdhport.addresses import SERVICES_CIDR
from providers.openstack.common import DHCP_POOL, GATEWAY_IP, PLATFORM_ROUTER, OpenStackService


class VirtualNetwork(OpenStackService):
    """Abstract service virtual_network, with OpenStack Neutron.

    A network with port security on (so every port gets security groups), the private services
    subnet, and the platform router on the subnet's gateway address. The router has no external
    gateway: egress is nat_egress's job, through the perimeter firewall on this router's port.
    The first addresses of the subnet are kept out of the DHCP pool for infrastructure ports
    (see providers/openstack/common.py). Provides network_id and subnet_id.
    """

    PROVIDES = ("network_id", "subnet_id")

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        network = networking.Network(
            self.role("network"), name=self.scoped("network"), description=self.description,
            admin_state_up=True, port_security_enabled=True, shared=False, external=False,
            tags=self.tag_list, opts=self.child())
        subnet = networking.Subnet(
            self.role("services"), name=self.scoped("services"), network_id=network.id, cidr=SERVICES_CIDR,
            ip_version=4, gateway_ip=GATEWAY_IP, enable_dhcp=True,
            allocation_pools=[networking.SubnetAllocationPoolArgs(start=DHCP_POOL[0], end=DHCP_POOL[1])],
            description="private services subnet: no address of it is reachable from outside",
            tags=self.tag_list, opts=self.child())
        router = networking.Router(
            self.role("router"), name=PLATFORM_ROUTER if self.enclave is None else self.scoped("router"),
            description="platform router: no external gateway (egress goes through nat_egress)",
            admin_state_up=True, tags=self.tag_list, opts=self.child())
        attached = networking.RouterInterface(
            self.role("router-services"), router_id=router.id, subnet_id=subnet.id, opts=self.child())
        # Hand the subnet on from the interface: services built later (and their look-ups of the
        # router port) then wait until the subnet is routed.
        self.provide(network_id=network.id, subnet_id=attached.subnet_id)
        return network.id, None
