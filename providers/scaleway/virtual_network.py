"""virtual_network on Scaleway: the platform's VPC and its services Private Network."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumiverse_scaleway import network

from hdhport.addresses import SERVICES_CIDR
from providers.scaleway.common import ScalewayService


class VirtualNetwork(ScalewayService):
    """Abstract service virtual_network, with Scaleway VPC.

    A VPC of the platform's own (never the project's default one) and the services Private Network on
    SERVICES_CIDR; research-project enclaves get a Private Network each in the same VPC
    (ScalewayIaas.segment), routed with the services network so the bastion and the desktops reach them.
    Private Networks have no public address: the only way out is nat_egress's Public Gateway, the only
    ways in are the bastion's. Scaleway publishes each machine's name in the VPC's internal DNS
    (<host>.<private network>.internal). Provides network_id (the VPC) and subnet_id (the services
    Private Network).
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("network_id", "subnet_id")

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        vpc = network.Vpc(self.role("vpc"), name=self.scoped("vpc"), tags=self.tag_list, opts=self.child())
        services = network.PrivateNetwork(
            self.role("services"), name=self.scoped("services"), vpc_id=vpc.id,
            ipv4_subnet=network.PrivateNetworkIpv4SubnetArgs(subnet=SERVICES_CIDR), tags=self.tag_list,
            opts=self.child())
        self.provide(network_id=vpc.id, subnet_id=services.id)
        return vpc.id, None
