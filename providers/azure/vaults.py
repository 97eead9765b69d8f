"""Key vaults that hold platform material other than the customer-managed keys (secrets, TLS certificates),
written once: RBAC only, soft delete and purge protection, no public network access, a private endpoint
registered in the platform's privatelink zone, and the vault's audit log in the platform's workspace.

The customer-managed keys live in key_management's vault, never in these: see secrets_store for why. The
secrets store and certificate management have one each; an Azure Machine Learning workspace has its own
(providers/azure/aml.py), like its storage account.
"""
from __future__ import annotations

import pulumi
from pulumi_azure_native import keyvault

from providers.azure.arm import client_config, global_name, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

SOFT_DELETE_DAYS = 90  # the maximum Key Vault allows: a deleted secret or certificate can be recovered for 90 days


def private_vault(owner: ServiceComponent, prefix: str, sku: keyvault.SkuName,
                  trusted_services: bool = False) -> keyvault.Vault:
    """A Key Vault reachable only through its private endpoint, authorised by Azure RBAC, audited.

    No trusted-services bypass by default: the consumers of secrets and certificates (applications, VMs, the
    WAF gateway) are in the VNet and come through the private endpoint. `trusted_services` lets in, besides,
    the Azure services on Key Vault's trusted list that reach a vault from Microsoft's network rather than
    the VNet (Azure Firewall Premium reading its TLS inspection CA, Azure Machine Learning's resource provider
    writing a workspace's secrets). Key Vault admits only the listed services that way, even with public
    network access disabled, and each still needs its role on the vault
    (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints, "Trusted services").
    """
    client = client_config()
    vault = keyvault.Vault(
        owner.role("vault"), resource_group_name=owner.placement.scope, location=owner.placement.region,
        vault_name=global_name(prefix, owner.name, 24),
        properties=keyvault.VaultPropertiesArgs(
            tenant_id=client.tenant_id, sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=sku),
            # Grants are role assignments (audited in ARM, scoped per secret if need be), never access policies.
            enable_rbac_authorization=True,
            enable_soft_delete=True, soft_delete_retention_in_days=SOFT_DELETE_DAYS, enable_purge_protection=True,
            enabled_for_deployment=False, enabled_for_disk_encryption=False, enabled_for_template_deployment=False,
            public_network_access=keyvault.PublicNetworkAccess.DISABLED,
            network_acls=keyvault.NetworkRuleSetArgs(default_action=keyvault.NetworkRuleAction.DENY,
                                                     bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES
                                                     if trusted_services else keyvault.NetworkRuleBypassOptions.NONE)),
        tags=owner.tags,
        # The vault is the only copy of what it holds; purge protection covers its content, this covers it.
        opts=owner.keep())
    private_link(owner, vault.id, "vault")
    send_audit_logs(owner, "audit-logs", vault.id)
    return vault


def vault_uri(vault: keyvault.Vault) -> pulumi.Output[str]:
    """The vault's data-plane URI (https://<name>.vault.azure.net/), the endpoint applications use."""
    return vault.properties.apply(lambda properties: properties.vault_uri or "")
