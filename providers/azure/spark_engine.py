"""spark_engine on Azure: an Azure Databricks workspace injected in the platform VNet, with secure
cluster connectivity (no public IP on any node), front-end and back-end Private Link, and the
customer-managed key on the control-plane data and on the clusters' disks."""
from __future__ import annotations

from urllib.parse import urlsplit

import pulumi
from pulumi_azure_native import databricks, network

from providers.azure.arm import CRYPTO_SERVICE_ENCRYPTION_USER, grant, key_name, key_vault_uri, \
    resource_group_id, send_audit_logs
from providers.azure.private_link import private_link
from providers.azure.subnets import RESERVED, dedicated_subnet
from providers.base import ServiceComponent
from providers.contract import safe_name

DELEGATION = "Microsoft.Databricks/workspaces"


def key_version(key_ref: pulumi.Input[str]) -> pulumi.Output[str]:
    """The version segment of a Key Vault key URI, "" for a versionless one (Databricks requires the field)."""
    def pick(uri: str) -> str:
        parts = urlsplit(uri).path.strip("/").split("/")
        return parts[2] if len(parts) > 2 else ""
    return pulumi.Output.from_input(key_ref).apply(pick)


def _principal(identity: databricks.outputs.ManagedIdentityConfigurationResponse | None) -> str:
    return identity.principal_id if identity is not None else ""


