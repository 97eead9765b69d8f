"""Certificate management on Azure: a Key Vault Premium dedicated to the platform's TLS certificates, reachable only
through a private endpoint, into which the certificates the stack gives are loaded."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import keyvault

from providers.azure import tls
from providers.azure.vaults import private_vault, vault_uri
from providers.base import ServiceComponent


class CertificateManagement(ServiceComponent):
    """certificate_management with Azure Key Vault certificates: a Premium vault (certificate keys can be
    RSA-HSM), RBAC, soft delete and purge protection, public network access disabled, a private endpoint
    registered in privatelink.vaultcore.azure.net, and its audit log (every issuance, renewal, export) in
    the platform's workspace.

    The certificates the platform's own Azure services present are loaded from the stack, as on OpenStack
    (providers/azure/tls.py): the server certificate of `hdh:tlsCertificate` and `hdh:tlsPrivateKey` (with
    `hdh:tlsIntermediates`) as the secret `hdh-gateway-tls`, which the WAF gateway serves, and the TLS
    inspection CA of `hdh:tlsInspectionCertificate` and `hdh:tlsInspectionPrivateKey` as
    `hdh-firewall-tls-inspection-ca`, which the perimeter firewall signs with. Each is a password-less PKCS#12
    written through Azure Resource Manager (a control-plane write, which the vault's firewall does not stop,
    so the first `pulumi up` that creates the vault fills it), expiring with its certificate, protected and
    retained. This service is built with the foundation (infra/program.py) and hands on the vault's id and
    each secret's versionless id (Placement `certificate_vault_id`, `tls_certificate_ref`,
    `tls_inspection_ca_ref`); each consumer grants its own identity Key Vault Secrets User on its own secret.
    A certificate the stack does not give is not created, and its consumer says what it leaves undone.

    Trusted Azure services may reach the vault besides its private endpoint: Azure Firewall Premium reads its
    CA from Microsoft's network, not through the VNet (providers/azure/vaults.py).

    Limits of what ARM can build: certificates as Key Vault *certificate* objects, their issuance policies
    (subject, key type, validity, auto-renewal at a percentage of lifetime), certificate issuers and contacts
    are objects of the vault's data plane, not Azure Resource Manager resources, and no azure-native class
    creates them. Certificates for applications are issued by the platform's pipeline through the vault's
    private endpoint with the data-plane API (`az keyvault certificate create|import`), holding Key Vault
    Certificates Officer on this vault only. What ARM can enforce is enforced by policy_governance on the data
    plane: a certificate valid for more than 12 months is refused. Key Vault renews through its integrated
    public CAs, not ACME; a certificate loaded from the stack is renewed by setting the renewed one there.

    Separate from the secrets store: consumers of certificates (the WAF gateway, TLS endpoints) get a role on
    their certificate in this vault without ever being able to list the platform's secrets.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("certificate_vault_id", "tls_certificate_ref", "tls_inspection_ca_ref")

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        vault = private_vault(self, "kvc", keyvault.SkuName.PREMIUM, trusted_services=True)
        provided: dict[str, pulumi.Input[str]] = {"certificate_vault_id": vault.id}
        for field, role, name, pfx in (
                ("tls_certificate_ref", "tls-certificate", tls.SERVER_SECRET, tls.server_certificate()),
                ("tls_inspection_ca_ref", "tls-inspection-ca", tls.INSPECTION_SECRET, tls.inspection_ca())):
            if pfx is None:
                continue
            secret = keyvault.Secret(
                self.role(role), resource_group_name=self.placement.scope, vault_name=vault.name, secret_name=name,
                properties=keyvault.SecretPropertiesArgs(
                    value=pfx.value, content_type=tls.PKCS12,
                    attributes=keyvault.SecretAttributesArgs(enabled=True, expires=pfx.expires)),
                tags=self.tags, opts=self.keep())
            # The versionless id: the gateway and the firewall follow a renewed certificate's new version.
            provided[field] = pulumi.Output.unsecret(secret.properties.apply(lambda properties: properties.secret_uri))
        self.provide(**provided)
        return vault_uri(vault), None
