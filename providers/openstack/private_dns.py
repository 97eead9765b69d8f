"""private_dns on OpenStack: the platform's Designate zone with the names of its private addresses."""
from __future__ import annotations

import pulumi
from pulumi_openstack import dns

from providers.openstack.common import GATEWAY_IP, INGRESS_ADDRESSES, PRIVATE_ENDPOINTS, VPN_ROUTER_IP, OpenStackService
from providers.openstack.iaas import PRIVATE_ZONE as ZONE
#: Names of the addresses the address plan fixes (common.py); services with addresses chosen by
#: DHCP register theirs where they are built.
RECORDS: dict[str, list[str]] = {
    "gateway": [GATEWAY_IP],
    "vpn": [VPN_ROUTER_IP],
    "ingress": list(INGRESS_ADDRESSES),
    **{f"{api}.endpoints": [address] for api, address in PRIVATE_ENDPOINTS.items()},
}


class PrivateDns(OpenStackService):
    PROVIDES = ("dns_zone",)

    """Abstract service private_dns, with OpenStack Designate.

    A primary zone `hdh.internal.` (the `.internal` top-level domain is reserved for private use
    and never delegated from the public root, so the names resolve only through resolvers that
    forward the zone to Designate: the platform's) with A records for the platform's fixed
    private addresses: gateway, VPN router, ingress tier, and the private endpoints of the
    operator's APIs. Designate's name servers are the operator's and usually public, so the zone
    holds only private addresses, nothing that identifies a person or a project. TTL 300 s so a
    moved address propagates quickly. Provides dns_zone (the zone's id): the services built after it
    publish their own names there (OpenStackIaas.publish). The endpoint is the zone's name.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        zone = dns.Zone(
            self.role("zone"), name=ZONE, email=f"hostmaster@{ZONE.rstrip('.')}", ttl=300, type="PRIMARY",
            description=self.description, opts=self.child())
        for name, addresses in RECORDS.items():
            dns.RecordSet(
                self.role(name.replace(".", "-")), zone_id=zone.id, name=f"{name}.{ZONE}", type="A", ttl=300,
                records=addresses, description=f"{self.description}: {name}", opts=self.child())
        self.provide(dns_zone=zone.id)
        return zone.name, None
