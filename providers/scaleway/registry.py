"""Which class implements each catalogue service natively on Scaleway (pulumiverse-scaleway), and the
family's IaaS primitives and settings.

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
"""

IMPLEMENTATIONS: dict[str, str] = {
    "archive_storage": "providers.scaleway.archive_storage:ArchiveStorage",
    "block_disk": "providers.scaleway.block_disk:BlockDisk",
    "cpu_vm": "providers.scaleway.cpu_vm:CpuVm",
    "data_lake": "providers.scaleway.data_lake:DataLake",
    "gpu_vm": "providers.scaleway.gpu_vm:GpuVm",
    "key_management": "providers.scaleway.key_management:KeyManagement",
    "nat_egress": "providers.scaleway.nat_egress:NatEgress",
    "private_endpoints": "providers.scaleway.private_endpoints:PrivateEndpoints",
    "object_storage": "providers.scaleway.object_storage:ObjectStorage",
    "rbac": "providers.scaleway.rbac:Rbac",
    "relational_database": "providers.scaleway.relational_database:RelationalDatabase",
    "security_groups": "providers.scaleway.security_groups:SecurityGroups",
    "virtual_network": "providers.scaleway.virtual_network:VirtualNetwork",
    "vm_image_catalogue": "providers.scaleway.vm_image_catalogue:VmImageCatalogue",
    "workload_identity": "providers.scaleway.workload_identity:WorkloadIdentity",
}
IAAS = "providers.scaleway.iaas:ScalewayIaas"
LANDING_ZONE = None  # the project comes with the credentials
SETTINGS = "providers.scaleway.settings"
