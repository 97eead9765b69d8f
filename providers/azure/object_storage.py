"""Object storage on Azure: Blob Storage behind a private endpoint, under the customer key."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.arm import STORAGE_BLOB_DATA_CONTRIBUTOR, grant
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
    only the enclave's subnet reaches. The scope's workload identity (placement `workload_principal`, from
    workload_identity) is granted Storage Blob Data Contributor on that container alone: shared keys are off,
    so without it the project's jobs could not read their own data.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = storage_account(self, SHAPE)
        service = blob_service(self, account, versioning=True)
        name = container_name(self, "data")
        container = blob_container(self, account, name, depends_on=service)
        if self.placement.workload_principal:
            grant(self, "workload-data", container.id, STORAGE_BLOB_DATA_CONTRIBUTOR,
                  self.placement.workload_principal, f"{self.scope_name} workload identity: its own container only")
        return blob_endpoint(account, name), self.placement.key_ref
