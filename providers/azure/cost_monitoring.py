"""Cost monitoring on Azure: a daily Cost Management export of the platform resource group's costs into
a private storage container, and a shared cost analysis view per research project and per service."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import costmanagement, storage

from providers.azure.arm import STORAGE_BLOB_DATA_CONTRIBUTOR, grant, resource_group_id
from providers.azure.storage_account import AccountShape, blob_container, blob_endpoint, blob_service, storage_account
from providers.base import ServiceComponent

# Cost Management writes through the trusted-services path of the storage firewall, with its own identity;
# Azure honours that path only with public network access Enabled behind deny-by-default rules.
SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_ZRS, endpoints=("blob",),
                     access_tier=storage.AccessTier.COOL, trusted_services=True)
CONTAINER = "cost-exports"


class CostMonitoring(ServiceComponent):
    """cost_monitoring with Microsoft Cost Management exports: the shared storage account (customer key,
    private endpoint, firewall denying all but trusted services, versioning), an export of the
    resource group's actual cost, month to date, every day, as CSV, written with the export's
    managed identity, and a shared Cost analysis view grouped by the hdh-enclave and hdh-service tags.

    FOCUS: the SDK's Exports API version (2024-08-01) declares ActualCost, AmortizedCost and Usage only,
    and no dataset version to ask for FOCUS 1.0; the ActualCost columns map onto FOCUS downstream.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        account = storage_account(self, SHAPE)
        service = blob_service(self, account, versioning=True)
        blob_container(self, account, CONTAINER, depends_on=service)
        scope = resource_group_id(self)
        export = costmanagement.Export(
            self.role("daily"), export_name=self.name.replace("-", ""), scope=scope,
            definition=costmanagement.ExportDefinitionArgs(
                type=costmanagement.ExportType.ACTUAL_COST, timeframe=costmanagement.TimeframeType.MONTH_TO_DATE,
                data_set=costmanagement.ExportDatasetArgs(granularity=costmanagement.GranularityType.DAILY)),
            delivery_info=costmanagement.ExportDeliveryInfoArgs(destination=costmanagement.ExportDeliveryDestinationArgs(
                resource_id=account.id, container=CONTAINER, root_folder_path=self.name)),
            format=costmanagement.FormatType.CSV,
            # No recurrence period: the API wants its start in the future, which a fixed date stops being;
            # without one the schedule starts when the export is created and does not end.
            schedule=costmanagement.ExportScheduleArgs(recurrence=costmanagement.RecurrenceType.DAILY,
                                                       status=costmanagement.StatusType.ACTIVE),
            identity=costmanagement.SystemAssignedServiceIdentityArgs(
                type=costmanagement.SystemAssignedServiceIdentityType.SYSTEM_ASSIGNED),
            location=p.region, opts=self.child())
        principal = export.identity.apply(lambda i: (i.principal_id if i else None) or "")
        grant(self, "export-writer", account.id, STORAGE_BLOB_DATA_CONTRIBUTOR, principal,
              "hdhport: Cost Management writes the daily cost export")
        tag = costmanagement.QueryColumnType.TAG_KEY
        costmanagement.ViewByScope(
            self.role("view"), view_name=self.name.replace("-", ""), scope=scope,
            display_name="HDH cost per research project", type=costmanagement.ReportType.USAGE,
            timeframe=costmanagement.ReportTimeframeType.MONTH_TO_DATE, chart=costmanagement.ChartType.STACKED_COLUMN,
            accumulated=costmanagement.AccumulatedType.FALSE, metric=costmanagement.MetricType.ACTUAL_COST,
            data_set=costmanagement.ReportConfigDatasetArgs(
                granularity=costmanagement.ReportGranularityType.DAILY,
                aggregation={"totalCost": costmanagement.ReportConfigAggregationArgs(
                    name="Cost", function=costmanagement.FunctionType.SUM)},
                grouping=[costmanagement.ReportConfigGroupingArgs(name="hdh-enclave", type=tag)]),
            pivots=[costmanagement.PivotPropertiesArgs(name="hdh-service", type=costmanagement.PivotTypeType.TAG_KEY),
                    costmanagement.PivotPropertiesArgs(name="ServiceName", type=costmanagement.PivotTypeType.DIMENSION),
                    costmanagement.PivotPropertiesArgs(name="ResourceId", type=costmanagement.PivotTypeType.DIMENSION)],
            kpis=[costmanagement.KpiPropertiesArgs(type=costmanagement.KpiTypeType.FORECAST, enabled=True)],
            opts=self.child())
        return blob_endpoint(account, CONTAINER), p.key_ref
