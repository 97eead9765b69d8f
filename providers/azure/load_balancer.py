"""load_balancer on Azure: an internal Standard Load Balancer with a private frontend only, an
IP-addressed backend pool, a health probe and a load-balancing rule."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor, network

from providers.azure.arm import resource_group_id
from providers.base import ServiceComponent

FRONTEND, POOL, PROBE = "frontend", "backend", "tcp-443"
PORT = 443
ZONES = ["1", "2", "3"]


class LoadBalancer(ServiceComponent):
    """load_balancer with Azure Load Balancer (Standard, internal).

    - Frontend: a private address in placement.subnet_id (the enclave's subnet for an enclave's
      instance), zone-redundant; no public frontend exists.
    - Backend pool addressed by IP in the platform VNet (LoadBalancerBackendAddressPool), so members
      (VMs, scale sets, self-hosted services) are added by address without touching the balancer.
    - A TCP health probe and a rule on 443: TLS passes through end to end (layer 4 does not terminate
      it), TCP resets on idle, no outbound SNAT (egress goes through the platform's egress path).
    - Metrics (data path availability, health probe status) to Log Analytics; Load Balancer emits no
      resource logs.
    The endpoint is the frontend's private address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        lb_name = f"lbi-{self.name}"
        # Sub-resources of the balancer reference each other by id, known before it exists.
        lb_id = resource_group_id(self).apply(
            lambda group: f"{group}/providers/Microsoft.Network/loadBalancers/{lb_name}")

        def part(kind: str, name: str) -> network.SubResourceArgs:
            return network.SubResourceArgs(id=lb_id.apply(lambda balancer: f"{balancer}/{kind}/{name}"))

        balancer = network.LoadBalancer(
            self.role("lb"), resource_group_name=p.scope, location=p.region, load_balancer_name=lb_name,
            sku=network.LoadBalancerSkuArgs(name=network.LoadBalancerSkuName.STANDARD,
                                            tier=network.LoadBalancerSkuTier.REGIONAL),
            frontend_ip_configurations=[network.FrontendIPConfigurationArgs(
                name=FRONTEND, subnet=network.SubnetArgs(id=p.subnet_id),
                private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                private_ip_address_version=network.IPVersion.I_PV4, zones=ZONES)],
            backend_address_pools=[network.BackendAddressPoolArgs(name=POOL)],
            probes=[network.ProbeArgs(name=PROBE, protocol=network.ProbeProtocol.TCP, port=PORT,
                                      interval_in_seconds=5, probe_threshold=2)],
            load_balancing_rules=[network.LoadBalancingRuleArgs(
                name="tcp-443", protocol=network.TransportProtocol.TCP, frontend_port=PORT, backend_port=PORT,
                frontend_ip_configuration=part("frontendIPConfigurations", FRONTEND),
                backend_address_pool=part("backendAddressPools", POOL), probe=part("probes", PROBE),
                enable_tcp_reset=True, idle_timeout_in_minutes=4, disable_outbound_snat=True,
                load_distribution=network.LoadDistribution.DEFAULT)],
            tags=self.tags,
            # The pool's members are managed by the LoadBalancerBackendAddressPool below.
            opts=self.child(ignore_changes=["backendAddressPools"]))
        network.LoadBalancerBackendAddressPool(
            self.role("pool"), resource_group_name=p.scope, load_balancer_name=lb_name,
            backend_address_pool_name=POOL, virtual_network=network.SubResourceArgs(id=p.network_id),
            opts=self.child(depends_on=[balancer]))
        if p.log_workspace_id:
            monitor.DiagnosticSetting(
                self.role("metrics"), name="hdh-metrics", resource_uri=balancer.id,
                workspace_id=p.log_workspace_id,
                metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
                opts=self.child())
        endpoint = balancer.frontend_ip_configurations.apply(
            lambda frontends: (frontends[0].private_ip_address or "") if frontends else "")
        return endpoint, None
