"""disk_encryption on OpenStack: Cinder's encrypted volume type, checked by a canary volume."""
from __future__ import annotations

import pulumi
from pulumi_openstack import blockstorage

from providers.openstack.common import OpenStackService


class DiskEncryption(OpenStackService):
    """Abstract service disk_encryption, with Cinder encrypted volume types (front-end LUKS, keys in Barbican).

    With an encrypted volume type, Nova opens each volume with dm-crypt on the hypervisor and Cinder
    keeps one key per volume in Barbican: data is encrypted before it leaves the host, in the
    storage back end and in its backups.

    The type itself is the operator's: creating an encryption spec is admin-only under Cinder's
    default policy, and pulumi-openstack cannot set one anyway (VolumeTypeV3 has extra specs, no
    encryption block), so a type created here would only look encrypted. The type's name comes
    from `hdh:encryptedVolumeType` (default "LUKS"). What the platform can do is prove the type
    works before any data lands: a 1 GB canary volume of that type, protected and retained, is
    created first, and disk_encryption_ref is handed on from the canary, so every data volume of the
    platform waits for the canary and a missing or unusable type stops `pulumi up` before any data
    volume exists. That the type is encrypted (not only present) is the operator's statement to
    check once: `openstack volume type show <type>` lists its `encryption` (provider luks, cipher
    aes-xts-plain64, key size 256, control location front-end). Ephemeral Nova disks are not
    covered: the platform's VMs boot from volumes of this type. Provides disk_encryption_ref.
    """

    PROVIDES = ("disk_encryption_ref",)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        volume_type = self.settings.encrypted_volume_type
        canary = blockstorage.Volume(
            self.role("canary"), name=self.scoped("encryption-canary"), size=1, volume_type=volume_type,
            description=f"proves the encrypted volume type {volume_type!r} exists and attaches keys from Barbican",
            metadata=self.tags, volume_retype_policy="never", opts=self.keep())
        ref = canary.volume_type.apply(lambda name: name or volume_type)
        self.provide(disk_encryption_ref=ref)
        return ref, None
