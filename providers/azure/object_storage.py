"""Object storage on Azure: Blob Storage behind a private endpoint, under the customer key."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.storage_account import (AccountShape, blob_container, blob_endpoint, blob_service,
                                             container_name, storage_account)
from providers.base import ServiceComponent

SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_ZRS, endpoints=("blob",),
                     version_immutability=True)


class ObjectStorage(ServiceComponent):
    """object_storage with Azure Blob Storage: a StorageV2 account (zone-redundant; see storage_account
    for its encryption and network settings) with blob versioning, a change feed, soft delete of blobs
    and containers, support for immutability policies on versions (to lock an export under review), and
    one private container: the project's own for an enclave instance, in an account of its own that
    only the enclave's subnet reaches.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = storage_account(self, SHAPE)
        service = blob_service(self, account, versioning=True)
        name = container_name(self, "data")
        blob_container(self, account, name, depends_on=service)
        return blob_endpoint(account, name), self.placement.key_ref
