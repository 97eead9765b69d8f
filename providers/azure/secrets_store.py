"""The secrets store on Azure: a Key Vault of its own for the passwords, tokens and connection strings of the
platform's components, reachable only through a private endpoint."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import keyvault

from providers.azure.vaults import private_vault, vault_uri
from providers.base import ServiceComponent


class SecretsStore(ServiceComponent):
    """secrets_store with Azure Key Vault (Standard): RBAC authorisation, soft delete (90 days) and purge
    protection, public network access disabled and firewall deny-by-default, a private endpoint in the
    service's subnet (the enclave's for an enclave instance), audit log to the platform's workspace.

    Separate from key_management's vault on purpose: the customer-managed keys that wrap every data store
    and the secrets applications read are used by different principals at very different rates. Apart,
    a secrets reader can never be granted a key by a vault-wide role, the key vault's request quota is never
    spent on secret reads, and each vault's audit log says one thing. Standard, because Premium's HSMs protect
    keys, not secrets.

    The vault is created empty. No secret is written by this program: a value set through ARM would pass
    through the deployment state, and there is no secret the platform should hold that the program knows.
    Components write their own secrets with their managed identity (Key Vault Secrets Officer on their
    secret only), with an expiry date that policy_governance makes mandatory; rotation is the pipelines' job
    (Key Vault raises SecretNearExpiry events, it does not rotate secrets itself).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        vault = private_vault(self, "kvs", keyvault.SkuName.STANDARD)
        return vault_uri(vault), None
