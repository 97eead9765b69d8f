"""Audit log on Azure: the subscription's activity log and the key vault's audit events, sent to the
platform's Log Analytics workspace for search and to write-once storage for the legal retention period."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor, storage

from providers.azure.storage_account import AccountShape, blob_container, blob_endpoint, blob_service, storage_account
from providers.base import ServiceComponent

# Azure Monitor writes through the trusted-services path of the storage firewall, which Azure honours only
# with public network access Enabled behind deny-by-default rules (storage_account.AccountShape).
SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_ZRS, endpoints=("blob",),
                     access_tier=storage.AccessTier.COOL, trusted_services=True)
#: Three years under WORM; the data protection officer confirms the legal period, then locks the policy
#: (locking is irreversible: afterwards the period can only grow).
RETENTION_DAYS = 1095
#: Every category of the subscription's activity log: who changed what, security and policy events,
#: service and resource health, alerts, autoscale, recommendations.
ACTIVITY_CATEGORIES = ("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy",
                       "Autoscale", "ResourceHealth")
#: The containers Azure Monitor writes to: made here first, so they are born under the WORM policy.
ACTIVITY_CONTAINER = "insights-activity-logs"
KEY_VAULT_CONTAINER = "insights-logs-auditevent"


class AuditLog(ServiceComponent):
    """audit_log with Azure Activity Log and resource logs: a subscription diagnostic setting sending
    every activity-log category to the Log Analytics workspace and to a dedicated storage account (the
    shared storage account: customer key, private endpoint, firewall denying all but trusted services,
    soft delete), a diagnostic setting archiving the key vault's audit events there too, and a time-based
    immutability policy on each container that allows appends only (tamper evidence: no overwrite, no
    delete before the retention ends).

    The activity log is a subscription-wide setting: the platform is expected to own its subscription.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        account = storage_account(self, SHAPE)
        # Container WORM forbids overwrites and deletes; versions would only duplicate the log blobs.
        service = blob_service(self, account, versioning=False)
        for name in (ACTIVITY_CONTAINER, KEY_VAULT_CONTAINER):
            container = blob_container(self, account, name, depends_on=service)
            storage.BlobContainerImmutabilityPolicy(
                self.role(f"worm-{name}"), resource_group_name=p.scope, account_name=account.name,
                container_name=container.name, immutability_period_since_creation_in_days=RETENTION_DAYS,
                # Azure Monitor appends to hourly append blobs; nothing already written can change.
                allow_protected_append_writes=True, opts=self.keep())
        workspace = None if isinstance(p.log_workspace_id, str) and not p.log_workspace_id else p.log_workspace_id
        monitor.SubscriptionDiagnosticSetting(
            self.role("activity"), name=f"hdh-{self.name}", workspace_id=workspace, storage_account_id=account.id,
            logs=[monitor.SubscriptionLogSettingsArgs(category=category, enabled=True)
                  for category in ACTIVITY_CATEGORIES],
            opts=self.child())
        if not (isinstance(p.key_vault_id, str) and not p.key_vault_id):
            # log_analytics already sends these events to the workspace; this setting keeps the WORM copy.
            monitor.DiagnosticSetting(
                self.role("key-vault"), name=f"hdh-{self.name}-archive", resource_uri=p.key_vault_id,
                storage_account_id=account.id,
                logs=[monitor.DiagnosticsLogSettingsArgs(category="AuditEvent", enabled=True)],
                opts=self.child())
        return blob_endpoint(account, ACTIVITY_CONTAINER), p.key_ref
