"""data_catalogue on Azure: a Microsoft Purview account reached only through private endpoints, its
managed ingestion resources closed to public networks too."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import purview

from providers.azure.arm import global_name, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent


class DataCatalogue(ServiceComponent):
    """data_catalogue with Microsoft Purview (Data Map).

    - Public network access disabled on the account and on its managed ingestion resources; the Data
      Map API and the governance portal are reached through private endpoints (account, portal).
    - The managed resource group is named after the platform's (one place to find what Purview made);
      no managed Event Hub (Atlas notifications stay inside the account).
    - A system-assigned identity, to which data owners grant read access for scans.
    - All Purview logs (scans, classification, data-plane access) to the platform's Log Analytics.

    The catalogue holds metadata, glossary and lineage, not health data, so no customer-managed key is
    set (Purview has none); the account is protected anyway, the work it holds being hard to rebuild.

    Limits: scans of private sources run on a self-hosted or managed-VNet integration runtime, whose
    ingestion private endpoints to the account's managed storage are added when the first scan source is
    registered (the managed storage exists only once the account does).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        # Account names are DNS labels under purview.azure.com, shared by every tenant.
        account_name = global_name("pview-hdh", self.name, 63)
        managed_group = pulumi.Output.from_input(p.scope).apply(lambda group: f"{group}-{self.name}-managed"[:90])
        account = purview.Account(
            self.role("account"), resource_group_name=p.scope, location=p.region, account_name=account_name,
            identity=purview.IdentityArgs(type=purview.ManagedIdentityType.SYSTEM_ASSIGNED),
            public_network_access=purview.PublicNetworkAccess.DISABLED,
            managed_resources_public_network_access=purview.PublicNetworkAccess.DISABLED,
            ingestion_storage=purview.IngestionStorageArgs(public_network_access=purview.PublicNetworkAccess.DISABLED),
            managed_event_hub_state=purview.ManagedEventHubState.DISABLED,
            managed_resource_group_name=managed_group,
            tags=self.tags, opts=self.keep())
        private_link(self, account.id, "purview")
        private_link(self, account.id, "purview-portal")
        send_audit_logs(self, "audit", account.id, category_group="allLogs")
        return account.id.apply(lambda _: f"https://{account_name}.purview.azure.com"), None
