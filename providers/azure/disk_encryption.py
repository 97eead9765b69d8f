"""Server-side encryption of every managed disk with the customer's key: one Disk Encryption Set that
VMs, data disks, AKS nodes and image replicas name instead of the key itself."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import compute

from providers.base import ServiceComponent


class DiskEncryption(ServiceComponent):
    """disk_encryption with an Azure Disk Encryption Set holding the platform key (from key_management).

    No key of its own: the set points at the versionless platform key and follows its rotations, and
    reaches it with the platform's encryption identity, already granted the key by key_management.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("disk_encryption_ref",)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        encryption_set = compute.DiskEncryptionSet(
            self.role("des"), resource_group_name=self.placement.scope, location=self.placement.region,
            encryption_type=compute.DiskEncryptionSetType.ENCRYPTION_AT_REST_WITH_CUSTOMER_KEY,
            identity=compute.EncryptionSetIdentityArgs(
                type=compute.DiskEncryptionSetIdentityType.USER_ASSIGNED,
                user_assigned_identities=[self.placement.identity_id]),
            active_key=compute.KeyForDiskEncryptionSetArgs(
                key_url=self.placement.key_ref, source_vault=compute.SourceVaultArgs(id=self.placement.key_vault_id)),
            # Disks re-wrap their keys with each new key version within an hour of its creation.
            rotation_to_latest_key_version_enabled=True,
            tags=self.tags,
            # Deleting the set leaves every disk that names it unreadable.
            opts=self.keep())
        self.provide(disk_encryption_ref=encryption_set.id)
        return encryption_set.id, None
