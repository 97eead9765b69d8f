"""The data lake on Azure: Data Lake Storage Gen2 (a storage account with a hierarchical namespace)."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.storage_account import AccountShape, blob_container, blob_service, storage_account
from providers.base import ServiceComponent

# dfs for Spark's abfs:// driver, blob for tools speaking the Blob API: ADLS clients use both.
SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_ZRS, endpoints=("dfs", "blob"),
                     hierarchical_namespace=True)
FILESYSTEMS = ("raw", "curated")


class DataLake(ServiceComponent):
    """data_lake with Azure Data Lake Storage Gen2: the shared storage account (see storage_account) with
    a hierarchical namespace, soft delete of blobs and containers (blob versioning is not offered with a
    hierarchical namespace), and two file systems: `raw` as delivered, `curated` as prepared for Spark.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = storage_account(self, SHAPE)
        service = blob_service(self, account, versioning=False)
        for filesystem in FILESYSTEMS:
            blob_container(self, account, filesystem, depends_on=service)
        return account.primary_endpoints.apply(lambda endpoints: endpoints.dfs or ""), self.placement.key_ref
