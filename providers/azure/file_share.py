"""Shared POSIX folders on Azure: Azure Files premium NFS 4.1 shares behind a private endpoint."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.storage_account import SOFT_DELETE_DAYS, AccountShape, container_name, metadata, storage_account
from providers.base import ServiceComponent

# NFS exists only on premium FileStorage accounts. Trusted services pass the firewall for Azure Backup, which
# Azure honours only with public network access Enabled behind deny-by-default rules.
SHAPE = AccountShape(kind=storage.Kind.FILE_STORAGE, sku=storage.SkuName.PREMIUM_ZRS, endpoints=("file",),
                     access_tier=None, trusted_services=True)
QUOTA_GIB = 1024  # provisioned size: premium shares bill, and perform, by provisioned GiB


class FileShare(ServiceComponent):
    """file_share with Azure Files: a premium FileStorage account (see storage_account for its customer
    key and network settings), share soft delete, and one NFS 4.1 share with root squash: the project's
    own for an enclave instance, in an account only the enclave's subnet reaches.

    The account keeps "secure transfer required": NFS clients mount with Azure's AZNFS helper, which
    carries NFS over TLS (encryption in transit), so no share is reachable in clear.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = storage_account(self, SHAPE)
        service = storage.FileServiceProperties(
            self.role("file-service"), resource_group_name=self.placement.scope, account_name=account.name,
            file_services_name="default",
            share_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS),
            opts=self.child())
        name = container_name(self, "shared")
        share = storage.FileShare(
            self.role(f"share-{name}"), resource_group_name=self.placement.scope, account_name=account.name,
            share_name=name, enabled_protocols=storage.EnabledProtocols.NFS,
            root_squash=storage.RootSquashType.ROOT_SQUASH, share_quota=QUOTA_GIB,
            access_tier=storage.ShareAccessTier.PREMIUM, metadata=metadata(self),
            opts=self.keep(depends_on=[service]))
        return pulumi.Output.all(account.name, share.name).apply(
            lambda parts: f"{parts[0]}.file.core.windows.net:/{parts[0]}/{parts[1]}"), self.placement.key_ref
