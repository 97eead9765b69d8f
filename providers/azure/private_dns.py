"""private_dns on Azure: the platform's own private zone (hdh.internal, where machines register their
names) and the privatelink zones that make every private endpoint resolve to its private address,
all linked to the platform VNet and to nothing else."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import privatedns

from providers.azure.private_link import all_zones, created_zone
from providers.azure.subnets import WAF_GATEWAY_PRIVATE_IP
from providers.base import ServiceComponent
from providers.contract import safe_name

ZONE = "hdh.internal"
#: Names of the platform known before their resources exist: the WAF gateway's private frontend.
RECORDS = {"portal": WAF_GATEWAY_PRIVATE_IP}
TTL = 300


class PrivateDns(ServiceComponent):
    PROVIDES: ClassVar[tuple[str, ...]] = ("dns_zone",)

    """private_dns with Azure Private DNS.

    - `hdh.internal`: linked to the platform VNet with auto-registration, so every VM of the platform
      and of the enclaves (one VNet) gets an A record it did not have to declare; `portal` names the WAF
      gateway's private frontend.
    - One privatelink zone per kind of private endpoint the platform opens (providers/azure/
      private_link.py), linked to the VNet for resolution only: endpoints register their A records
      through their zone groups. Without these zones a service's name would resolve to its public
      address, which its disabled public network access refuses.

    Private zones are answered by Azure DNS inside the linked VNet only: nothing here is visible from
    the internet. Zones are global resources (no region); the links carry the platform's tags.
    The endpoint is the internal zone's name.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        vnet = privatedns.SubResourceArgs(id=p.network_id)
        internal = privatedns.PrivateZone(
            self.role("zone"), resource_group_name=p.scope, location="global", private_zone_name=ZONE,
            tags=self.tags, opts=self.child())
        link = privatedns.VirtualNetworkLink(
            self.role("zone-link"), resource_group_name=p.scope, location="global", private_zone_name=ZONE,
            virtual_network_link_name="platform-vnet", virtual_network=vnet, registration_enabled=True,
            tags=self.tags, opts=self.child(depends_on=[internal]))
        for name, address in RECORDS.items():
            privatedns.PrivateRecordSet(
                self.role(f"record-{name}"), resource_group_name=p.scope, private_zone_name=ZONE,
                record_type="A", relative_record_set_name=name, ttl=TTL,
                a_records=[privatedns.ARecordArgs(ipv4_address=address)],
                metadata={"hdh-service": "waf_gateway", "managed-by": "hdhport"},
                opts=self.child(depends_on=[internal]))

        for zone in all_zones(p.region):
            role = safe_name(zone.removeprefix("privatelink."), 60)
            created = privatedns.PrivateZone(
                self.role(f"pl-{role}"), resource_group_name=p.scope, location="global", private_zone_name=zone,
                tags=self.tags, opts=self.child())
            created_zone(zone, created.id)
            privatedns.VirtualNetworkLink(
                self.role(f"pl-{role}-link"), resource_group_name=p.scope, location="global",
                private_zone_name=zone, virtual_network_link_name="platform-vnet", virtual_network=vnet,
                # Resolution only: A records come from the endpoints' zone groups.
                registration_enabled=False, resolution_policy=privatedns.ResolutionPolicy.DEFAULT,
                tags=self.tags, opts=pulumi.ResourceOptions(parent=created))
        # Records are added to the zone once it is linked: services publish their names as they are built.
        self.provide(dns_zone=link.id.apply(lambda _: ZONE))
        return internal.id.apply(lambda _: ZONE), None
