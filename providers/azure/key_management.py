"""Customer-managed keys on Azure: a Key Vault Premium with an HSM-backed RSA key that rotates itself,
reachable only through a private endpoint, usable only by the platform's encryption identity."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import keyvault

from providers.azure.arm import (CRYPTO_SERVICE_ENCRYPTION_USER, client_config, global_name, grant, identity_of,
                                 private_endpoint, send_audit_logs)
from providers.base import ServiceComponent


class KeyManagement(ServiceComponent):
    """key_management with Azure Key Vault Premium (RSA-HSM keys, RBAC, purge protection, private endpoint).

    The platform instance holds the platform key. An enclave instance gets a Key Vault of its own rather
    than one more key in the platform vault, because the vault is Azure's unit of isolation for keys:
    its RBAC scope, its firewall and private endpoint, its audit log, its request quota and its deletion
    lifecycle are per vault. A project's key can then be granted, audited and, at project closure,
    destroyed (crypto-shredding its data) without touching any other project's.

    Azure Managed HSM is not built: Key Vault Premium keys of type RSA-HSM are already generated and
    kept in HSMs, whereas a Managed HSM pool is billed per hour whether used or not and must be
    activated by a quorum of security officers downloading its security domain, a ceremony no
    deployment tool can perform on their behalf.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("key_ref", "key_vault_id")

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        client = client_config()
        vault = keyvault.Vault(
            self.role("vault"), resource_group_name=self.placement.scope, location=self.placement.region,
            vault_name=global_name("kv", self.name, 24),
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=client.tenant_id,
                sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.PREMIUM),
                enable_rbac_authorization=True,  # no access policies: grants are role assignments, audited in ARM
                enable_soft_delete=True, soft_delete_retention_in_days=90, enable_purge_protection=True,
                enabled_for_deployment=False, enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
                public_network_access="Disabled",
                # Deny by default; the trusted-services bypass is how Storage, Disk Encryption Sets and
                # Recovery Services reach the key with their managed identity (they do not come through
                # the private endpoint). Each still needs its role on the vault.
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action=keyvault.NetworkRuleAction.DENY,
                    bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES)),
            tags=self.tags,
            # Losing the vault is losing every store encrypted with its keys.
            opts=self.keep())
        key = keyvault.Key(
            self.role("key"), resource_group_name=self.placement.scope, vault_name=vault.name,
            key_name=f"hdh-{self.enclave or 'platform'}",
            properties=keyvault.KeyPropertiesArgs(
                kty=keyvault.JsonWebKeyType.RS_A_HSM, key_size=3072,
                key_ops=[keyvault.JsonWebKeyOperation.WRAP_KEY, keyvault.JsonWebKeyOperation.UNWRAP_KEY],
                # A new version every year; services hold the versionless URI and follow it. Versions
                # expire after two years, so a stalled rotation is noticed a month before.
                rotation_policy=keyvault.RotationPolicyArgs(
                    attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time="P2Y"),
                    lifetime_actions=[
                        keyvault.LifetimeActionArgs(
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                            trigger=keyvault.TriggerArgs(time_after_create="P1Y")),
                        keyvault.LifetimeActionArgs(
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.NOTIFY),
                            trigger=keyvault.TriggerArgs(time_before_expiry="P30D")),
                    ])),
            tags=self.tags, opts=self.keep())
        private_endpoint(self, vault.id, "vault")
        granted = grant(self, "key-user", vault.id, CRYPTO_SERVICE_ENCRYPTION_USER,
              identity_of(self, self.placement.identity_id).principal_id,
              f"hdhport: the encryption identity wraps and unwraps data keys with {self.name}'s keys")
        if self.enclave:
            # The platform vault's logs are routed by log_analytics, built after it; an enclave's vault
            # comes later and routes its own.
            send_audit_logs(self, "audit", vault.id)
        # Consumers get the key once the identity may use it: a store created before the grant would fail
        # its first wrap of the data key.
        key_ref = pulumi.Output.all(key.key_uri, granted.id).apply(lambda parts: str(parts[0]))
        self.provide(key_ref=key_ref, key_vault_id=vault.id)
        return vault.properties.apply(lambda properties: properties.vault_uri or ""), None
