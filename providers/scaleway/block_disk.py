"""block_disk on Scaleway: a Block Storage volume, protected and retained."""
from __future__ import annotations

import pulumi
from pulumiverse_scaleway import block

from providers.contract import tag_list
from providers.scaleway.common import ScalewayService
from providers.scaleway.iaas import DATA_DISK_IOPS, GUEST_ENCRYPTED


class BlockDisk(ScalewayService):
    """Abstract service block_disk, with Scaleway Block Storage.

    A data volume of the default data-disk size (5,000 IOPS class) in the stack's zone, protected and
    retained. The volume is attached by the machine that uses it: an attachment here would tie the disk's
    life to one Instance. Block Storage takes no customer key: Scaleway encrypts its disks with keys it
    manages, and its HDS guide (2025-11-12) asks that health data be encrypted in the guest (LUKS) and
    crypto-shredded on deletion. The volume is for the platform's own machines, which format a blank data
    disk only as LUKS2 bound to the platform's Tang servers (hdh-data-disk), and it says so in its tags
    (GUEST_ENCRYPTED), which the policy pack reads. Snapshots (block.Snapshot) are backup_vault's business.
    The endpoint is the volume id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        volume = block.Volume(
            self.role("volume"), name=self.scoped("disk"), iops=DATA_DISK_IOPS, size_in_gb=self.sizing.data_disk_gb,
            zone=self.settings.zone, tags=tag_list({**self.tags, **GUEST_ENCRYPTED}), opts=self.keep())
        return volume.id, self.data_key_ref()
