"""What the native OpenStack implementations share: the base component, the platform's address plan,
tags, and the look-ups of facts only the cloud knows (project, external network, catalogue endpoints).

Address plan of the services subnet (SERVICES_CIDR, built by virtual_network):
- .1 is the gateway: the platform router, where the perimeter firewall sits;
- .2-.31 are reserved for infrastructure ports with fixed addresses (DHCP never hands them out):
  .2 the VPN router, .10-.11 the ingress tier behind the load balancer, .16-.31 private endpoints;
- the rest is the DHCP pool.
Egress leaves through a transit subnet (TRANSIT_CIDR, built by nat_egress) between the platform
router and the egress router, so outbound and return traffic both cross the perimeter firewall.
"""
from __future__ import annotations

import ipaddress
from functools import cached_property
from urllib.parse import urlsplit

import pulumi
from pulumi_openstack import identity, images, networking

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.base import ServiceComponent
from providers.lookups import once
from providers.openstack.settings import OpenStackSettings

_SERVICES = ipaddress.IPv4Network(SERVICES_CIDR)
GATEWAY_IP = str(_SERVICES[1])
VPN_ROUTER_IP = str(_SERVICES[2])
INGRESS_ADDRESSES = (str(_SERVICES[10]), str(_SERVICES[11]))
PRIVATE_ENDPOINT_ADDRESSES = tuple(str(_SERVICES[i]) for i in range(16, 32))
DHCP_POOL = (str(_SERVICES[32]), str(_SERVICES[-2]))
#: The operator APIs the platform's workloads call, each given a private address (private_endpoints).
PRIVATE_ENDPOINTS = dict(zip(("identity", "object-store", "key-manager", "image"), PRIVATE_ENDPOINT_ADDRESSES))

TRANSIT_CIDR = "10.20.255.248/29"
_TRANSIT = ipaddress.IPv4Network(TRANSIT_CIDR)
EGRESS_ROUTER_TRANSIT_IP = str(_TRANSIT[1])
PLATFORM_ROUTER_TRANSIT_IP = str(_TRANSIT[2])
assert _TRANSIT.subnet_of(ipaddress.IPv4Network(PLATFORM_CIDR)) and not _TRANSIT.overlaps(_SERVICES)

PLATFORM_ROUTER = "hdh-platform"
ANYWHERE = "0.0.0.0/0"


class OpenStackService(ServiceComponent):
    """A catalogue service implemented with pulumi-openstack: settings, names and tags in one place."""

    @cached_property
    def settings(self) -> OpenStackSettings:
        return OpenStackSettings.read()

    @property
    def description(self) -> str:
        return f"hdhport {self.spec.id} ({self.scope_name})"

    def encrypted_volume_type(self) -> pulumi.Input[str]:
        """The encrypted Cinder volume type disk_encryption hands on; never the cloud's default type."""
        if self.placement.disk_encryption_ref == "":
            raise ValueError(f"{self.spec.id} needs the encrypted volume type: build disk_encryption first")
        return self.placement.disk_encryption_ref

    def data_key_ref(self) -> pulumi.Input[str] | None:
        """The customer key reported for a data-bearing service (the placement's Barbican key)."""
        return self.placement.key_ref if self.spec.data_bearing else None


def auth_scope() -> pulumi.Output[identity.GetAuthScopeResult]:
    """Who the credentials are: their project and user."""
    return once(("auth_scope",), lambda: identity.get_auth_scope_output(name="hdh"))


def image_id(name: str) -> pulumi.Output[str]:
    """The most recent image of that name (the machines' boot image)."""
    return once(("image", name), lambda: images.get_image_output(name=name, most_recent=True).id)


def project_id(scope: pulumi.Input[str]) -> pulumi.Output[str]:
    """The Keystone project the platform lives in: the placement's, else the credentials' project."""
    return pulumi.Output.from_input(scope).apply(
        lambda given: pulumi.Output.from_input(given) if given else auth_scope().project_id)


def external_network_id(settings: OpenStackSettings) -> pulumi.Output[str]:
    """The operator's external network (by name when configured, else the cloud's only one)."""
    return networking.get_network_output(external=True, name=settings.external_network).id


def platform_router_port(network_id: pulumi.Input[str], subnet_id: pulumi.Input[str]
                         ) -> pulumi.Output[networking.GetPortResult]:
    """The platform router's port on the services subnet (its gateway address).

    virtual_network hands on the subnet only once the router interface exists, so deriving an
    argument from subnet_id makes the look-up wait for the port on a first `pulumi up`.
    """
    def lookup() -> pulumi.Output[networking.GetPortResult]:
        gateway = pulumi.Output.from_input(subnet_id).apply(lambda _: GATEWAY_IP)
        return networking.get_port_output(network_id=network_id, fixed_ip=gateway)

    return once(("platform_router_port", network_id, subnet_id), lookup)


def subnet_cidr(subnet_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The address range of a subnet (the services subnet, or an enclave's own)."""
    return once(("subnet_cidr", subnet_id), lambda: networking.get_subnet_output(subnet_id=subnet_id).cidr)


def object_store_root(scope: identity.GetAuthScopeResult) -> str:
    """The root URL of the public object-store endpoint, in the credentials' region, from their catalogue."""
    for service in scope.service_catalogs:
        if service.type != "object-store":
            continue
        for endpoint in service.endpoints:
            if endpoint.interface == "public" and (not scope.region or endpoint.region == scope.region):
                return "{0.scheme}://{0.netloc}".format(urlsplit(endpoint.url))
    raise ValueError(f"the credentials' service catalogue has no public object-store endpoint in region "
                     f"{scope.region!r}: is Swift offered there?")


def s3_base_url() -> pulumi.Output[str]:
    """Swift's s3api answers at the root of the object-store endpoint, path-style (https://host/bucket).

    The endpoint comes from the credentials' own service catalogue, in the provider's region: listing
    Keystone's endpoints (identity.getEndpoint) needs admin rights, which a cloud's tenant (an OVHcloud
    project user) does not have.
    """
    return once(("s3_base_url",), lambda: auth_scope().apply(object_store_root))


def roles_held(roles: tuple[str, ...], scope: identity.GetAuthScopeResult) -> list[str]:
    """`roles`, if the credentials hold every one of them in their project.

    Keystone refuses to delegate a role its creator does not hold (an application credential with
    `member` from an OVHcloud user who holds OVHcloud's own roles): said here, before anything is created.
    """
    held = {role.role_name for role in scope.roles}
    missing = [role for role in roles if role not in held]
    if missing:
        raise ValueError(f"hdh:workloadRoles: the deploying user does not hold {', '.join(missing)} in its "
                         f"project (it holds {', '.join(sorted(held)) or 'no role'}); set hdh:workloadRoles "
                         "to roles it holds")
    return list(roles)


def holding(roles: tuple[str, ...]) -> pulumi.Output[list[str]]:
    """`roles`, once the deploying credentials are known to hold them (see roles_held)."""
    return auth_scope().apply(lambda scope: roles_held(roles, scope))


def per_user(name: str) -> str:
    """The name of something the deploying user owns across projects (key pairs, application credentials): two
    stacks deployed by one user, staging and production or two platforms, would otherwise take each other's
    names and stop at create. The stack's name keeps them apart."""
    return f"{pulumi.get_stack()}-{name}"
