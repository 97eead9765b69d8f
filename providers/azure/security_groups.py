"""security_groups on Azure: the platform's tiers as application security groups, and one network
security group that lets only the flows between tiers listed here through, everything else refused."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from hdhport.addresses import PLATFORM_CIDR
from providers.azure.arm import send_audit_logs
from providers.azure.iaas import DENY_PRIORITY
from providers.azure.subnets import RESERVED
from providers.base import ServiceComponent

#: The platform's tiers: a machine's NIC joins the one it belongs to, and rules name tiers, not addresses.
TIERS = {
    "frontend": "web front ends, reached from the WAF gateway only",
    "workload": "processing (notebooks, jobs, self-hosted services)",
    "data": "self-hosted stores (databases, queues, indexes)",
    "admin": "administration hosts (bastion and jump hosts)",
}


@dataclass(frozen=True)
class Flow:
    """One allowed inbound flow; a source is a tier or an address prefix (service tag, CIDR)."""

    name: str
    priority: int
    source: str
    destination: str
    ports: tuple[str, ...]
    description: str
    protocol: network.SecurityRuleProtocol = network.SecurityRuleProtocol.TCP


FLOWS = (
    Flow("waf-to-frontend", 100, RESERVED["application-gateway"].cidr, "frontend", ("443",),
         "HTTPS from the WAF gateway's subnet only"),
    Flow("frontend-to-workload", 110, "frontend", "workload", ("443", "8443"), "HTTPS APIs of the workloads"),
    Flow("workload-to-data", 120, "workload", "data", ("5432", "5671", "6379", "9200"),
         "PostgreSQL, AMQP over TLS, Redis over TLS, OpenSearch"),
    Flow("admin-ssh", 130, "admin", "*", ("22",), "SSH from the administration hosts only"),
    Flow("admin-rdp", 140, "admin", "*", ("3389",), "RDP from the administration hosts only"),
    Flow("lb-probes", 4000, "AzureLoadBalancer", "*", ("*",), "health probes of internal load balancers",
         network.SecurityRuleProtocol.ASTERISK),
)


class SecurityGroups(ServiceComponent):
    """security_groups with Azure network security groups and application security groups.

    One application security group per tier (TIERS) and one NSG for the NICs of the platform's
    machines, whose rules (separate SecurityRule resources, so each is reviewed and changed alone) allow
    only FLOWS inbound and refuse the rest, the VNet included, which Azure's defaults would let in.
    Outbound, only the platform's range is allowed: no machine talks to the internet directly.
    NSG flow events and rule counters go to Log Analytics. The endpoint is the NSG's id, which NICs
    and subnets reference.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        groups = {
            tier: network.ApplicationSecurityGroup(
                self.role(f"asg-{tier}"), resource_group_name=p.scope, location=p.region,
                application_security_group_name=f"asg-{self.name}-{tier}",
                tags={**self.tags, "hdh-tier": tier}, opts=self.child())
            for tier in TIERS
        }
        nsg_name = f"nsg-{self.name}"
        nsg = network.NetworkSecurityGroup(
            self.role("nsg"), resource_group_name=p.scope, location=p.region,
            network_security_group_name=nsg_name, tags=self.tags,
            # The rules below are separate resources: an update of the NSG must not drop them.
            opts=self.child(ignore_changes=["securityRules"]))

        inbound, outbound = network.SecurityRuleDirection.INBOUND, network.SecurityRuleDirection.OUTBOUND
        allow, deny = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY
        anything = network.SecurityRuleProtocol.ASTERISK

        # Azure changes one rule of an NSG at a time: each rule waits for the previous one.
        previous: list[pulumi.Resource] = []

        def rule(name: str, priority: int, direction: network.SecurityRuleDirection,
                 access: network.SecurityRuleAccess, protocol: network.SecurityRuleProtocol,
                 source: str, destination: str, ports: tuple[str, ...], description: str) -> network.SecurityRule:
            """A rule between tiers (by application security group) or prefixes (service tag, CIDR, *)."""
            created = network.SecurityRule(
                self.role(f"rule-{name}"), resource_group_name=p.scope, network_security_group_name=nsg_name,
                security_rule_name=name, priority=priority, direction=direction, access=access, protocol=protocol,
                source_port_range="*",
                source_address_prefix=None if source in groups else source,
                source_application_security_groups=[network.ApplicationSecurityGroupArgs(id=groups[source].id)]
                if source in groups else None,
                destination_address_prefix=None if destination in groups else destination,
                destination_application_security_groups=[
                    network.ApplicationSecurityGroupArgs(id=groups[destination].id)] if destination in groups else None,
                destination_port_range=ports[0] if len(ports) == 1 else None,
                destination_port_ranges=list(ports) if len(ports) > 1 else None,
                description=description, opts=pulumi.ResourceOptions(parent=nsg, depends_on=[nsg, *previous[-1:]]))
            previous.append(created)
            return created

        for flow in FLOWS:
            rule(flow.name, flow.priority, inbound, allow, flow.protocol, flow.source, flow.destination, flow.ports,
                 flow.description)
        rule("deny-all-inbound", DENY_PRIORITY, inbound, deny, anything, "*", "*", ("*",),
             "deny by default (Azure's defaults would allow the whole VNet)")
        rule("allow-out-platform", 100, outbound, allow, anything, "*", PLATFORM_CIDR, ("*",),
             "platform services and private endpoints")
        rule("deny-all-outbound", DENY_PRIORITY, outbound, deny, anything, "*", "*", ("*",),
             "nothing else: no internet, no enclave")
        send_audit_logs(self, "audit", nsg.id, category_group="allLogs")
        return nsg.id, None
