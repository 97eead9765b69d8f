"""security_groups on Scaleway: the platform's baseline Instance security group, drop by default."""
from __future__ import annotations

import pulumi

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.scaleway.common import ScalewayService
from providers.scaleway.iaas import ADMIN_SOURCES, security_group
from providers.selfhosted.iaas import ADMIN_SOURCE, Ingress

#: What every machine of the platform needs, and nothing more: services add their own groups.
BASELINE = (
    Ingress(port=22, source=ADMIN_SOURCE, description="SSH from the bastion"),
    Ingress(port=9100, source=SERVICES_CIDR, description="node metrics scraped by the platform's Prometheus"),
)


class SecurityGroups(ScalewayService):
    """Abstract service security_groups, with Scaleway Instance security groups.

    The baseline group: stateful, inbound and outbound default policies `drop`, so the group refuses
    everything its rules do not name: SSH from the bastion, node metrics from the services network, and
    out, the platform's private ranges only. SMTP stays blocked (Scaleway's default security). Each
    machine carries its own group built the same way (ScalewayIaas), with its service's ports. The
    endpoint is the group's id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group = security_group(self, self.scoped("baseline"), self.settings.zone, self.tags, BASELINE,
                               (PLATFORM_CIDR,), ADMIN_SOURCES)
        return group.id, None
