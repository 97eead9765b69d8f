"""ddos_protection on Azure: an Azure DDoS Network Protection plan for the platform's VNet, which
covers every public IP in it (firewall egress, NAT egress, VPN tunnel, bastion)."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import network

from providers.base import ServiceComponent

PLAN_NAME = "ddos-hdh-platform"


class DdosProtection(ServiceComponent):
    """ddos_protection with Azure DDoS Network Protection.

    Azure applies a plan to a virtual network through the VNet's own properties
    (`enable_ddos_protection`, `ddos_protection_plan`); pulumi-azure-native has no separate association
    resource, and a second resource writing the VNet would overwrite its address space and subnets. So
    the plan is created here and its id is the endpoint: the VNet of virtual_network applies it by
    referencing that id, which requires the plan to be built before the VNet. Once applied, every public
    IP of the VNet (VirtualNetworkInherited, their default) gets adaptive tuning, mitigation and attack
    telemetry, which arrive as the public IPs' DDoS logs in Log Analytics.

    The plan itself holds no data and emits no logs, so it has no diagnostic setting.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        plan = network.DdosProtectionPlan(
            self.role("plan"), resource_group_name=p.scope, location=p.region,
            ddos_protection_plan_name=PLAN_NAME if self.enclave is None else f"ddos-{self.name}",
            tags=self.tags, opts=self.child())
        return plan.id, None
