"""Which class implements each catalogue service natively on OpenStack (pulumi-openstack).

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
"""

IMPLEMENTATIONS: dict[str, str] = {
    "archive_storage": "providers.openstack.archive_storage:ArchiveStorage",
    "block_disk": "providers.openstack.block_disk:BlockDisk",
    "certificate_management": "providers.openstack.certificate_management:CertificateManagement",
    "cpu_vm": "providers.openstack.cpu_vm:CpuVm",
    "data_lake": "providers.openstack.data_lake:DataLake",
    "disk_encryption": "providers.openstack.disk_encryption:DiskEncryption",
    "file_share": "providers.openstack.file_share:FileShare",
    "gpu_vm": "providers.openstack.gpu_vm:GpuVm",
    "key_management": "providers.openstack.key_management:KeyManagement",
    "kubernetes": "providers.openstack.kubernetes:Kubernetes",
    "load_balancer": "providers.openstack.load_balancer:LoadBalancer",
    "nat_egress": "providers.openstack.nat_egress:NatEgress",
    "object_storage": "providers.openstack.object_storage:ObjectStorage",
    "perimeter_firewall": "providers.openstack.perimeter_firewall:PerimeterFirewall",
    "private_dns": "providers.openstack.private_dns:PrivateDns",
    "private_endpoints": "providers.openstack.private_endpoints:PrivateEndpoints",
    "rbac": "providers.openstack.rbac:Rbac",
    "relational_database": "providers.openstack.relational_database:RelationalDatabase",
    "secrets_store": "providers.openstack.secrets_store:SecretsStore",
    "security_groups": "providers.openstack.security_groups:SecurityGroups",
    "site_to_site_vpn": "providers.openstack.site_to_site_vpn:SiteToSiteVpn",
    "virtual_network": "providers.openstack.virtual_network:VirtualNetwork",
    "vm_image_catalogue": "providers.openstack.vm_image_catalogue:VmImageCatalogue",
    "workload_identity": "providers.openstack.workload_identity:WorkloadIdentity",
}
IAAS = "providers.openstack.iaas:OpenStackIaas"
LANDING_ZONE = None  # the project comes with the credentials
SETTINGS = "providers.openstack.settings"
