"""An Azure Machine Learning workspace with what it requires, written once for ml_workspace and
notebook_server: its default storage account, its Application Insights, a Key Vault of its own for the
secrets it keeps, all private, its data encrypted with the customer-managed key."""
from __future__ import annotations

from dataclasses import dataclass

from pulumi_azure_native import applicationinsights, keyvault, machinelearningservices as aml, storage

from providers.azure.arm import global_name, key_name, key_vault_uri, send_audit_logs
from providers.azure.private_link import private_link
from providers.azure.vaults import private_vault
from providers.base import ServiceComponent
from providers.contract import safe_name

RETENTION_DAYS = 30


@dataclass(frozen=True)
class Workspace:
    """The workspace and its default store, for the component that asked for it."""

    workspace: aml.Workspace
    name: str
    storage: storage.StorageAccount
    vault: keyvault.Vault


def ml_workspace(owner: ServiceComponent, description: str) -> Workspace:
    """A private, CMK-encrypted, high-business-impact AML workspace in owner's scope and subnet.

    Computes of the workspace are injected in placement.subnet_id (no managed network), so an enclave's
    workspace runs its notebooks and jobs in the enclave's own subnet.
    """
    p = owner.placement
    # Storage account names are DNS labels shared by every tenant: 3-24 lowercase letters and digits.
    account_name = global_name("stml", owner.name, 24, separator="")
    default_store = storage.StorageAccount(
        owner.role("storage"), resource_group_name=p.scope, location=p.region,
        account_name=account_name,
        kind=storage.Kind.STORAGE_V2, sku=storage.SkuArgs(name=storage.SkuName.STANDARD_ZRS),
        # AML's default store must not have a hierarchical namespace.
        is_hns_enabled=False,
        identity=storage.IdentityArgs(type=storage.IdentityType.USER_ASSIGNED,
                                      user_assigned_identities=[p.identity_id]),
        encryption=storage.EncryptionArgs(
            key_source=storage.KeySource.MICROSOFT_KEYVAULT,
            key_vault_properties=storage.KeyVaultPropertiesArgs(key_vault_uri=key_vault_uri(p.key_ref),
                                                                key_name=key_name(p.key_ref)),
            encryption_identity=storage.EncryptionIdentityArgs(encryption_user_assigned_identity=p.identity_id),
            require_infrastructure_encryption=True,
            services=storage.EncryptionServicesArgs(
                blob=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                file=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT))),
        public_network_access=storage.PublicNetworkAccess.DISABLED,
        network_rule_set=storage.NetworkRuleSetArgs(default_action=storage.DefaultAction.DENY,
                                                    bypass=storage.Bypass.NONE),
        minimum_tls_version=storage.MinimumTlsVersion.TLS1_2, enable_https_traffic_only=True,
        allow_blob_public_access=False, allow_cross_tenant_replication=False,
        # The workspace reaches its system datastores with its identity: no account key is needed.
        allow_shared_key_access=False, default_to_o_auth_authentication=True,
        allowed_copy_scope=storage.AllowedCopyScope.PRIVATE_LINK,
        tags=owner.tags, opts=owner.keep())
    storage.BlobServiceProperties(
        owner.role("storage-blob"), resource_group_name=p.scope, account_name=account_name,
        blob_services_name="default", is_versioning_enabled=True,
        delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=RETENTION_DAYS),
        container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=RETENTION_DAYS),
        opts=owner.keep(depends_on=[default_store]))
    private_link(owner, default_store.id, "blob")
    private_link(owner, default_store.id, "file")

    insights = applicationinsights.Component(
        owner.role("insights"), resource_group_name=p.scope, location=p.region, kind="web",
        application_type=applicationinsights.ApplicationType.WEB,
        workspace_resource_id=p.log_workspace_id,
        ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
        public_network_access_for_ingestion=applicationinsights.PublicNetworkAccessType.DISABLED,
        public_network_access_for_query=applicationinsights.PublicNetworkAccessType.DISABLED,
        disable_local_auth=True, tags=owner.tags, opts=owner.child())

    # Where the workspace keeps its secrets (datastore credentials, connections): a vault of its own, like its
    # storage account, never key_management's, which holds the customer-managed keys alone (vaults.py). Azure
    # Machine Learning is one of Key Vault's trusted services: its resource provider writes there from
    # Microsoft's network, the workspace's computes come through the private endpoint.
    vault = private_vault(owner, "kvml", keyvault.SkuName.STANDARD, trusted_services=True)

    # Workspace names: 3-33 characters, unique in the resource group.
    name = safe_name(f"mlw-{owner.name}", 33)
    workspace = aml.Workspace(
        owner.role("workspace"), resource_group_name=p.scope, location=p.region, workspace_name=name,
        friendly_name=name, description=description,
        sku=aml.SkuArgs(name="Basic", tier=aml.SkuTier.BASIC),
        # Its own identity for its resources; the platform identity only to reach the key.
        identity=aml.ManagedServiceIdentityArgs(type=aml.ManagedServiceIdentityType.SYSTEM_ASSIGNED_USER_ASSIGNED,
                                                user_assigned_identities=[p.identity_id]),
        storage_account=default_store.id, key_vault=vault.id, application_insights=insights.id,
        # The customer-managed key stays in key_management's vault, reached with the platform identity.
        encryption=aml.EncryptionPropertyArgs(
            status=aml.EncryptionStatus.ENABLED,
            key_vault_properties=aml.KeyVaultPropertiesArgs(key_identifier=p.key_ref, key_vault_arm_id=p.key_vault_id),
            identity=aml.IdentityForCmkArgs(user_assigned_identity=p.identity_id)),
        # Keeps the CMK-encrypted metadata in the service rather than in a Cosmos DB and a search
        # service created in our subscription.
        enable_service_side_cmk_encryption=True,
        # High business impact: less diagnostic data leaves the workspace, local scratch disks encrypted.
        hbi_workspace=True,
        public_network_access=aml.PublicNetworkAccessType.DISABLED,
        allow_public_access_when_behind_vnet=False,
        system_datastores_auth_mode=aml.SystemDatastoresAuthMode.IDENTITY,
        serverless_compute_settings=aml.ServerlessComputeSettingsArgs(
            serverless_compute_custom_subnet=p.subnet_id, serverless_compute_no_public_ip=True),
        v1_legacy_mode=False,
        tags=owner.tags, opts=owner.keep())
    private_link(owner, workspace.id, "aml")
    send_audit_logs(owner, "audit", workspace.id, category_group="allLogs")
    return Workspace(workspace=workspace, name=name, storage=default_store, vault=vault)
