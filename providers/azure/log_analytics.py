"""Central logs on Azure: a Log Analytics workspace reached only over Private Link (Azure Monitor
Private Link Scope, data collection endpoint), a syslog collection rule for the Linux machines, and
the key vault's audit log routed into it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from providers.azure.arm import global_name, private_endpoint
from providers.base import ServiceComponent
from providers.lookups import once

RETENTION_DAYS = 365  # interactive retention; beyond it the audit trail goes to archive_storage
_facility, _level = monitor.KnownSyslogDataSourceFacilityNames, monitor.KnownSyslogDataSourceLogLevels
#: Facilities kept at every level (who logged in, who became root) and those kept from warnings up.
AUDIT_FACILITIES = (_facility.AUTH, _facility.AUTHPRIV, _facility.AUDIT)
SYSTEM_FACILITIES = (_facility.DAEMON, _facility.KERN, _facility.SYSLOG, _facility.USER, _facility.CRON)
WARNING_AND_UP = (_level.WARNING, _level.ERROR, _level.CRITICAL, _level.ALERT, _level.EMERGENCY)


@dataclass(frozen=True)
class AgentRules:
    """What a Linux machine's Azure Monitor Agent is associated with: the syslog rule, and the data collection
    endpoint it fetches that rule from (over Private Link)."""

    rule_id: pulumi.Output[str]
    endpoint_id: pulumi.Output[str]


def _agent_rules_of_this_run() -> list[AgentRules]:
    return once(("azure", "agent-rules"), list)


def agent_rules() -> AgentRules | None:
    """The syslog rule log_analytics built in this run (before any machine: it is a foundation service), or
    None when there is none: the machines then get no agent."""
    made = _agent_rules_of_this_run()
    return made[0] if made else None


class LogAnalytics(ServiceComponent):
    """log_analytics with Azure Monitor Logs: workspace (no public ingestion or query, no shared keys),
    Azure Monitor Private Link Scope with its private endpoint, a data collection endpoint and a syslog
    data collection rule, and diagnostic settings for the key vault and the workspace's own query audit.
    The Linux machines built after it in the same program carry the Azure Monitor Agent and are associated
    with the rule and the endpoint (providers/azure/iaas.py).

    Customer-managed keys for Log Analytics need a dedicated cluster (a 100 GB/day commitment tier);
    the workspace keeps Microsoft-managed encryption until volumes justify one (the catalogue marks the
    service not data-bearing: health data never goes to logs).
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("log_workspace_id",)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group, region = self.placement.scope, self.placement.region
        workspace = operationalinsights.Workspace(
            self.role("workspace"), resource_group_name=group, location=region,
            workspace_name=global_name("log", self.name, 63),
            sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
            retention_in_days=RETENTION_DAYS,
            public_network_access_for_ingestion=operationalinsights.PublicNetworkAccessType.DISABLED,
            public_network_access_for_query=operationalinsights.PublicNetworkAccessType.DISABLED,
            features=operationalinsights.WorkspaceFeaturesArgs(
                disable_local_auth=True,  # agents authenticate with Entra ID, never with the workspace key
                enable_log_access_using_only_resource_permissions=True),
            tags=self.tags,
            # The audit trail: a destroy or refactor must not take it away.
            opts=self.keep())
        # With public ingestion and query disabled, Private Link is the only way in; PrivateOnly makes the
        # VNet refuse to send to any workspace outside the scope (no exfiltration through Azure Monitor).
        scope = monitor.PrivateLinkScope(
            self.role("ampls"), resource_group_name=group, location="global",
            scope_name=global_name("ampls", self.name, 63),
            access_mode_settings=monitor.AccessModeSettingsArgs(
                ingestion_access_mode=monitor.AccessMode.PRIVATE_ONLY,
                query_access_mode=monitor.AccessMode.PRIVATE_ONLY),
            tags=self.tags, opts=self.child())
        endpoint = monitor.DataCollectionEndpoint(
            self.role("dce"), resource_group_name=group, location=region,
            kind=monitor.KnownDataCollectionEndpointResourceKind.LINUX,
            network_acls=monitor.DataCollectionEndpointNetworkAclsArgs(
                public_network_access=monitor.KnownPublicNetworkAccessOptions.DISABLED),
            description="hdhport: private ingestion endpoint of the platform's agents",
            tags=self.tags, opts=self.child())
        for role, target in (("ampls-workspace", workspace.id), ("ampls-dce", endpoint.id)):
            monitor.PrivateLinkScopedResource(
                self.role(role), resource_group_name=group, scope_name=scope.name, name=role,
                linked_resource_id=target, opts=self.child())
        private_endpoint(self, scope.id, "azuremonitor")
        syslog = monitor.DataCollectionRule(
            self.role("syslog"), resource_group_name=group, location=region,
            kind=monitor.KnownDataCollectionRuleResourceKind.LINUX, data_collection_endpoint_id=endpoint.id,
            description="hdhport: syslog of the Linux machines (authentication at every level, system from warnings)",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(syslog=[
                monitor.SyslogDataSourceArgs(
                    name="audit", streams=[monitor.KnownSyslogDataSourceStreams.MICROSOFT_SYSLOG],
                    facility_names=list(AUDIT_FACILITIES), log_levels=[_level.ASTERISK]),
                monitor.SyslogDataSourceArgs(
                    name="system", streams=[monitor.KnownSyslogDataSourceStreams.MICROSOFT_SYSLOG],
                    facility_names=list(SYSTEM_FACILITIES), log_levels=list(WARNING_AND_UP)),
            ]),
            destinations=monitor.DataCollectionRuleDestinationsArgs(log_analytics=[
                monitor.LogAnalyticsDestinationArgs(name="platform", workspace_resource_id=workspace.id)]),
            data_flows=[monitor.DataFlowArgs(streams=[monitor.KnownDataFlowStreams.MICROSOFT_SYSLOG],
                                             destinations=["platform"])],
            tags=self.tags, opts=self.child())
        # Every Linux machine built after this (AzureIaas.servers: self-hosted services, research machines)
        # gets the Azure Monitor Agent and is associated with this rule and this endpoint.
        _agent_rules_of_this_run().append(AgentRules(rule_id=syslog.id, endpoint_id=endpoint.id))
        # Built before this workspace existed, the platform key vault routes its audit log from here;
        # the workspace records who queried it.
        audited = [("kv-audit", self.placement.key_vault_id), ("query-audit", workspace.id)]
        for role, resource in audited:
            if not resource:
                continue
            monitor.DiagnosticSetting(
                self.role(role), name="hdh-audit", resource_uri=resource, workspace_id=workspace.id,
                log_analytics_destination_type="Dedicated",
                logs=[monitor.DiagnosticsLogSettingsArgs(category_group="audit", enabled=True)],
                opts=self.child())
        self.provide(log_workspace_id=workspace.id)
        return endpoint.logs_ingestion.apply(lambda ingestion: ingestion.endpoint if ingestion else ""), None
