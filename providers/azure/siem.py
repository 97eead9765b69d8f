"""The SIEM on Azure: Microsoft Sentinel enabled on the platform's Log Analytics workspace, fed by Defender for
Cloud and Defender for Endpoint alerts and by the logs the other services export there, with the HDH
detection rules.

Detection rules read tables that other services fill (SigninLogs from sso_mfa, AzureDiagnostics or
AZKVAuditLogs from the key vaults depending on their diagnostic mode, AzureActivity from audit_log).
Sentinel refuses a rule whose query names a table that does not exist yet, and the SIEM is built before
those services; each query is therefore a `union isfuzzy=true` of an empty typed `datatable` and the real
tables, which Sentinel accepts before the first row arrives and which behaves as the real tables afterwards.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import securityinsights

from hdhport.eu import EU_MEMBER_STATES
from providers.azure.arm import client_config, id_part
from providers.base import ServiceComponent

#: Fixed namespace for the ids of rules and connectors: the same workspace gets the same ids on every run.
_IDS = uuid.UUID("0b6c7f1e-8d3a-4f55-b1c2-5e9a7d4c3b21")


def _countries() -> str:
    return ", ".join(f'"{code}"' for code in sorted(EU_MEMBER_STATES))


@dataclass(frozen=True)
class Detection:
    """One scheduled analytics rule."""

    key: str
    name: str
    description: str
    query: str
    severity: securityinsights.AlertSeverity
    tactics: tuple[securityinsights.AttackTactic, ...]
    frequency: str = "PT1H"
    period: str = "PT1H"
    account_column: str | None = None
    ip_column: str | None = None


DETECTIONS = (
    Detection(
        "signin-outside-eu", "HDH: successful sign-in from outside the EU",
        "A platform account signed in successfully from a country outside the European Union.",
        f"""let eu = dynamic([{_countries()}]);
union isfuzzy=true
    (datatable(TimeGenerated: datetime, UserPrincipalName: string, IPAddress: string, Location: string,
               ResultType: string, AppDisplayName: string)[]),
    (SigninLogs | project TimeGenerated, UserPrincipalName, IPAddress, Location, ResultType = tostring(ResultType),
                          AppDisplayName)
| where ResultType == "0" and isnotempty(Location) and Location !in (eu)
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Countries = make_set(Location),
            Applications = make_set(AppDisplayName) by UserPrincipalName, IPAddress""",
        securityinsights.AlertSeverity.HIGH, (securityinsights.AttackTactic.INITIAL_ACCESS,),
        account_column="UserPrincipalName", ip_column="IPAddress"),
    Detection(
        "mfa-failures", "HDH: repeated MFA failures for one account",
        "Five or more failed MFA attempts (code 500121) in an hour: MFA fatigue or a stolen password.",
        """union isfuzzy=true
    (datatable(TimeGenerated: datetime, UserPrincipalName: string, IPAddress: string, ResultType: string)[]),
    (SigninLogs | project TimeGenerated, UserPrincipalName, IPAddress, ResultType = tostring(ResultType))
| where ResultType == "500121"
| summarize Failures = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated),
            Addresses = make_set(IPAddress) by UserPrincipalName
| where Failures >= 5""",
        securityinsights.AlertSeverity.MEDIUM, (securityinsights.AttackTactic.CREDENTIAL_ACCESS,),
        account_column="UserPrincipalName"),
    Detection(
        "key-vault-destruction", "HDH: key or secret deleted or purged",
        "A vault, key, secret or certificate was deleted or purged: customer keys protect all health data.",
        """union isfuzzy=true
    (datatable(TimeGenerated: datetime, Resource: string, OperationName: string, CallerIPAddress: string,
               Caller: string)[]),
    (AzureDiagnostics | where ResourceProvider == "MICROSOFT.KEYVAULT"
        | project TimeGenerated, Resource, OperationName, CallerIPAddress = column_ifexists("CallerIPAddress", ""),
                  Caller = column_ifexists("identity_claim_upn_s", column_ifexists("identity_claim_oid_g", ""))),
    (AZKVAuditLogs
        | project TimeGenerated, Resource = tostring(_ResourceId), OperationName,
                  CallerIPAddress = column_ifexists("CallerIpAddress", ""),
                  Caller = tostring(column_ifexists("Identity", dynamic(null))))
| where OperationName in ("VaultDelete", "VaultPurge", "KeyDelete", "KeyPurge", "SecretDelete", "SecretPurge",
                          "CertificateDelete", "CertificatePurge")""",
        securityinsights.AlertSeverity.HIGH, (securityinsights.AttackTactic.IMPACT,),
        frequency="PT15M", period="PT15M", account_column="Caller", ip_column="CallerIPAddress"),
    Detection(
        "security-tampering", "HDH: security controls changed",
        "Diagnostic settings, policy assignments, Defender plans, Sentinel rules or role assignments were changed.",
        """union isfuzzy=true
    (datatable(TimeGenerated: datetime, Caller: string, CallerIpAddress: string, OperationNameValue: string,
               ResourceId: string, ActivityStatusValue: string)[]),
    (AzureActivity | project TimeGenerated, Caller, CallerIpAddress, OperationNameValue, ResourceId = _ResourceId,
                             ActivityStatusValue)
