"""nat_egress on Azure: an Azure NAT Gateway and its public address, the source address of outbound
connections of the subnets attached to it; nothing can be reached through it from outside."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor, network

from providers.azure.arm import edge_public_ip
from providers.base import ServiceComponent


class NatEgress(ServiceComponent):
    """nat_egress with Azure NAT Gateway (Standard).

    A NAT gateway only translates connections that start inside: it accepts no inbound connection and
    has no port forwarding, so its public IP is the platform's outbound source address (the one partners
    allow-list), never an endpoint of the data plane. Subnets opt in by referencing the gateway (the
    returned endpoint is its id); by default the platform's route table sends nothing to the internet,
    and the perimeter firewall remains the filtered path for machines.

    No VM keeps a public address and Azure's implicit outbound access is off on the platform's subnets,
    so this and the firewall are the only ways out. Its metrics (SNAT ports, dropped packets) go to Log
    Analytics; NAT Gateway emits no resource logs.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        # Source address of outbound connections only; a NAT gateway refuses unsolicited inbound traffic.
        address = edge_public_ip(self, "egress-ip")
        gateway = network.NatGateway(
            self.role("gateway"), resource_group_name=p.scope, location=p.region,
            sku=network.NatGatewaySkuArgs(name=network.NatGatewaySkuName.STANDARD),
            public_ip_addresses=[network.SubResourceArgs(id=address.id)],
            # Short idle timeout: fewer SNAT ports held by idle flows.
            idle_timeout_in_minutes=4, tags=self.tags, opts=self.child())
        if p.log_workspace_id:
            monitor.DiagnosticSetting(
                self.role("metrics"), name="hdh-metrics", resource_uri=gateway.id,
                workspace_id=p.log_workspace_id,
                metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
                opts=self.child())
        return gateway.id, None
