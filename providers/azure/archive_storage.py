"""Long-term archive on Azure: Blob Storage archive tier under a time-based immutability policy."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.storage_account import (AccountShape, blob_container, blob_endpoint, blob_service,
                                             storage_account)
from providers.base import ServiceComponent

# The archive tier exists on LRS, GRS and RA-GRS accounts only, not zone-redundant ones; GRS keeps a copy
# in the paired region (France South for France Central), inside the same geography.
SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_GRS, endpoints=("blob",),
                     access_tier=storage.AccessTier.COOL)
RETENTION_DAYS = 3650  # closed projects' data kept ten years for audit and reproducibility
ARCHIVE_AFTER_DAYS = 30  # a month in the cool tier to verify checksums before rehydration costs hours


class ArchiveStorage(ServiceComponent):
    """archive_storage with the Azure Blob Storage archive tier: the shared storage account (see
    storage_account), soft delete, an `archive` container under a ten-year time-based immutability
    (WORM) policy, and a lifecycle rule moving blobs to the archive tier a month after they are written.

    The immutability policy is created unlocked: locking is irreversible (afterwards the retention can
    only grow), so the data protection officer locks it once the retention period is confirmed.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = storage_account(self, SHAPE)
        # Container-level WORM forbids overwrites and deletes already; versions would only duplicate data.
        service = blob_service(self, account, versioning=False)
        container = blob_container(self, account, "archive", depends_on=service)
        storage.BlobContainerImmutabilityPolicy(
            self.role("worm"), resource_group_name=self.placement.scope, account_name=account.name,
            container_name=container.name, immutability_period_since_creation_in_days=RETENTION_DAYS,
            allow_protected_append_writes=False, opts=self.keep())
        storage.ManagementPolicy(
            self.role("lifecycle"), resource_group_name=self.placement.scope, account_name=account.name,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(rules=[storage.ManagementPolicyRuleArgs(
                name="to-archive-tier", type=storage.RuleType.LIFECYCLE, enabled=True,
                definition=storage.ManagementPolicyDefinitionArgs(
                    filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"], prefix_match=["archive/"]),
                    actions=storage.ManagementPolicyActionArgs(base_blob=storage.ManagementPolicyBaseBlobArgs(
                        tier_to_archive=storage.DateAfterModificationArgs(
                            days_after_modification_greater_than=ARCHIVE_AFTER_DAYS)))))]),
            opts=self.child())
        return blob_endpoint(account, "archive"), self.placement.key_ref
