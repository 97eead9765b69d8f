"""private_endpoints on OpenStack: private addresses on the services subnet for the operator's APIs."""
from __future__ import annotations

import json

import pulumi
from pulumi_openstack import networking

from providers.openstack.common import PRIVATE_ENDPOINTS, OpenStackService


class PrivateEndpoints(OpenStackService):
    """Abstract service private_endpoints, with Neutron ports on the project network.

    OpenStack has no Private Link. The data planes of the managed services (Trove, Manila, Octavia)
    already sit on the platform's private subnet; the operator's APIs the workloads call (Keystone,
    Swift and its S3 API, Barbican, Glance) are usually public. This service gives each of them a
    fixed private address on the services subnet, from the range the address plan reserves: a
    Neutron port with no device (a VIP port), which the platform's ingress or egress proxy pair
    claims through allowed address pairs and forwards to the operator's endpoint over the egress
    path; on a cloud whose operator offers private API access on the tenant network, the operator
    binds the port instead. Either way, applications address the private name (private_dns
    publishes `<api>.endpoints.hdh.internal`), never the public one, so moving to a private offer
    changes no application. The endpoint is a JSON map from API to private address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        ports = [
            networking.Port(
                self.role(api), name=self.scoped(f"endpoint-{api}"), network_id=self.placement.network_id,
                fixed_ips=[networking.PortFixedIpArgs(subnet_id=self.placement.subnet_id, ip_address=address)],
                description=f"private address of the operator's {api} API", admin_state_up=True,
                port_security_enabled=True, tags=self.tag_list, opts=self.child())
            for api, address in PRIVATE_ENDPOINTS.items()]
        # Known in advance (fixed addresses), handed on once the ports hold them.
        endpoint = pulumi.Output.all(*[port.id for port in ports]).apply(
            lambda _: json.dumps(PRIVATE_ENDPOINTS, sort_keys=True))
        return endpoint, None
