"""What cpu_vm and gpu_vm share on Azure: a research project's private Linux machine, built with the
family's IaaS primitives (AzureIaas) so self-hosted services and research VMs are secured the same way."""
from __future__ import annotations

import pulumi

from providers.azure.iaas import ADMIN_USER, AzureIaas
from providers.base import ServiceComponent
from providers.selfhosted.iaas import ADMIN_SOURCE, Ingress, ServerRequest

#: The only ways in: SSH and RDP from the bastion (its own AzureBastionSubnet) and from the virtual desktop
#: hosts (services subnet); AzureIaas resolves ADMIN_SOURCE to both.
RESEARCH_INGRESS = (
    Ingress(port=22, source=ADMIN_SOURCE, description="SSH from the bastion"),
    Ingress(port=3389, source=ADMIN_SOURCE, description="RDP from the bastion and the virtual desktop hosts"),
)

# Holds no secret: researchers sign in through the bastion / desktop with their directory identity.
CLOUD_CONFIG = """#cloud-config
package_update: true
package_upgrade: true
packages:
  - unattended-upgrades
  - auditd
write_files:
  - path: /etc/hdh/machine.env
    permissions: "0644"
    content: |
      HDH_SERVICE={service}
      HDH_ENCLAVE={enclave}
  - path: /usr/local/sbin/hdh-data-disk
    permissions: "0700"
    content: |
      #!/bin/sh
      # Mount the project's data disk (Azure LUN 0) on /srv/data; format it only if blank.
      set -eu
      disk=/dev/disk/azure/scsi1/lun0
      [ -e "$disk" ] || exit 0
      blkid "$disk" >/dev/null 2>&1 || mkfs.ext4 -q -L hdh-data "$disk"
      mkdir -p /srv/data
      grep -q hdh-data /etc/fstab || echo "LABEL=hdh-data /srv/data ext4 defaults,nofail 0 2" >> /etc/fstab
      mount -a
runcmd:
  - [/usr/local/sbin/hdh-data-disk]
  - [systemctl, enable, --now, auditd]
  - [systemctl, enable, --now, unattended-upgrades]
"""


def build_research_vm(owner: ServiceComponent, flavor: str, *, scale_set: bool) -> pulumi.Output[str]:
    """One private machine of `flavor` in the owner's subnet (the enclave's for a project); its SSH URL."""
    request = ServerRequest(
        role="vm", flavor=flavor, image=owner.sizing.image,
        user_data=CLOUD_CONFIG.format(service=owner.spec.id, enclave=owner.enclave or "platform"),
        ingress=RESEARCH_INGRESS, subnet_id=owner.placement.subnet_id,
        data_disk_gb=owner.sizing.data_disk_gb, keeps_state=owner.spec.data_bearing)
    servers = AzureIaas(owner.placement, owner.tags).servers(owner, owner.name, request, scale_set=scale_set)
    return servers.private_ips[0].apply(lambda ip: f"ssh://{ADMIN_USER}@{ip}")