| where ActivityStatusValue in~ ("Success", "Succeeded")
| where OperationNameValue in~ ("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
                                "MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS/DELETE",
                                "MICROSOFT.AUTHORIZATION/POLICYEXEMPTIONS/WRITE",
                                "MICROSOFT.SECURITY/PRICINGS/WRITE",
                                "MICROSOFT.SECURITYINSIGHTS/ALERTRULES/DELETE",
                                "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
                                "MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/WRITE")""",
        securityinsights.AlertSeverity.MEDIUM, (securityinsights.AttackTactic.DEFENSE_EVASION,
                                                 securityinsights.AttackTactic.PRIVILEGE_ESCALATION),
        frequency="PT15M", period="PT15M", account_column="Caller", ip_column="CallerIpAddress"),
)


def _entities(detection: Detection) -> list[securityinsights.EntityMappingArgs] | None:
    mappings = []
    if detection.account_column:
        mappings.append(securityinsights.EntityMappingArgs(
            entity_type=securityinsights.EntityMappingType.ACCOUNT,
            field_mappings=[securityinsights.FieldMappingArgs(identifier="FullName", column_name=detection.account_column)]))
    if detection.ip_column:
        mappings.append(securityinsights.EntityMappingArgs(
            entity_type=securityinsights.EntityMappingType.IP,
            field_mappings=[securityinsights.FieldMappingArgs(identifier="Address", column_name=detection.ip_column)]))
    return mappings or None


class Siem(ServiceComponent):
    """siem with Microsoft Sentinel on placement.log_workspace_id: onboarding, the Defender for Cloud and
    Defender for Endpoint alert connectors, incidents created from Defender for Cloud alerts, and scheduled
    KQL rules for the HDH threats (sign-ins from outside the EU, MFA failures, destruction of keys, tampering
    with security controls).

    Sentinel shares the platform's workspace rather than owning one: the logs it correlates are already
    there, with their retention and access control, and a second copy would double the data to protect.
    Entra sign-in and audit logs arrive through the directory and sso_mfa diagnostic settings, not through
    the Entra ID connector (which would create a second, conflicting export).

    Limits: the Defender for Endpoint connector needs a Security Administrator in the tenant at deployment
    and the Defender for Endpoint licence that Defender for Servers Plan 2 brings; Sentinel's use of a
    customer-managed key depends on the workspace being linked to a dedicated cluster (log_analytics).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        client = client_config()
        workspace_id = pulumi.Output.from_input(self.placement.log_workspace_id)
        # The workspace may live in another resource group than the platform's: both come from its id.
        group = id_part(workspace_id, "resourceGroups", self.placement.scope)
        workspace = id_part(workspace_id, "workspaces")

        def stable_id(key: str) -> pulumi.Output[str]:
            return workspace_id.apply(lambda w: str(uuid.uuid5(_IDS, f"{w.lower()}|{key}")))

        onboarding = securityinsights.SentinelOnboardingState(
            self.role("onboarding"), resource_group_name=group, workspace_name=workspace,
            sentinel_onboarding_state_name="default", opts=self.child())
        after = self.child(depends_on=[onboarding])
        enabled = securityinsights.AlertsDataTypeOfDataConnectorArgs(
            alerts=securityinsights.DataConnectorDataTypeCommonArgs(state=securityinsights.DataTypeState.ENABLED))
        securityinsights.ASCDataConnector(
            self.role("defender-for-cloud"), kind=securityinsights.DataConnectorKind.AZURE_SECURITY_CENTER,
            resource_group_name=group, workspace_name=workspace, data_connector_id=stable_id("asc"),
            subscription_id=client.subscription_id, data_types=enabled, opts=after)
        # Defender for Endpoint comes with Defender for Servers Plan 2 (vulnerability_scanning service).
        securityinsights.MDATPDataConnector(
            self.role("defender-for-endpoint"),
            kind=securityinsights.DataConnectorKind.MICROSOFT_DEFENDER_ADVANCED_THREAT_PROTECTION,
            resource_group_name=group, workspace_name=workspace, data_connector_id=stable_id("mdatp"),
            tenant_id=client.tenant_id, data_types=enabled, opts=after)
        securityinsights.MicrosoftSecurityIncidentCreationAlertRule(
            self.role("defender-incidents"),
            kind=securityinsights.AlertRuleKind.MICROSOFT_SECURITY_INCIDENT_CREATION,
            resource_group_name=group, workspace_name=workspace, rule_id=stable_id("asc-incidents"),
            display_name="HDH: incidents from Defender for Cloud alerts", enabled=True,
            product_filter=securityinsights.MicrosoftSecurityProductName.AZURE_SECURITY_CENTER,
            severities_filter=[securityinsights.AlertSeverity.HIGH, securityinsights.AlertSeverity.MEDIUM],
            opts=after)
        for detection in DETECTIONS:
            securityinsights.ScheduledAlertRule(
                self.role(detection.key), kind=securityinsights.AlertRuleKind.SCHEDULED,
                resource_group_name=group, workspace_name=workspace, rule_id=stable_id(detection.key),
                display_name=detection.name, description=detection.description, enabled=True,
                query=detection.query, query_frequency=detection.frequency, query_period=detection.period,
                severity=detection.severity, tactics=list(detection.tactics),
                trigger_operator=securityinsights.TriggerOperator.GREATER_THAN, trigger_threshold=0,
                suppression_enabled=False, suppression_duration="PT5H",
                event_grouping_settings=securityinsights.EventGroupingSettingsArgs(
                    aggregation_kind=securityinsights.EventGroupingAggregationKind.ALERT_PER_RESULT),
                incident_configuration=securityinsights.IncidentConfigurationArgs(
                    create_incident=True,
                    grouping_configuration=securityinsights.GroupingConfigurationArgs(
                        enabled=True, lookback_duration="PT5H", reopen_closed_incident=False,
                        matching_method=securityinsights.MatchingMethod.ALL_ENTITIES)),
                entity_mappings=_entities(detection), opts=after)
        return onboarding.id, None
