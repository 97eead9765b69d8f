"""Central logs on Azure: a Log Analytics workspace reached only over Private Link (Azure Monitor
Private Link Scope, data collection endpoint), a syslog collection rule for the Linux machines and an
event-log rule for the Windows ones, the Azure Monitor Agent and its associations on every machine, and the
key vault's audit log routed into it."""
from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

import pulumi
from pulumi_azure_native import compute, monitor, operationalinsights

from providers.azure.arm import global_name, private_endpoint
from providers.base import ServiceComponent
from providers.contract import Placement

RETENTION_DAYS = 365  # interactive retention; beyond it the audit trail goes to archive_storage
_facility, _level = monitor.KnownSyslogDataSourceFacilityNames, monitor.KnownSyslogDataSourceLogLevels
#: Facilities kept at every level (who logged in, who became root) and those kept from warnings up.
AUDIT_FACILITIES = (_facility.AUTH, _facility.AUTHPRIV, _facility.AUDIT)
SYSTEM_FACILITIES = (_facility.DAEMON, _facility.KERN, _facility.SYSLOG, _facility.USER, _facility.CRON)
WARNING_AND_UP = (_level.WARNING, _level.ERROR, _level.CRITICAL, _level.ALERT, _level.EMERGENCY)
#: The Windows counterpart (the portal's own XPath queries): the whole Security log (audit success and
#: failure: sign-ins, privilege use), Application and System from warnings up (critical, error, warning).
EVENT_QUERIES = (
    "Security!*[System[(band(Keywords,13510798882111488))]]",
    "Application!*[System[(Level=1 or Level=2 or Level=3)]]",
    "System!*[System[(Level=1 or Level=2 or Level=3)]]",
)
#: The Azure Monitor Agent per operating system (publisher, type, version); minor versions and automatic
#: upgrades follow Microsoft's releases.
MONITOR_AGENTS = {"linux": ("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.21"),
                  "windows": ("Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent", "1.0")}
#: The association each machine's agent reads its rules through when ingestion goes over Private Link: Azure
#: Monitor requires it under this name, naming the data collection endpoint.
ENDPOINT_ASSOCIATION = "configurationAccessEndpoint"
#: The association with the rule of each operating system, and the association's resource name suffix.
RULE_ASSOCIATIONS = {"linux": ("hdh-syslog", "monitor-syslog"), "windows": ("hdh-eventlog", "monitor-eventlog")}


def syslog_sources() -> list[monitor.SyslogDataSourceArgs]:
    """What a Linux machine's syslog keeps: authentication at every level, the system from warnings up."""
    stream = [monitor.KnownSyslogDataSourceStreams.MICROSOFT_SYSLOG]
    return [monitor.SyslogDataSourceArgs(name="audit", streams=stream, facility_names=list(AUDIT_FACILITIES),
                                         log_levels=[_level.ASTERISK]),
            monitor.SyslogDataSourceArgs(name="system", streams=stream, facility_names=list(SYSTEM_FACILITIES),
                                         log_levels=list(WARNING_AND_UP))]


def collect_machine_logs(owner: pulumi.Resource, host: str, vm: compute.VirtualMachine, placement: Placement,
                         tags: Mapping[str, str], system: Literal["linux", "windows"],
                         identity_id: pulumi.Input[str] | None = None) -> bool:
    """The Azure Monitor Agent on `vm`, associated with the collection rule of its operating system and with the
    data collection endpoint it reads that rule from (over Private Link, the only way to the workspace). The
    agent signs in with the user-assigned `identity_id`, or without one with the machine's system-assigned
    identity (Microsoft's default). Builds nothing and answers False where the placement holds no such rule:
    a machine built before log_analytics, or on a platform without it."""
    rule = placement.log_linux_rule_id if system == "linux" else placement.log_windows_rule_id
    if isinstance(rule, str) and not rule:
        return False
    parent = pulumi.ResourceOptions(parent=owner)
    publisher, kind, version = MONITOR_AGENTS[system]
    settings = ({"authentication": {"managedIdentity": {"identifier-name": "mi_res_id",
                                                       "identifier-value": identity_id}}}
                if identity_id is not None else None)
    compute.VirtualMachineExtension(
        f"{host}-monitor-agent", resource_group_name=placement.scope, location=placement.region,
        vm_name=vm.name, vm_extension_name=kind, publisher=publisher, type=kind, type_handler_version=version,
        auto_upgrade_minor_version=True, enable_automatic_upgrade=True, settings=settings,
        tags=dict(tags), opts=parent)
    monitor.DataCollectionRuleAssociation(
        f"{host}-monitor-endpoint", resource_uri=vm.id, association_name=ENDPOINT_ASSOCIATION,
        data_collection_endpoint_id=placement.log_endpoint_id, opts=parent)
    association, role = RULE_ASSOCIATIONS[system]
    monitor.DataCollectionRuleAssociation(
        f"{host}-{role}", resource_uri=vm.id, association_name=association, data_collection_rule_id=rule,
        description=f"hdhport: the machine's {'syslog' if system == 'linux' else 'event logs'} to the platform "
                    "workspace", opts=parent)
    return True


