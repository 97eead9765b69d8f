"""nat_egress on Scaleway: a Public Gateway doing NAT for the services Private Network, outbound only."""
from __future__ import annotations

import pulumi
from pulumiverse_scaleway import network

from providers.scaleway.common import ScalewayService

#: The smallest Public Gateway offer (the SDK's own examples use it); a larger one only adds bandwidth.
GATEWAY_TYPE = "VPC-GW-S"


class NatEgress(ScalewayService):
    """Abstract service nat_egress, with a Scaleway Public Gateway.

    The gateway's flexible IP is the platform's outbound source address (the one partners allow-list) and
    nothing else: masquerade on, no port-forwarding (PAT) rule, the gateway's SSH bastion off, SMTP off.
    It pushes the default route to the services Private Network only; research-project Private Networks
    get no route through it (no direct internet egress). Public Gateways exist in fr-par-1 and fr-par-2
    (Scaleway's product availability guide, validated 2025-12-04): the stack's zone must be one of those.
    The endpoint is the egress address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        zone = self.settings.zone
        address = network.PublicGatewayIp(self.role("egress-ip"), zone=zone, tags=self.tag_list, opts=self.child())
        gateway = network.PublicGateway(
            self.role("gateway"), name=self.scoped("egress"), type=GATEWAY_TYPE, zone=zone, ip_id=address.id,
            bastion_enabled=False, enable_smtp=False, tags=self.tag_list, opts=self.child())
        network.GatewayNetwork(
            self.role("services"), gateway_id=gateway.id, private_network_id=self.placement.subnet_id, zone=zone,
            enable_masquerade=True,
            ipam_configs=[network.GatewayNetworkIpamConfigArgs(push_default_route=True)], opts=self.child())
        return address.address.apply(lambda ip: ip or ""), None
