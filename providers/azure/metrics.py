"""Metrics on Azure: Azure Monitor managed service for Prometheus, private end to end.

Prometheus data lands in an Azure Monitor workspace through a data collection endpoint and rule. The
endpoint joins the platform's Azure Monitor private link scope (made by log_analytics) so ingestion is
private; the workspace's own private endpoint carries PromQL queries.
"""
from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor

from providers.azure.arm import global_name
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

PROMETHEUS_STREAM = monitor.KnownPrometheusForwarderDataSourceStreams.MICROSOFT_PROMETHEUS_METRICS
DESTINATION = "hdh-metrics"
#: The component log_analytics is built as (infra.program names a platform service after its id). Azure
#: wants one private link scope per network, since the privatelink.monitor.azure.com records are shared:
#: a second scope would take over the names of the first. Placement carries no scope id, so the name
#: log_analytics gives its scope is derived the same way here.
LOG_ANALYTICS_COMPONENT = "log-analytics"


class Metrics(ServiceComponent):
    """metrics with Azure Monitor managed service for Prometheus: an Azure Monitor workspace (public
    access disabled, PromQL through a private endpoint) and a data collection endpoint and rule for
    Prometheus remote-write and agent scrapes, the endpoint scoped into the platform's private-only Azure
    Monitor private link scope.

    Retention is the service's fixed 18 months; access is Azure RBAC on the workspace.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        workspace = monitor.AzureMonitorWorkspace(
            self.role("workspace"), azure_monitor_workspace_name=self.name, resource_group_name=p.scope,
            location=p.region, public_network_access=monitor.PublicNetworkAccess.DISABLED,
            tags=self.tags, opts=self.child())
        ingestion = monitor.DataCollectionEndpoint(
            self.role("dce"), data_collection_endpoint_name=f"{self.name}-dce", resource_group_name=p.scope,
            location=p.region, description="hdhport: private ingestion of Prometheus metrics",
            network_acls=monitor.DataCollectionEndpointNetworkAclsArgs(
                public_network_access=monitor.KnownPublicNetworkAccessOptions.DISABLED),
            tags=self.tags, opts=self.child())
        monitor.DataCollectionRule(
            self.role("dcr"), data_collection_rule_name=f"{self.name}-prometheus", resource_group_name=p.scope,
            location=p.region, description="hdhport: Prometheus metrics of the platform into its Azure Monitor workspace",
            data_collection_endpoint_id=ingestion.id,
            # The forwarder source is what the Azure Monitor agent scrapes into; remote-write from a
            # Prometheus server posts to the same stream through the endpoint.
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(prometheus_forwarder=[
                monitor.PrometheusForwarderDataSourceArgs(name="prometheus", streams=[PROMETHEUS_STREAM],
                                                          label_include_filter={})]),
            destinations=monitor.DataCollectionRuleDestinationsArgs(monitoring_accounts=[
                monitor.MonitoringAccountDestinationArgs(account_resource_id=workspace.id, name=DESTINATION)]),
            data_flows=[monitor.DataFlowArgs(streams=[PROMETHEUS_STREAM], destinations=[DESTINATION])],
            tags=self.tags, opts=self.child())
        monitor.PrivateLinkScopedResource(
            self.role("ampls-dce"), name=f"{self.name}-dce", resource_group_name=p.scope,
            scope_name=global_name("ampls", LOG_ANALYTICS_COMPONENT, 63), kind=monitor.ScopedResourceKind.RESOURCE,
            linked_resource_id=ingestion.id, opts=self.child())
        private_link(self, workspace.id, "prometheus")
        query = workspace.metrics.apply(lambda m: m.prometheus_query_endpoint if m else None)
        return query.apply(lambda url: url or ""), None
