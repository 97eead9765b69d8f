"""Build one service implementation alone on the mock engine, with a fixed placement.

Used by the golden snapshot and contract tests, and by anyone writing an implementation:
`record_service("object_storage", "azure")` returns every resource it registers.
"""
from __future__ import annotations

from functools import cache

from hdhport import paths
from hdhport.loader import load_catalogue
from hdhport.model import Catalogue
from hdhport.planner import EXAMPLE_SSH_KEY, PlanResult, record
from hdhport.resolve import Resolution, Way
from providers.contract import Placement, Sizing

#: Stand-ins for what the foundation services provide on each family; plain strings, so snapshots are stable.
PLACEMENTS = {
    "azure": Placement(
        api_family="azure", region="francecentral", scope="rg-hdh-platform",
        network_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Network/virtualNetworks/vnet-hdh",
        subnet_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Network/virtualNetworks/vnet-hdh/subnets/services",
        key_ref="https://kv-hdh.vault.azure.net/keys/hdh-platform",
        key_vault_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.KeyVault/vaults/kv-hdh",
        identity_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-hdh",
        disk_encryption_ref="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Compute/diskEncryptionSets/des-hdh",
        log_workspace_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.OperationalInsights/workspaces/log-hdh",
        oidc_issuer="https://francecentral.oic.prod-aks.azure.com/tenant/cluster/",
        admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
    "openstack": Placement(
        api_family="openstack", region="gra", scope="",
        network_id="net-hdh-id", subnet_id="subnet-services-id",
        key_ref="https://barbican.example:9311/v1/secrets/hdh-platform",
        disk_encryption_ref="LUKS", admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
    # No disk encryption reference: Scaleway's volumes take no customer key (machines encrypt in the guest).
    "scaleway": Placement(
        api_family="scaleway", region="fr-par", scope="",
        network_id="fr-par/vpc-hdh-id", subnet_id="fr-par/pn-services-id",
        key_ref="fr-par/key-hdh-id", admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
}
SIZINGS = {
    "azure": Sizing(cpu_flavor="Standard_D4s_v5", gpu_flavor="Standard_NC24ads_A100_v4",
                    image="Debian:debian-12:12-gen2:latest"),
    "openstack": Sizing(cpu_flavor="b3-8", gpu_flavor="a100-180", image="Debian 12"),
    "scaleway": Sizing(cpu_flavor="POP2-2C-8G", gpu_flavor="H100-1-80G", image="debian_bookworm"),
}


#: Stack settings a recording gives every implementation, so each builds all it can: the platform's TLS
#: certificate loaded through the stack (stand-ins; the recorder redacts secrets anyway).
RECORDING_CONFIG = {"hdh:tlsCertificate": "-----BEGIN CERTIFICATE-----\nrecorded\n-----END CERTIFICATE-----",
                    "hdh:tlsPrivateKey": "recorded stand-in of the private key"}


@cache
def catalogue() -> Catalogue:
    return load_catalogue(paths.CATALOGUE)


def record_service(service_id: str, family: str, api_family: str | None = None,
                   enclave: str | None = None) -> PlanResult:
    """Record one implementation: `family` is the registry family (azure, openstack, selfhosted);
    `api_family` the cloud it runs on (defaults to `family`; required for selfhosted)."""
    from providers.build import build_service

    api = api_family or family
    service = catalogue().service(service_id)
    impl = service.implementation(api)
    product = impl.product if family != "selfhosted" or impl.kind == "self-hosted" else impl.fallback
    way: Way = "self-hosted" if family == "selfhosted" else "native"
    resolution = Resolution(service_id, way, family, product or service.name, "recorded alone")
    return record(lambda: build_service(service, resolution, PLACEMENTS[api], SIZINGS[api], enclave),
                  stack=f"{service_id}-{family}", config=dict(RECORDING_CONFIG))
