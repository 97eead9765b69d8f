"""Security posture management on Azure: Microsoft Defender for Cloud's CSPM plan for the subscription,
who is told about findings, and the continuous export that sends findings to the SIEM's workspace."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import security

from providers.azure.arm import defender_plan, subscription_id
from providers.base import ServiceComponent

#: Defender CSPM extensions: agentless scanning of disks, Kubernetes and registries, and sensitive-data
#: discovery on the storage that holds health data (attack paths then rank exposures by data at stake).
CSPM_EXTENSIONS = (
    "AgentlessVmScanning",
    "AgentlessDiscoveryForKubernetes",
    "SensitiveDataDiscovery",
    "ContainerRegistriesVulnerabilityAssessments",
)
#: What continuous export sends to Log Analytics: recommendations and their details, secure score and
#: regulatory compliance, as changes happen and as weekly snapshots (so the SIEM can show trends).
EXPORTED = (
    security.EventSource.ASSESSMENTS,
    security.EventSource.ASSESSMENTS_SNAPSHOT,
    security.EventSource.SUB_ASSESSMENTS,
    security.EventSource.SECURE_SCORES,
    security.EventSource.SECURE_SCORE_CONTROLS,
    security.EventSource.REGULATORY_COMPLIANCE_ASSESSMENT,
    security.EventSource.ATTACK_PATHS,
)


class PostureManagement(ServiceComponent):
    """posture_management with Microsoft Defender for Cloud (Defender CSPM plan, security contact,
    continuous export of findings to the platform's Log Analytics workspace).

    Defender plans, the security contact and continuous export are settings of the whole subscription:
    the platform is expected to own its subscription. An enclave instance would change nothing more,
    so enclaves share the platform's plan.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        subscription = subscription_id()
        defender_plan(self, "cspm", "CloudPosture", enforce=False,
                      extensions=[security.ExtensionArgs(name=name, is_enabled=security.IsEnabled.TRUE)
                                  for name in CSPM_EXTENSIONS])
        # No e-mail address is known to the program (and none is invented): Defender writes to the holders
        # of the subscription's Owner role, who are by construction the platform's security officers.
        security.SecurityContact(
            self.role("contact"), security_contact_name="default", is_enabled=True,
            notifications_by_role=security.SecurityContactPropertiesNotificationsByRoleArgs(
                roles=[security.SecurityContactRole.OWNER], state=security.State.ON),
            notifications_sources=[
                security.NotificationsSourceAlertArgs(source_type=security.SourceType.ALERT,
                                                      minimal_severity=security.MinimalSeverity.MEDIUM),
                security.NotificationsSourceAttackPathArgs(source_type=security.SourceType.ATTACK_PATH,
                                                           minimal_risk_level=security.MinimalRiskLevel.HIGH),
            ],
            opts=self.child())
        # Findings go to the workspace the SIEM reads (the catalogue's "findings sent to the SIEM"):
        # Defender for Cloud has no syslog output; continuous export is its supported path.
        automation = security.Automation(
            self.role("export"), automation_name="ExportToWorkspace",
            resource_group_name=self.placement.scope, location=self.placement.region,
            description="hdhport: continuous export of Defender for Cloud findings to Log Analytics",
            is_enabled=True,
            scopes=[security.AutomationScopeArgs(description="the platform subscription", scope_path=subscription)],
            sources=[security.AutomationSourceArgs(event_source=source) for source in EXPORTED],
            actions=[security.AutomationActionWorkspaceArgs(
                action_type=security.ActionType.WORKSPACE,
                workspace_resource_id=self.placement.log_workspace_id)],
            tags=self.tags, opts=self.child())
        return automation.id, None
