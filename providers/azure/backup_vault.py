"""Backups on Azure: a Recovery Services vault under the customer key, immutable and soft-deleted,
with an enhanced daily VM policy that every data-bearing VM is enrolled in by tag."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, policyinsights, recoveryservices as rs

from providers.azure.arm import grant, resource_group_id, send_audit_logs
from providers.base import ServiceComponent
from providers.contract import safe_name

#: Built-in policy "Configure backup on virtual machines with a given tag to an existing recovery services
#: vault in the same location" (DeployIfNotExists), and the two roles its remediation needs.
BACKUP_TAGGED_VMS = "/providers/Microsoft.Authorization/policyDefinitions/345fa903-145c-4fe1-8bcd-93ec2adccde8"
VIRTUAL_MACHINE_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
BACKUP_CONTRIBUTOR = "5e467623-bb1f-42f4-a55d-6e525e11384b"
#: VMs holding health data carry this tag (providers.contract.tags_for); they are the ones enrolled.
ENROL_TAG, ENROL_VALUES = "data-classification", ["health-pseudonymised"]
RUN_TIME = "2026-01-01T01:00:00Z"  # only the time of day counts: 01:00, Paris time (time_zone below)
DAILY_DAYS, WEEKLY_WEEKS, MONTHLY_MONTHS, SOFT_DELETE_DAYS = 30, 12, 12, 30


class BackupVault(ServiceComponent):
    """backup_vault with Azure Backup: a Recovery Services vault (customer key through the encryption
    identity plus infrastructure encryption, public network access disabled, immutability, soft delete
    that cannot be turned off, geo-redundant storage in the paired region of the same geography with
    cross-region restore, Azure Monitor alerts on failed jobs), an enhanced daily VM backup policy
    (30 daily, 12 weekly, 12 monthly recovery points), and the built-in DeployIfNotExists policy that
    enrols every VM tagged data-classification=health-pseudonymised into it, with a remediation for the
    VMs that existed before it.

    Protected items are therefore not declared one by one: enrolment follows the tag, so a new project's
    VMs are backed up without a change to this stack. Immutability is created unlocked: locking is
    irreversible, and is done once the retention is confirmed.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        vault = rs.Vault(
            self.role("vault"), resource_group_name=self.placement.scope, location=self.placement.region,
            vault_name=safe_name(f"rsv-{self.name}", 50),
            sku=rs.SkuArgs(name=rs.SkuName.RS0, tier="Standard"),
            identity=rs.IdentityDataArgs(type=rs.ResourceIdentityType.USER_ASSIGNED,
                                         user_assigned_identities=[self.placement.identity_id]),
            properties=rs.VaultPropertiesArgs(
                encryption=rs.VaultPropertiesEncryptionArgs(
                    key_vault_properties=rs.CmkKeyVaultPropertiesArgs(key_uri=self.placement.key_ref),
                    kek_identity=rs.CmkKekIdentityArgs(user_assigned_identity=self.placement.identity_id),
                    infrastructure_encryption=rs.InfrastructureEncryptionState.ENABLED),
                public_network_access=rs.PublicNetworkAccess.DISABLED,
                security_settings=rs.SecuritySettingsArgs(
                    immutability_settings=rs.ImmutabilitySettingsArgs(state=rs.ImmutabilityState.UNLOCKED),
                    soft_delete_settings=rs.SoftDeleteSettingsArgs(
                        soft_delete_state=rs.SoftDeleteState.ALWAYS_ON,
                        enhanced_security_state=rs.EnhancedSecurityState.ALWAYS_ON,
                        soft_delete_retention_period_in_days=SOFT_DELETE_DAYS)),
                redundancy_settings=rs.VaultPropertiesRedundancySettingsArgs(
                    standard_tier_storage_redundancy=rs.StandardTierStorageRedundancy.GEO_REDUNDANT,
                    cross_region_restore=rs.CrossRegionRestore.ENABLED),
                monitoring_settings=rs.MonitoringSettingsArgs(
                    azure_monitor_alert_settings=rs.AzureMonitorAlertSettingsArgs(
                        alerts_for_all_job_failures=rs.AlertsState.ENABLED),
                    classic_alert_settings=rs.ClassicAlertSettingsArgs(
                        alerts_for_critical_operations=rs.AlertsState.DISABLED))),
            tags=self.tags, opts=self.keep())
        days = rs.RetentionDurationType
        policy = rs.ProtectionPolicy(
            self.role("vm-daily"), resource_group_name=self.placement.scope, vault_name=vault.name,
            policy_name="hdh-vm-daily", location=self.placement.region,
            properties=rs.AzureIaaSVMProtectionPolicyArgs(
                backup_management_type="AzureIaasVM",
                # Enhanced (V2) policies are the ones Trusted Launch VMs and multi-disk consistency need.
                policy_type=rs.IAASVMPolicyType.V2, instant_rp_retention_range_in_days=7,
                time_zone="Romance Standard Time",
                schedule_policy=rs.SimpleSchedulePolicyV2Args(
                    schedule_policy_type="SimpleSchedulePolicyV2", schedule_run_frequency=rs.ScheduleRunType.DAILY,
                    daily_schedule=rs.DailyScheduleArgs(schedule_run_times=[RUN_TIME])),
                retention_policy=rs.LongTermRetentionPolicyArgs(
                    retention_policy_type="LongTermRetentionPolicy",
                    daily_schedule=rs.DailyRetentionScheduleArgs(
                        retention_times=[RUN_TIME],
                        retention_duration=rs.RetentionDurationArgs(count=DAILY_DAYS, duration_type=days.DAYS)),
                    weekly_schedule=rs.WeeklyRetentionScheduleArgs(
                        days_of_the_week=[rs.DayOfWeek.SUNDAY], retention_times=[RUN_TIME],
                        retention_duration=rs.RetentionDurationArgs(count=WEEKLY_WEEKS, duration_type=days.WEEKS)),
                    monthly_schedule=rs.MonthlyRetentionScheduleArgs(
                        retention_schedule_format_type=rs.RetentionScheduleFormat.WEEKLY,
                        retention_schedule_weekly=rs.WeeklyRetentionFormatArgs(
                            days_of_the_week=[rs.DayOfWeek.SUNDAY], weeks_of_the_month=[rs.WeekOfMonth.FIRST]),
                        retention_times=[RUN_TIME],
                        retention_duration=rs.RetentionDurationArgs(count=MONTHLY_MONTHS, duration_type=days.MONTHS)))),
            tags=self.tags, opts=self.child())
        scope = resource_group_id(self)
        enrolment = authorization.PolicyAssignment(
            self.role("enrol"), scope=scope, policy_assignment_name=safe_name(f"hdh-backup-{self.name}", 64),
            display_name="hdhport: back up every VM holding health data",
            description=f"VMs tagged {ENROL_TAG}={ENROL_VALUES[0]} are enrolled in the vault's daily policy",
            policy_definition_id=BACKUP_TAGGED_VMS, location=self.placement.region,
            identity=authorization.IdentityArgs(type=authorization.ResourceIdentityType.SYSTEM_ASSIGNED),
            enforcement_mode=authorization.EnforcementMode.DEFAULT, metadata=self.tags,
            parameters={
                "vaultLocation": authorization.ParameterValuesValueArgs(value=self.placement.region),
                "inclusionTagName": authorization.ParameterValuesValueArgs(value=ENROL_TAG),
                "inclusionTagValue": authorization.ParameterValuesValueArgs(value=ENROL_VALUES),
                "backupPolicyId": authorization.ParameterValuesValueArgs(value=policy.id),
                "effect": authorization.ParameterValuesValueArgs(value="DeployIfNotExists"),
            },
            opts=self.child())
        principal = enrolment.identity.apply(lambda identity: identity.principal_id if identity else "")
        grants = [
            grant(self, "enrol-vm", scope, VIRTUAL_MACHINE_CONTRIBUTOR, principal,
                  "hdhport: backup enrolment installs the backup extension on tagged VMs"),
            grant(self, "enrol-backup", scope, BACKUP_CONTRIBUTOR, principal,
                  "hdhport: backup enrolment registers tagged VMs in the vault"),
        ]
        policyinsights.RemediationAtResourceGroup(
            self.role("enrol-existing"), resource_group_name=self.placement.scope,
            remediation_name=safe_name(f"hdh-backup-{self.name}", 64), policy_assignment_id=enrolment.id,
            resource_discovery_mode=policyinsights.ResourceDiscoveryMode.RE_EVALUATE_COMPLIANCE,
            opts=self.child(depends_on=grants))
        send_audit_logs(self, "audit", vault.id, category_group="allLogs")
        return vault.id, self.placement.key_ref
