"""security_groups on OpenStack: the platform's baseline Neutron security group, deny by default."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_openstack import networking

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.openstack.common import OpenStackService


@dataclass(frozen=True)
class Rule:
    """One allowed flow of the baseline; Neutron denies everything no rule names."""

    role: str
    direction: str
    remote: str
    why: str
    protocol: str | None = None
    port_min: int | None = None
    port_max: int | None = None


#: What every machine of the platform needs, and nothing more: services add their own groups.
BASELINE = (
    Rule("in-ssh", "ingress", SERVICES_CIDR, "SSH from the bastion", "tcp", 22, 22),
    Rule("in-metrics", "ingress", SERVICES_CIDR, "node metrics scraped by the platform's Prometheus", "tcp", 9100, 9100),
    # ICMP type 8 code 0 (echo request); Neutron puts the ICMP type and code in the port range.
    Rule("in-ping", "ingress", PLATFORM_CIDR, "reachability checks from the platform", "icmp", 8, 0),
    Rule("out-platform", "egress", PLATFORM_CIDR, "the platform's private ranges only (mirror, proxies, services)"),
)


class SecurityGroups(OpenStackService):
    """Abstract service security_groups, with OpenStack Neutron security groups.

    The baseline group every platform machine carries: Neutron's default rules (all egress, IPv4
    and IPv6) are deleted, so the group denies everything its rules do not name: SSH from the
    bastion's subnet, node metrics from the services subnet, ICMP echo from the platform, and egress
    to the platform's private ranges only (the internet is reached through the platform's mirror and
    proxies, never directly). Stateful, so replies to allowed flows pass. Services add their own
    groups for the ports they serve. The endpoint is the group's id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group = networking.SecGroup(
            self.role("baseline"), name=self.scoped("baseline"), description=f"{self.description}: deny by default",
            delete_default_rules=True, stateful=True, tags=self.tag_list, opts=self.child())
        for rule in BASELINE:
            networking.SecGroupRule(
                self.role(rule.role), security_group_id=group.id, direction=rule.direction, ethertype="IPv4",
                protocol=rule.protocol, port_range_min=rule.port_min, port_range_max=rule.port_max,
                remote_ip_prefix=rule.remote, description=rule.why, opts=self.child())
        return group.id, None
