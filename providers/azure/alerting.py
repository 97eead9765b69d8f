"""Alerting on Azure: an action group for the on-call team and the alert rules that matter for a health
data platform (key access refused, key vault degraded, network exposure of storage, privilege changes,
audit trail switched off)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor

from providers.base import ServiceComponent

KEY_VAULT_METRICS = "Microsoft.KeyVault/vaults"
#: Built-in roles whose holders the on-call action group mails.
ROLE_OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ROLE_MONITORING_CONTRIBUTOR = "749f88d5-cbae-40b8-bcfc-e573ddc772fa"


@dataclass(frozen=True)
class LogRule:
    """A log alert over the platform's Log Analytics workspace: any matching row fires it."""

    role: str
    description: str
    severity: int
    query: str


#: Each query reads a table the audit_log service feeds (activity log, Key Vault audit events).
LOG_RULES = (
    LogRule("kv-denied", "Key Vault refused a caller (403): a key or secret was asked for without the right", 1,
            'AzureDiagnostics\n'
            '| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"\n'
            # 401 is the normal first leg of every Entra ID challenge; 403 is a real refusal.
            '| where httpStatusCode_d == 403\n'
            '| summarize Refused = count() by Resource, OperationName, CallerIPAddress'),
    LogRule("storage-exposure", "A storage account's network exposure was changed (public access, firewall)", 1,
            'AzureActivity\n'
            '| where OperationNameValue =~ "MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE" and ActivityStatusValue == "Success"\n'
            '| extend Body = tostring(parse_json(Properties).requestbody)\n'
            '| where Body has_any ("publicNetworkAccess", "networkAcls", "allowBlobPublicAccess", "allowSharedKeyAccess")\n'
            '| project TimeGenerated, Caller, CallerIpAddress, _ResourceId'),
    LogRule("role-change", "A role assignment was granted or removed", 2,
            'AzureActivity\n'
            '| where OperationNameValue in~ ("MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", '
            '"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE")\n'
            '| where ActivityStatusValue == "Success"\n'
            '| project TimeGenerated, Caller, CallerIpAddress, OperationNameValue, _ResourceId'),
    LogRule("audit-off", "A diagnostic setting was deleted: part of the audit trail may be switched off", 0,
            'AzureActivity\n'
            '| where OperationNameValue =~ "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" and ActivityStatusValue == "Success"\n'
            '| project TimeGenerated, Caller, CallerIpAddress, _ResourceId'),
)


class Alerting(ServiceComponent):
    """alerting with Azure Monitor: an action group notifying the holders of the Owner and Monitoring
    Contributor roles, metric alerts on the platform key vault (refused calls, availability) and log
    alerts on the Log Analytics workspace (key access refused, storage exposure, role changes, audit off).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        # No address or webhook is known to the program and none is invented: Azure Monitor mails the
        # people who hold these roles, so the recipients follow the platform's own RBAC.
        group = monitor.ActionGroup(
            self.role("oncall"), action_group_name=f"{self.name}-oncall", group_short_name="hdh-oncall",
            resource_group_name=p.scope, location="global", enabled=True,
            arm_role_receivers=[
                monitor.ArmRoleReceiverArgs(name="owners", role_id=ROLE_OWNER, use_common_alert_schema=True),
                monitor.ArmRoleReceiverArgs(name="monitoring", role_id=ROLE_MONITORING_CONTRIBUTOR,
                                            use_common_alert_schema=True),
            ],
            tags=self.tags, opts=self.child())
        self._key_vault_alerts(group.id)
        self._log_alerts(group.id)
        return group.id, None

    def _key_vault_alerts(self, group_id: pulumi.Input[str]) -> None:
        p = self.placement
        if isinstance(p.key_vault_id, str) and not p.key_vault_id:
            return
        rules = (
            ("kv-forbidden", "Key Vault answered 403 to a data-plane call", 1,
             monitor.MetricCriteriaArgs(
                 criterion_type=monitor.CriterionType.STATIC_THRESHOLD_CRITERION, name="forbidden",
                 metric_namespace=KEY_VAULT_METRICS, metric_name="ServiceApiResult",
                 dimensions=[monitor.MetricDimensionArgs(name="StatusCode", operator="Include", values=["403"])],
                 operator=monitor.Operator.GREATER_THAN, threshold=0,
                 time_aggregation=monitor.AggregationTypeEnum.COUNT)),
            ("kv-availability", "Key Vault availability fell under 99.9 %: services cannot unwrap their keys", 1,
             monitor.MetricCriteriaArgs(
                 criterion_type=monitor.CriterionType.STATIC_THRESHOLD_CRITERION, name="availability",
                 metric_namespace=KEY_VAULT_METRICS, metric_name="Availability",
                 operator=monitor.Operator.LESS_THAN, threshold=99.9,
                 time_aggregation=monitor.AggregationTypeEnum.AVERAGE)),
        )
        for role, description, severity, criterion in rules:
            monitor.MetricAlert(
                self.role(role), rule_name=f"{self.name}-{role}", resource_group_name=p.scope, location="global",
                description=description, severity=severity, enabled=True, auto_mitigate=True,
                scopes=[p.key_vault_id], evaluation_frequency="PT1M", window_size="PT5M",
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type=monitor.Odatatype.MICROSOFT_AZURE_MONITOR_SINGLE_RESOURCE_MULTIPLE_METRIC_CRITERIA,
                    all_of=[criterion]),
                actions=[monitor.MetricAlertActionArgs(action_group_id=group_id)],
                tags=self.tags, opts=self.child())

    def _log_alerts(self, group_id: pulumi.Input[str]) -> None:
        p = self.placement
        if isinstance(p.log_workspace_id, str) and not p.log_workspace_id:
            return
        for rule in LOG_RULES:
            monitor.ScheduledQueryRule(
                self.role(rule.role), rule_name=f"{self.name}-{rule.role}", display_name=rule.description,
                description=rule.description, resource_group_name=p.scope, location=p.region,
                kind=monitor.Kind.LOG_ALERT, enabled=True, severity=rule.severity,
                scopes=[p.log_workspace_id], evaluation_frequency="PT15M", window_size="PT15M",
                criteria=monitor.ScheduledQueryRuleCriteriaArgs(all_of=[monitor.ConditionArgs(
                    query=rule.query, time_aggregation=monitor.TimeAggregation.COUNT,
                    operator=monitor.ConditionOperator.GREATER_THAN, threshold=0,
                    failing_periods=monitor.ConditionFailingPeriodsArgs(
                        min_failing_periods_to_alert=1, number_of_evaluation_periods=1))]),
                # Each row is an event to look at, not a state that clears by itself.
                auto_mitigate=False,
                # AzureActivity and AzureDiagnostics exist only once their first record arrived.
                skip_query_validation=True,
                actions=monitor.ActionsArgs(action_groups=[group_id]),
                tags=self.tags, opts=self.child())
