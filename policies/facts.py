"""What the policies need to know about the platform: data-bearing types, edge services, EU locations."""
from __future__ import annotations

from hdhport.addresses import ENCLAVES_CIDR

__all__ = ["DATA_BEARING_TYPES", "EDGE_SERVICES", "ENCLAVES_CIDR", "EU_AZURE_LOCATIONS", "EU_SCALEWAY_REGIONS",
           "MANAGEMENT_PORTS", "REQUIRED_TAGS"]

#: Resource types that hold data (health data unless tagged data-classification=internal).
DATA_BEARING_TYPES = frozenset({
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:FileShare",
    "azure-native:compute:Disk",
    "azure-native:dbforpostgresql:Server",
    "azure-native:recoveryservices:Vault",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:keyvault:ManagedHsm",
    "azure-native:containerregistry:Registry",
    "azure-native:operationalinsights:Workspace",
    "azure-native:servicebus:Namespace",
    "azure-native:machinelearningservices:Workspace",
    "azure-native:compute:Gallery",
    "openstack:blockstorage/volume:Volume",
    "openstack:objectstorage/container:Container",
    "openstack:sharedfilesystem/share:Share",
    "openstack:database/instance:Instance",
    "openstack:keymanager/orderV1:OrderV1",
    "openstack:keymanager/secretV1:SecretV1",
    "openstack:images/image:Image",
    "scaleway:block/volume:Volume",
    "scaleway:object/bucket:Bucket",
    "scaleway:databases/instance:Instance",
    "scaleway:keymanager/key:Key",
    "scaleway:secrets/secret:Secret",
})

#: Services that legitimately face outward (the platform's edge); all others are private.
EDGE_SERVICES = frozenset({"bastion", "perimeter_firewall", "nat_egress", "site_to_site_vpn", "waf_gateway",
                           "ddos_protection"})

#: Ports whose exposure to anywhere is never acceptable.
MANAGEMENT_PORTS = frozenset({22, 23, 135, 139, 445, 3389, 5985, 5986, 5900, 2375, 2376, 6443, 10250})

REQUIRED_TAGS = ("hdh-service", "hdh-enclave", "data-classification")

#: Azure locations in EU member states, plus `global` (location-less resources such as private DNS zones).
#: Source: Azure geographies (azure.microsoft.com/explore/global-infrastructure/geographies) [K], read 2026-11-22.
EU_AZURE_LOCATIONS = frozenset({
    "francecentral", "francesouth", "germanywestcentral", "germanynorth", "westeurope", "northeurope",
    "swedencentral", "swedensouth", "italynorth", "polandcentral", "spaincentral", "austriaeast",
    "belgiumcentral", "denmarkeast", "global",
})

#: Scaleway regions in EU member states (a zone is its region plus -N): Paris, Amsterdam, Warsaw (Scaleway's
#: product availability guide, validated 2025-12-04) and Milan (its Audit Trail integration page, 2026-09-02).
EU_SCALEWAY_REGIONS = frozenset({"fr-par", "nl-ams", "pl-waw", "it-mil"})
