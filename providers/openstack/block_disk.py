"""block_disk on OpenStack: a Cinder volume of the encrypted volume type."""
from __future__ import annotations

import pulumi
from pulumi_openstack import blockstorage

from providers.openstack.common import OpenStackService


class BlockDisk(OpenStackService):
    """Abstract service block_disk, with OpenStack Cinder.

    A data volume of the default data-disk size, of the encrypted volume type disk_encryption hands
    on (front-end LUKS, one key per volume in Barbican), protected and retained. Online resize is
    allowed; retyping is refused (`never`) so no migration can move the data to an unencrypted type.
    The volume is attached by the machine that uses it (the VMs attach their own at boot): an
    attachment here would tie the disk's life to one instance. The endpoint is the volume id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        volume = blockstorage.Volume(
            self.role("volume"), name=self.scoped("disk"), description=self.description,
            size=self.sizing.data_disk_gb, volume_type=self.encrypted_volume_type(),
            enable_online_resize=True, volume_retype_policy="never", metadata=self.tags, opts=self.keep())
        return volume.id, self.data_key_ref()
