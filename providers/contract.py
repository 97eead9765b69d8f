"""The contract every implementation of every catalogue service honours, whatever the cloud.

Same Args in (`ServiceArgs`), same outputs out (`ServiceOutputs`): that sameness is what makes
portability checkable. Cloud-specific detail stays inside the implementations; what services share
(network, keys, scope) travels in `Placement`, filled by the foundation services as they are built.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, TypedDict

import pulumi

Classification = Literal["health-pseudonymised", "internal"]


@dataclass(frozen=True)
class Placement:
    """Where a service is built and what it may rely on; the same fields on every API family."""

    api_family: str
    """API family the platform is built on (azure, openstack): which IaaS primitives self-hosted use."""
    region: str
    """Region id from the profile (e.g. francecentral, GRA); checked to be in the EU before any build."""
    scope: pulumi.Input[str] = ""
    """Azure resource group name; OpenStack project id ("" = the credentials' project)."""
    network_id: pulumi.Input[str] = ""
    """Virtual network (Azure VNet id / Neutron network id) built by the virtual_network service."""
    subnet_id: pulumi.Input[str] = ""
    """Platform services subnet, private only."""
    key_ref: pulumi.Input[str] = ""
    """Customer-managed key reference (Key Vault key id / Barbican secret ref / OpenBao transit key)."""
    key_vault_id: pulumi.Input[str] = ""
    """Azure Key Vault id holding key_ref ("" on OpenStack, where Barbican needs no container)."""
    identity_id: pulumi.Input[str] = ""
    """Identity allowed to use key_ref (Azure user-assigned identity id; "" on OpenStack)."""
    disk_encryption_ref: pulumi.Input[str] = ""
    """How disks get the customer key (Azure DiskEncryptionSet id / Cinder encrypted volume type)."""
    log_workspace_id: pulumi.Input[str] = ""
    """Where diagnostics go (Azure Log Analytics workspace id; "" when logs are shipped by agents)."""
    log_endpoint_id: pulumi.Input[str] = ""
    """Where the machines' log agents read their collection rules from and send through, over Private Link (the
    Azure data collection endpoint); "" where the machines' own agents ship to the self-hosted log service."""
    log_linux_rule_id: pulumi.Input[str] = ""
    """The collection rule every Linux machine is associated with (the Azure syslog data collection rule)."""
    log_windows_rule_id: pulumi.Input[str] = ""
    """The collection rule every Windows machine is associated with (the Azure event-log data collection rule:
    the virtual desktop session hosts)."""
    oidc_issuer: pulumi.Input[str] = ""
    """OpenID Connect issuer of the Kubernetes service's service-account tokens (the AKS cluster's issuer
    URL), which workload_identity trusts; "" where the cluster publishes none or is not built yet."""
    certificate_vault_id: pulumi.Input[str] = ""
    """Where certificate_management keeps the platform's TLS material, where it is native on Azure (its Key Vault's
    id; consumers are granted their own secret there); "" elsewhere."""
    tls_certificate_ref: pulumi.Input[str] = ""
    """The platform's TLS server certificate as certificate_management loaded it from the stack (hdh:tlsCertificate):
    the Key Vault secret id (versionless) on Azure; "" when the stack gives none, or where it is not handed on."""
    tls_inspection_ca_ref: pulumi.Input[str] = ""
    """The CA the perimeter firewall re-signs inspected TLS with, as certificate_management loaded it from the stack
    (hdh:tlsInspectionCertificate): the Key Vault secret id on Azure; "" when the stack gives none."""
    dns_zone: pulumi.Input[str] = ""
    """The private zone the platform's names are published in, where private_dns is native (the Azure private
    DNS zone's name in the scope, the Designate zone's id); "" where none exists yet or it is self-hosted."""
    workload_principal: pulumi.Input[str] = ""
    """The scope's workload identity as the object store's own access policy names it (Scaleway bucket policies:
    `application_id:<id>` of workload_identity's IAM application); "" where the identity's grants live in the
    identity service itself (Azure role assignments, Keystone access rules) or no workload identity is built."""
    admin_ssh_public_key: str = ""
    """Operators' SSH public key for the VMs (reached through the bastion only)."""
    dns_resolvers: str = ""
    """Where private_dns is self-hosted: the machine-name stem of its recursors (`private-dns-pdns`), whose
    machines <stem>-0 and <stem>-1 every other machine finds through the network's own DNS and then uses as
    its resolvers; "" elsewhere. Known before anything is built (providers/selfhosted/bootstrap.py)."""
    dns_aliases: str = ""
    """Where those recursors answer a service's name with another component's machines (the machines' own
    secrets store and CA, built beside a native product): `label=component` pairs, comma-separated."""

    def with_(self, **changes: Any) -> Placement:
        return replace(self, **changes)


@dataclass(frozen=True)
class Sizing:
    """Machine sizes and image, from the profile's flavors unless the stack config overrides them."""

    cpu_flavor: str
    gpu_flavor: str
    image: str
    """OpenStack image name, or an Azure image URN publisher:offer:sku:version."""
    data_disk_gb: int = 100


@dataclass(frozen=True)
class ServiceSpec:
    """What the catalogue says of the service being built, as the implementation needs it."""

    id: str
    family: str
    product: str
    interface: str
    """The open interface applications use (the catalogue's first)."""
    data_bearing: bool
    implementation: Literal["native", "self-hosted"]

    @property
    def component_type(self) -> str:
        """Pulumi type token of the component: hdh:<family>:<Service>, the same on every cloud."""
        return f"hdh:{self.family}:{''.join(part.title() for part in self.id.split('_'))}"


class ServiceArgs(TypedDict):
    """The arguments of every service implementation, on every API family."""

    spec: ServiceSpec
    """The catalogue's description of the service (id, family, product, interface, data-bearing)."""
    placement: Placement
    """Region, network, keys and scope shared by the platform."""
    sizing: Sizing
    """Flavors, image and default data disk size."""
    tags: dict[str, str]
    """Tags every resource carries: hdh-service, hdh-enclave, data-classification, managed-by."""
    enclave: str | None
    """Research project this instance belongs to, or None for a platform-wide service."""


class ServiceOutputs(TypedDict):
    """What every implementation exports; the same keys on every API family (hdhport.model.OUTPUT_KEYS)."""

    service: str
    implementation: str
    product: str
    interface: str
    endpoint: pulumi.Output[str]
    region: str
    key_ref: pulumi.Output[str]
    private: bool


def tag_list(tags: dict[str, str]) -> list[str]:
    """Tags for clouds whose tags are plain strings (Neutron, Octavia, Glance, Scaleway): key=value keeps them
    greppable, sorted so plans are stable."""
    return [f"{key}={value}" for key, value in sorted(tags.items())]


def tags_for(service_id: str, enclave: str | None, data_bearing: bool) -> dict[str, str]:
    classification: Classification = "health-pseudonymised" if data_bearing else "internal"
    return {"hdh-service": service_id, "hdh-enclave": enclave or "platform",
            "data-classification": classification, "managed-by": "hdhport"}


def safe_name(text: str, limit: int, separator: str = "-") -> str:
    """A resource name cloud APIs accept: lowercase letters, digits and one separator, within `limit`."""
    cleaned = re.sub(r"[^a-z0-9]+", separator, text.lower()).strip(separator)
    return cleaned[:limit].rstrip(separator) or "hdh"
