"""Azure Resource Manager helpers shared by the Azure implementations: ids, globally unique names,
private endpoints, role assignments and audit-log routing, written once.

Placement fields arrive as `pulumi.Input[str]` (plain strings in tests, outputs of the foundation
services in a real run), so everything derived from them is an Output.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import urlsplit

import pulumi
from pulumi_azure_native import authorization, managedidentity, monitor, network, security

from providers.base import ServiceComponent
from providers.contract import safe_name
from providers.lookups import once

#: Built-in role "Key Vault Crypto Service Encryption User": wrap/unwrap with a key, nothing else.
CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
#: Built-in role "Key Vault Secrets User": read a secret's value (a certificate's PFX), nothing else.
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
#: Built-in role "Storage Blob Data Contributor": read, write and delete the blobs of its scope.
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def id_part(resource_id: pulumi.Input[str], segment: str,
            fallback: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """The value following `segment` in an ARM id, e.g. id_part(vnet_id, "virtualNetworks") -> the VNet name.

    Ids without that segment only come from the mock engine (`<name>-id`): they give `fallback`, or the
    id's last element when there is none. An empty id means a foundation service is missing.
    """
    def pick(values: list[str]) -> str:
        text, default = values
        if not text:
            raise ValueError(f"no resource id to read '{segment}' from: is a foundation service missing?")
        parts = text.strip("/").split("/")
        lowered = [part.lower() for part in parts]
        if segment.lower() in lowered[:-1]:
            return parts[lowered.index(segment.lower()) + 1]
        return default or parts[-1]
    return pulumi.Output.all(resource_id, fallback if fallback is not None else "").apply(pick)


def key_vault_uri(key_ref: pulumi.Input[str]) -> pulumi.Output[str]:
    """`https://<vault>.vault.azure.net/` from a key URI (versioned or not)."""
    return pulumi.Output.from_input(key_ref).apply(lambda uri: f"https://{urlsplit(uri).netloc}/")


def key_name(key_ref: pulumi.Input[str]) -> pulumi.Output[str]:
    """The key's name from `https://<vault>.vault.azure.net/keys/<name>[/<version>]`."""
    def pick(uri: str) -> str:
        parts = urlsplit(uri).path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "keys":
            raise ValueError(f"'{uri}' is not a Key Vault key URI")
        return parts[1]
    return pulumi.Output.from_input(key_ref).apply(pick)


def global_name(prefix: str, logical: str, limit: int, separator: str = "-") -> str:
    """A name for resources whose name is a public DNS label (storage accounts, key vaults, registries).

    Deterministic (a digest of subscription, project, stack and logical name) so that every run of one
    deployment gives the same names; the subscription id makes them unique per deployment: the project,
    stack and component names are public (shipped stack files), so a digest of those alone would be the
    same for everyone deploying a shipped stack (StorageAccountAlreadyTaken, VaultAlreadyExists). Only
    lowercase letters, digits and `separator`, within `limit`.
    """
    seed = f"{deployment_subscription()}/{pulumi.get_project()}/{pulumi.get_stack()}/{logical}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:6]
    stem = safe_name(f"{prefix}{separator}{logical}", limit - len(digest) - len(separator), separator or "-")
    return f"{stem.replace('-', separator)}{separator}{digest}"


def deployment_subscription() -> str:
    """The subscription the deployment runs in, as a plain string (asked once per run, before any resource
    is named): what tells one deployment of a shipped stack from another."""
    return str(client_config_now().subscription_id)


def tenant_unique(name: str) -> str:
    """`name` made unique in the Entra tenant (custom role names are unique per tenant, not per subscription):
    suffixed with the stack and the subscription's first block."""
    return f"{name} [{pulumi.get_stack()}/{deployment_subscription().split('-')[0]}]"


def tenant_setting_name(name: str) -> str:
    """`name` for a setting of the Entra tenant itself (a diagnostic setting of Microsoft Entra ID): suffixed with the
    stack and the subscription's first block, as tenant_unique does, so every platform stack of one tenant, in one
    subscription or several, has its own. Lowercase letters, digits and hyphens (the API states no pattern;
    this is what every Azure name accepts), 64 characters at most."""
    subscription = deployment_subscription().split("-")[0]
    stem = safe_name(f"{name}-{pulumi.get_stack()}", 64 - len(subscription) - 1)
    return f"{stem}-{safe_name(subscription, 8)}"


def client_config_now() -> authorization.GetClientConfigResult:
    """Who the deployment runs as: tenant, subscription, client and object ids, asked once per run and
    waited for, since globally unique names (global_name) need the subscription before any resource exists."""
    return once(("azure", "client_config"), authorization.get_client_config)


def client_config() -> pulumi.Output[authorization.GetClientConfigResult]:
    """client_config_now() as an Output, for arguments of resources."""
    return pulumi.Output.from_input(client_config_now())


def identity_of(owner: ServiceComponent,
                identity_id: pulumi.Input[str]) -> pulumi.Output[managedidentity.GetUserAssignedIdentityResult]:
    """The user-assigned identity behind `identity_id` (its principal and client ids), asked once per run."""
    return once(("azure", "identity", identity_id, owner.placement.scope), lambda: managedidentity.get_user_assigned_identity_output(
        resource_group_name=id_part(identity_id, "resourceGroups", owner.placement.scope),
        resource_name=id_part(identity_id, "userAssignedIdentities")))


