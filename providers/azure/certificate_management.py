"""Certificate management on Azure: a Key Vault Premium dedicated to the platform's TLS certificates, where
certificates are issued, stored and renewed, reachable only through a private endpoint."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import keyvault

from providers.azure.vaults import private_vault, vault_uri
from providers.base import ServiceComponent


class CertificateManagement(ServiceComponent):
    """certificate_management with Azure Key Vault certificates: a Premium vault (certificate keys can be
    RSA-HSM), RBAC, soft delete and purge protection, public network access disabled, a private endpoint
    registered in privatelink.vaultcore.azure.net, and its audit log (every issuance, renewal, export) in
    the platform's workspace.

    Limits of what ARM can build: certificates, their issuance policies (subject, key type, validity,
    auto-renewal at a percentage of lifetime), certificate issuers (a public CA account, or none for the
    internal CA's certificates imported by the platform's pipeline) and certificate contacts are objects of
    the vault's data plane, not Azure Resource Manager resources, and no azure-native class creates them.
    They are set by the platform's pipeline through the vault's private endpoint with the data-plane API
    (`az keyvault certificate create|import`, `az keyvault certificate issuer create`,
    `az keyvault certificate contact add`), holding Key Vault Certificates Officer on this vault only.
    What ARM can enforce is enforced by policy_governance on the data plane: a certificate valid for
    more than 12 months is refused. Key Vault renews through its integrated public CAs, not ACME.

    Separate from the secrets store: consumers of certificates (the WAF gateway, TLS endpoints) get
    Key Vault Certificate User on this vault without ever being able to list the platform's secrets.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        vault = private_vault(self, "kvc", keyvault.SkuName.PREMIUM)
        return vault_uri(vault), None
