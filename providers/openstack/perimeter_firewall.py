"""perimeter_firewall on OpenStack: Neutron FWaaS v2 on the platform router, default deny."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_openstack import firewall

from hdhport.addresses import ENCLAVES_CIDR, SERVICES_CIDR
from providers.openstack.common import ANYWHERE, OpenStackService, platform_router_port


@dataclass(frozen=True)
class Flow:
    """One allowed flow across the perimeter; FWaaS denies every flow no rule names."""

    role: str
    protocol: str
    port: str
    source: str
    destination: str
    why: str


#: Leaving the services subnet: HTTPS and HTTP to package and image sources (Debian's packages are
#: signed), time, and the bastion's and virtual desktop's SSH into research machines.
LEAVING = (
    Flow("https", "tcp", "443", SERVICES_CIDR, ANYWHERE, "HTTPS to package and image sources"),
    Flow("http", "tcp", "80", SERVICES_CIDR, ANYWHERE, "HTTP to Debian mirrors (packages are signed)"),
    Flow("ntp", "udp", "123", SERVICES_CIDR, ANYWHERE, "time"),
    Flow("ssh-enclaves", "tcp", "22", SERVICES_CIDR, ENCLAVES_CIDR, "bastion and virtual desktop to research machines"),
)
#: Entering it: research machines reach the platform's mirror and endpoints, nothing else does.
ENTERING = (
    Flow("enclaves-https", "tcp", "443", ENCLAVES_CIDR, SERVICES_CIDR, "research machines to the platform's endpoints"),
    Flow("enclaves-http", "tcp", "80", ENCLAVES_CIDR, SERVICES_CIDR, "research machines to the package mirror"),
)


class PerimeterFirewall(OpenStackService):
    """Abstract service perimeter_firewall, with Neutron FWaaS v2.

    A firewall group on the platform router's port on the services subnet, which every routed
    packet between that subnet and anything outside it crosses (egress goes platform router ->
    transit subnet -> egress router and back the same way: see nat_egress). Two policies, each
    ending in an explicit deny so the default is visible in the rules: from the subnet, only HTTPS,
    HTTP and NTP out and SSH to research machines; into it, only research machines' HTTPS and HTTP
    to the platform's mirror and endpoints. Replies pass through FWaaS's connection tracking.
    FWaaS filters addresses and ports: allow-listing destinations by name needs the platform's
    egress proxy. The VPN router sits on the subnet itself (VPNaaS needs its local subnet on its
    router), so peer traffic is confined by the IPsec policy's peer ranges and by the machines'
    security groups. The endpoint is the firewall group's id.
    """

    def _policy(self, name: str, flows: Sequence[Flow], why: str) -> firewall.PolicyV2:
        allowed = [
            firewall.RuleV2(
                self.role(flow.role), name=self.scoped(flow.role), description=flow.why, action="allow",
                protocol=flow.protocol, ip_version=4, source_ip_address=flow.source,
                destination_ip_address=flow.destination, destination_port=flow.port, enabled=True,
                opts=self.child())
            for flow in flows]
        deny = firewall.RuleV2(
            self.role(f"{name}-deny"), name=self.scoped(f"{name}-deny"), description=f"{why}: everything else denied",
            action="deny", protocol="any", ip_version=4, enabled=True, opts=self.child())
        return firewall.PolicyV2(
            self.role(name), name=self.scoped(name), description=why, rules=[r.id for r in allowed] + [deny.id],
            shared=False, opts=self.child())

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        leaving = self._policy("leaving", LEAVING, "traffic leaving the services subnet")
        entering = self._policy("entering", ENTERING, "traffic entering the services subnet")
        port = platform_router_port(self.placement.network_id, self.placement.subnet_id)
        # FWaaS speaks from the router port's side: "ingress" is what enters the router from the
        # subnet (leaving the platform), "egress" what the router sends into the subnet.
        group = firewall.GroupV2(
            self.role("group"), name=self.scoped("perimeter"), description=self.description,
            ingress_firewall_policy_id=leaving.id, egress_firewall_policy_id=entering.id,
            ports=[port.id], admin_state_up=True, shared=False, opts=self.child())
        return group.id, None
