"""private_endpoints on Scaleway: reserved private addresses on the services network for Scaleway's APIs."""
from __future__ import annotations

import ipaddress
import json

import pulumi
from pulumiverse_scaleway import ipam

from hdhport.addresses import SERVICES_CIDR
from providers.scaleway.common import ScalewayService

_SERVICES = ipaddress.IPv4Network(SERVICES_CIDR)
#: The Scaleway APIs the platform's workloads call, each given a fixed private address that IPAM then never
#: hands to a machine (.16-.19 of the services network, the block the other families reserve too).
PRIVATE_ENDPOINTS = dict(zip(("object-storage", "key-manager", "secret-manager", "iam"),
                             (str(_SERVICES[i]) for i in range(16, 20))))


class PrivateEndpoints(ScalewayService):
    """Abstract service private_endpoints, with Scaleway IPAM reservations on the services Private Network.

    Managed Databases attach to the Private Network themselves (their endpoint is private). Scaleway's own
    APIs the workloads call (Object Storage, Key Manager, Secret Manager, IAM) are public endpoints; Object
    Storage's private access from a VPC exists but has no resource in pulumiverse-scaleway 1.60.0. This
    service reserves a fixed private address for each in IPAM, which the platform's egress proxy claims and
    forwards to the API over the Public Gateway, so applications address the private name
    (`<api>.endpoints.hdh.internal`), never the public one: moving to private access later changes no
    application. The endpoint is a JSON map from API to private address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        reserved = [
            ipam.Ip(self.role(api), address=address, sources=[ipam.IpSourceArgs(private_network_id=self.placement.subnet_id)],
                    tags=self.tag_list, opts=self.child())
            for api, address in PRIVATE_ENDPOINTS.items()]
        endpoint = pulumi.Output.all(*[ip.id for ip in reserved]).apply(
            lambda _: json.dumps(PRIVATE_ENDPOINTS, sort_keys=True))
        return endpoint, None