class LogAnalytics(ServiceComponent):
    """log_analytics with Azure Monitor Logs: workspace (no public ingestion or query, no shared keys),
    Azure Monitor Private Link Scope with its private endpoint, a data collection endpoint, a syslog rule for
    the Linux machines and an event-log rule for the Windows ones, and diagnostic settings for the key vault
    and the workspace's own query audit. It hands the workspace, the endpoint and both rules on: every machine
    built after it, in this stack or in an enclave stack reading this one's placement, carries the Azure
    Monitor Agent associated with its rule and the endpoint (collect_machine_logs), and the AKS cluster sends
    its container and node logs through the same endpoint (providers/azure/kubernetes.py).

    Customer-managed keys for Log Analytics need a dedicated cluster (a 100 GB/day commitment tier);
    the workspace keeps Microsoft-managed encryption until volumes justify one (the catalogue marks the
    service not data-bearing: health data never goes to logs).
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("log_workspace_id", "log_endpoint_id", "log_linux_rule_id",
                                           "log_windows_rule_id")

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
        # No kind (it is optional): the Linux machines, the Windows session hosts and the AKS cluster all
        # read their rules from this one endpoint.
        endpoint = monitor.DataCollectionEndpoint(
            self.role("dce"), resource_group_name=group, location=region,
            network_acls=monitor.DataCollectionEndpointNetworkAclsArgs(
                public_network_access=monitor.KnownPublicNetworkAccessOptions.DISABLED),
            description="hdhport: private ingestion endpoint of the platform's agents",
            tags=self.tags, opts=self.child())
        for role, target in (("ampls-workspace", workspace.id), ("ampls-dce", endpoint.id)):
            monitor.PrivateLinkScopedResource(
                self.role(role), resource_group_name=group, scope_name=scope.name, name=role,
                linked_resource_id=target, opts=self.child())
        private_endpoint(self, scope.id, "azuremonitor")
        destinations = monitor.DataCollectionRuleDestinationsArgs(log_analytics=[
            monitor.LogAnalyticsDestinationArgs(name="platform", workspace_resource_id=workspace.id)])
        syslog = monitor.DataCollectionRule(
            self.role("syslog"), resource_group_name=group, location=region,
            kind=monitor.KnownDataCollectionRuleResourceKind.LINUX, data_collection_endpoint_id=endpoint.id,
            description="hdhport: syslog of the Linux machines (authentication at every level, system from warnings)",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(syslog=syslog_sources()),
            destinations=destinations,
            data_flows=[monitor.DataFlowArgs(streams=[monitor.KnownDataFlowStreams.MICROSOFT_SYSLOG],
                                             destinations=["platform"])],
            tags=self.tags, opts=self.child())
        events = monitor.DataCollectionRule(
            self.role("eventlog"), resource_group_name=group, location=region,
            kind=monitor.KnownDataCollectionRuleResourceKind.WINDOWS, data_collection_endpoint_id=endpoint.id,
            description="hdhport: event logs of the Windows machines (Security whole, Application and System "
                        "from warnings)",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(windows_event_logs=[
                monitor.WindowsEventLogDataSourceArgs(
                    name="events", streams=[monitor.KnownWindowsEventLogDataSourceStreams.MICROSOFT_EVENT],
                    x_path_queries=list(EVENT_QUERIES))]),
            destinations=destinations,
            data_flows=[monitor.DataFlowArgs(streams=[monitor.KnownDataFlowStreams.MICROSOFT_EVENT],
                                             destinations=["platform"])],
            tags=self.tags, opts=self.child())
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
        # Every machine built after this (AzureIaas.servers, the session hosts) gets the Azure Monitor Agent and
        # is associated with its rule and this endpoint; enclave stacks read the same from the exported placement.
        self.provide(log_workspace_id=workspace.id, log_endpoint_id=endpoint.id, log_linux_rule_id=syslog.id,
                     log_windows_rule_id=events.id)
        return endpoint.logs_ingestion.apply(lambda ingestion: ingestion.endpoint if ingestion else ""), None