class SparkEngine(ServiceComponent):
    """spark_engine with Azure Databricks (Premium, classic compute in our VNet).

    - Clusters run in two delegated subnets of the platform VNet (host and container, see subnets.py)
      with `enable_no_public_ip` (secure cluster connectivity): no node has a public address.
    - Public network access is disabled; the workspace UI/API and browser sign-in go through private
      endpoints in the services subnet, and clusters reach the control plane over back-end Private
      Link, so Azure adds no NSG rule of its own (`NoAzureDatabricksRules`).
    - The customer-managed key protects managed-services data (notebooks, secrets, queries) and the
      clusters' managed disks (following the key's latest version); the workspace's root storage is
      prepared for the key and uses infrastructure (double) encryption.
    - Unity Catalog with the access connector's managed identity; the root storage's firewall admits
      only that connector; enhanced security monitoring and the compliance security profile are on.

    Limits: Azure accepts the DBFS root key only once the root storage's identity (created with the
    workspace) holds the key, so turning DBFS root CMK on is a second update of `parameters.encryption`
    after the grant below exists; the AzureDatabricks first-party application must hold the key for
    managed services before the workspace is created, and nothing here grants it (its object id is per
    tenant and Microsoft Graph is out of reach of pulumi-azure-native): the operator grants it between a
    first `pulumi up` without spark_engine and the one that adds it (docs/operations.md, "Prerequisites
    the program cannot create").
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        # Databricks installs its network intent policy on this NSG; with back-end Private Link it adds
        # no rule, so Azure's defaults (nothing inbound from the internet) stay the only rules.
        nsg = network.NetworkSecurityGroup(
            self.role("nsg"), resource_group_name=p.scope, location=p.region, tags=self.tags, opts=self.child())
        dedicated_subnet(self, "databricks-host", delegation=DELEGATION, network_security_group_id=nsg.id)
        # Created after the host subnet, as every subnet of the VNet waits for the one before it (in_turn).
        container = dedicated_subnet(self, "databricks-container", delegation=DELEGATION,
                                     network_security_group_id=nsg.id)

        connector = databricks.AccessConnector(
            self.role("access-connector"), resource_group_name=p.scope, location=p.region,
            identity=databricks.ManagedServiceIdentityArgs(
                type=databricks.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            tags=self.tags, opts=self.child())

        vault_uri = key_vault_uri(p.key_ref)
        name = key_name(p.key_ref)
        version = key_version(p.key_ref)
        workspace = databricks.Workspace(
            self.role("workspace"), resource_group_name=p.scope, location=p.region,
            workspace_name=safe_name(f"dbw-hdh-{self.name}", 64),
            sku=databricks.SkuArgs(name="premium"),
            compute_mode=databricks.ComputeMode.HYBRID,
            managed_resource_group_id=resource_group_id(self).apply(lambda group: f"{group}-{self.name}-dbw"),
            public_network_access=databricks.PublicNetworkAccess.DISABLED,
            required_nsg_rules=databricks.RequiredNsgRules.NO_AZURE_DATABRICKS_RULES,
            access_connector=databricks.WorkspacePropertiesAccessConnectorArgs(
                id=connector.id, identity_type=databricks.IdentityType.SYSTEM_ASSIGNED),
            default_storage_firewall=databricks.DefaultStorageFirewall.ENABLED,
            default_catalog=databricks.DefaultCatalogPropertiesArgs(initial_type=databricks.InitialType.UNITY_CATALOG),
            parameters=databricks.WorkspaceCustomParametersArgs(
                custom_virtual_network_id=databricks.WorkspaceCustomStringParameterArgs(value=p.network_id),
                custom_public_subnet_name=databricks.WorkspaceCustomStringParameterArgs(
                    value=RESERVED["databricks-host"].name),
                custom_private_subnet_name=databricks.WorkspaceCustomStringParameterArgs(
                    value=RESERVED["databricks-container"].name),
                enable_no_public_ip=databricks.WorkspaceNoPublicIPBooleanParameterArgs(value=True),
                prepare_encryption=databricks.WorkspaceCustomBooleanParameterArgs(value=True),
                require_infrastructure_encryption=databricks.WorkspaceCustomBooleanParameterArgs(value=True),
                storage_account_sku_name=databricks.WorkspaceCustomStringParameterArgs(value="Standard_ZRS")),
            encryption=databricks.WorkspacePropertiesEncryptionArgs(
                entities=databricks.EncryptionEntitiesDefinitionArgs(
                    managed_services=databricks.EncryptionV2Args(
                        key_source=databricks.EncryptionKeySource.MICROSOFT_KEYVAULT,
                        key_vault_properties=databricks.EncryptionV2KeyVaultPropertiesArgs(
                            key_vault_uri=vault_uri, key_name=name, key_version=version)),
                    managed_disk=databricks.ManagedDiskEncryptionArgs(
                        key_source=databricks.EncryptionKeySource.MICROSOFT_KEYVAULT,
                        key_vault_properties=databricks.ManagedDiskEncryptionKeyVaultPropertiesArgs(
                            key_vault_uri=vault_uri, key_name=name, key_version=version),
                        rotation_to_latest_key_version_enabled=True))),
            enhanced_security_compliance=databricks.EnhancedSecurityComplianceDefinitionArgs(
                automatic_cluster_update=databricks.AutomaticClusterUpdateDefinitionArgs(
                    value=databricks.AutomaticClusterUpdateValue.ENABLED),
                enhanced_security_monitoring=databricks.EnhancedSecurityMonitoringDefinitionArgs(
                    value=databricks.EnhancedSecurityMonitoringValue.ENABLED),
                # HIPAA is the published profile closest to HDS health-data hosting; it hardens images
                # and restricts clusters to compliant instance types and runtimes.
                compliance_security_profile=databricks.ComplianceSecurityProfileDefinitionArgs(
                    value=databricks.ComplianceSecurityProfileValue.ENABLED,
                    compliance_standards=[databricks.ComplianceStandard.HIPAA])),
            tags=self.tags, opts=self.keep(depends_on=[container]))

        # The disk encryption set and the root storage Databricks creates get identities of their own,
        # known only once the workspace exists: each may wrap and unwrap with the key, nothing more.
        grant(self, "disk-key", p.key_vault_id, CRYPTO_SERVICE_ENCRYPTION_USER,
              workspace.managed_disk_identity.apply(_principal),
              "Databricks cluster disks: customer-managed key")
        grant(self, "root-storage-key", p.key_vault_id, CRYPTO_SERVICE_ENCRYPTION_USER,
              workspace.storage_account_identity.apply(_principal),
              "Databricks root storage: customer-managed key")

        private_link(self, workspace.id, "databricks")
        # Browser single sign-on to a private workspace needs this endpoint once per region.
        private_link(self, workspace.id, "databricks-auth")
        send_audit_logs(self, "audit", workspace.id, category_group="allLogs")

        endpoint = workspace.workspace_url.apply(lambda url: f"https://{url}/" if url else "")
        return endpoint, p.key_ref
