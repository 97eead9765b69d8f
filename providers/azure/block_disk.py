"""Persistent block disks on Azure: managed disks under the customer key, never exportable."""
from __future__ import annotations

import pulumi

from providers.azure.iaas import managed_disk
from providers.base import ServiceComponent


class BlockDisk(ServiceComponent):
    """block_disk with Azure Managed Disks (Premium SSD): encrypted with the customer key through the
    disk encryption set, export and import URLs refused (network access policy DenyAll, public network
    access disabled), protected and retained on delete. Attached to a VM by whoever uses it; the
    backup vault's tag-based enrolment backs up the VMs that carry it.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        disk = managed_disk(self.role("disk"), self.placement, self.sizing.data_disk_gb, self.tags, self.keep())
        return disk.id, self.placement.key_ref