def subscription_id() -> pulumi.Output[str]:
    """The current subscription's resource id (`/subscriptions/<id>`): the scope of subscription settings."""
    return client_config().subscription_id.apply(lambda sub: f"/subscriptions/{sub}")


def defender_plan(owner: ServiceComponent, role: str, plan: str, extensions: Sequence[security.ExtensionArgs],
                  sub_plan: str | None = None, enforce: bool = True) -> security.Pricing:
    """A Microsoft Defender plan at the Standard tier. Plans are subscription settings: one service owns
    each, and every VM, image and account of the platform and of the enclaves falls under it. `enforce`
    keeps resource groups and resources from opting out."""
    return security.Pricing(
        owner.role(role), scope_id=subscription_id(), pricing_name=plan, pricing_tier=security.PricingTier.STANDARD,
        sub_plan=sub_plan, enforce=security.Enforce.TRUE if enforce else None, extensions=list(extensions),
        opts=owner.child())


def role_definition(owner: ServiceComponent, role_guid: str) -> pulumi.Output[str]:
    """The full id of a built-in role in the current subscription."""
    return subscription_id().apply(
        lambda sub: f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}")


def resource_group_id(owner: ServiceComponent) -> pulumi.Output[str]:
    """The resource id of the platform's resource group (the placement's scope)."""
    return pulumi.Output.all(subscription_id(), owner.placement.scope).apply(
        lambda parts: f"{parts[0]}/resourceGroups/{parts[1]}")


def grant(owner: ServiceComponent, role: str, scope: pulumi.Input[str], role_guid: str,
          principal_id: pulumi.Input[str], description: str) -> authorization.RoleAssignment:
    """One role to one service principal (a managed identity) on one scope: least privilege, no owner."""
    return authorization.RoleAssignment(
        owner.role(role), scope=scope, role_definition_id=role_definition(owner, role_guid),
        principal_id=principal_id, principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
        description=description, opts=owner.child())


def certificate_reader(owner: ServiceComponent, vault_id: pulumi.Input[str], secret_ref: pulumi.Input[str],
                       secret_name: str, why: str) -> tuple[managedidentity.UserAssignedIdentity,
                                                             authorization.RoleAssignment]:
    """An identity of the owner's own, allowed to read one certificate secret (`secret_name` in the vault
    `vault_id`, loaded as `secret_ref`) and nothing else: Key Vault Secrets User on that secret alone, so the
    gateway cannot read the firewall's CA, and no machine running with the platform identity can read either.
    The grant waits for the secret (its scope must exist); the consumer waits for the grant."""
    identity = managedidentity.UserAssignedIdentity(
        owner.role("tls-identity"), resource_name_=safe_name(f"id-{owner.name}-tls", 128),
        resource_group_name=owner.placement.scope, location=owner.placement.region, tags=owner.tags,
        opts=owner.child())
    scope = pulumi.Output.all(vault_id, secret_ref).apply(lambda parts: f"{parts[0]}/secrets/{secret_name}")
    granted = grant(owner, "tls-reader", scope, SECRETS_USER, identity.principal_id, why)
    return identity, granted


def private_endpoint(owner: ServiceComponent, target_id: pulumi.Input[str], group: str,
                     subnet_id: pulumi.Input[str] | None = None) -> network.PrivateEndpoint:
    """The only way in: a private endpoint for `group` (blob, file, vault, registry...) in the
    service's subnet (the enclave's own subnet for an enclave instance). Name resolution comes from the
    privatelink zones of the private_dns service, which link the zones to the VNet."""
    name = owner.role(f"pe-{safe_name(group, 24)}")
    return network.PrivateEndpoint(
        name, resource_group_name=owner.placement.scope, location=owner.placement.region,
        subnet=network.SubnetArgs(id=subnet_id if subnet_id is not None else owner.placement.subnet_id),
        private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
            name=group, private_link_service_id=target_id, group_ids=[group])],
        custom_network_interface_name=f"{name}-nic",
        tags=owner.tags, opts=owner.child())


def send_audit_logs(owner: ServiceComponent, role: str, resource_uri: pulumi.Input[str],
                    category_group: str = "audit") -> monitor.DiagnosticSetting | None:
    """Route the resource's audit logs to the platform workspace (none before log_analytics exists)."""
    if not owner.placement.log_workspace_id:
        return None
    return monitor.DiagnosticSetting(
        owner.role(role), name="hdh-audit", resource_uri=resource_uri,
        workspace_id=owner.placement.log_workspace_id, log_analytics_destination_type="Dedicated",
        logs=[monitor.DiagnosticsLogSettingsArgs(category_group=category_group, enabled=True)],
        opts=owner.child())


def edge_public_ip(owner: ServiceComponent, role: str,
                   zones: Sequence[str] | None = None) -> network.PublicIPAddress:
    """A static Standard public IPv4 for one of the platform's edge services (bastion, firewall egress,
    NAT, VPN tunnel): the only public addresses the policies accept, by the owner's hdh-service tag."""
    return network.PublicIPAddress(
        owner.role(role), resource_group_name=owner.placement.scope, location=owner.placement.region,
        sku=network.PublicIPAddressSkuArgs(name=network.PublicIPAddressSkuName.STANDARD,
                                           tier=network.PublicIPAddressSkuTier.REGIONAL),
        public_ip_allocation_method=network.IPAllocationMethod.STATIC,
        public_ip_address_version=network.IPVersion.I_PV4, zones=list(zones) if zones else None,
        tags=owner.tags, opts=owner.child())
