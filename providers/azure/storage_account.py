"""The Azure storage account every storage service builds on (object_storage, data_lake, file_share,
archive_storage), written once: customer-managed key through the encryption identity, infrastructure
encryption, no public network access (but for the trusted-services path of the accounts Azure services
write into), no shared keys, TLS 1.2, deny-by-default network rules, a private endpoint per sub-service,
and its data-access audit log routed to the platform workspace."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import storage

from providers.azure.arm import global_name, key_name, key_vault_uri, private_endpoint, send_audit_logs
from providers.base import ServiceComponent

SOFT_DELETE_DAYS = 30


@dataclass(frozen=True)
class AccountShape:
    """What differs between the storage services' accounts."""

    kind: storage.Kind
    sku: storage.SkuName
    endpoints: tuple[str, ...]
    """Private endpoint sub-resources (blob, dfs, file); the first is the one the service is reached on."""
    hierarchical_namespace: bool = False
    access_tier: storage.AccessTier | None = storage.AccessTier.HOT
    version_immutability: bool = False
    """Allow immutability policies on blob versions (object lock); irreversible once set on an account."""
    trusted_services: bool = False
    """Azure services write into the account from outside the VNet (Azure Monitor's diagnostic and activity-log
    archives, Cost Management exports, Azure Backup of file shares) through the firewall's trusted-services
    exception. Azure evaluates firewall exceptions only while public network access is Enabled (Disabled
    refuses trusted services too: PublicNetworkAccessError on diagnostic writes), so such an account is
    Enabled behind network rules that deny by default, with no IP or network rule: only trusted services,
    with their managed identity and an RBAC grant, and the private endpoints get in. Every other account is
    Disabled."""
    sftp: bool = False
    """Serve SFTP to the account's local users (needs the hierarchical namespace; secure_file_transfer)."""


def storage_account(owner: ServiceComponent, shape: AccountShape) -> storage.StorageAccount:
    """The account (protected, retained on delete) with its private endpoints and audit log."""
    placement = owner.placement
    encrypted = storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT)
    tables = encrypted if shape.kind == storage.Kind.STORAGE_V2 else None
    account = storage.StorageAccount(
        owner.role("account"), resource_group_name=placement.scope, location=placement.region,
        account_name=global_name("st", owner.name, 24, ""),
        kind=shape.kind, sku=storage.SkuArgs(name=shape.sku), access_tier=shape.access_tier,
        is_hns_enabled=shape.hierarchical_namespace,
        identity=storage.IdentityArgs(type=storage.IdentityType.USER_ASSIGNED,
                                      user_assigned_identities=[placement.identity_id]),
        encryption=storage.EncryptionArgs(
            key_source=storage.KeySource.MICROSOFT_KEYVAULT,
            # No key version: the account follows the key's rotations.
            key_vault_properties=storage.KeyVaultPropertiesArgs(
                key_vault_uri=key_vault_uri(placement.key_ref), key_name=key_name(placement.key_ref)),
            encryption_identity=storage.EncryptionIdentityArgs(encryption_user_assigned_identity=placement.identity_id),
            # A second, platform-keyed layer under the customer key.
            require_infrastructure_encryption=True,
            # Account-scoped keys bring a general-purpose account's queues and tables under the customer
            # key too (FileStorage accounts have neither).
            services=storage.EncryptionServicesArgs(blob=encrypted, file=encrypted, queue=tables, table=tables)),
        public_network_access=storage.PublicNetworkAccess.ENABLED if shape.trusted_services
        else storage.PublicNetworkAccess.DISABLED,
        network_rule_set=storage.NetworkRuleSetArgs(
            default_action=storage.DefaultAction.DENY,
            bypass=storage.Bypass.AZURE_SERVICES if shape.trusted_services else storage.Bypass.NONE),
        allow_blob_public_access=False,
        allow_shared_key_access=False,  # Entra ID only: no account key, no SAS signed with it
        default_to_o_auth_authentication=True,
        allow_cross_tenant_replication=False,
        allowed_copy_scope=storage.AllowedCopyScope.PRIVATE_LINK,  # copies only from behind private endpoints
        enable_https_traffic_only=True, minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
        is_local_user_enabled=shape.sftp, is_sftp_enabled=shape.sftp, enable_nfs_v3=False,
        immutable_storage_with_versioning=storage.ImmutableStorageAccountArgs(enabled=True)
        if shape.version_immutability else None,
        tags=owner.tags, opts=owner.keep())
    for group in shape.endpoints:
        private_endpoint(owner, account.id, group)
    service = "fileServices" if shape.endpoints[0] == "file" else "blobServices"
    send_audit_logs(owner, "audit", account.id.apply(lambda account_id: f"{account_id}/{service}/default"))
    return account


def blob_service(owner: ServiceComponent, account: storage.StorageAccount, *,
                 versioning: bool) -> storage.BlobServiceProperties:
    """Soft delete of blobs and containers, and (where the account allows it) versioning with a change feed."""
    retention = storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS, allow_permanent_delete=False)
    return storage.BlobServiceProperties(
        owner.role("blob-service"), resource_group_name=owner.placement.scope, account_name=account.name,
        blob_services_name="default",
        is_versioning_enabled=versioning,
        change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=365) if versioning else None,
        delete_retention_policy=retention, container_delete_retention_policy=retention,
        opts=owner.child())


def blob_container(owner: ServiceComponent, account: storage.StorageAccount, name: str,
                   depends_on: pulumi.Resource | None = None) -> storage.BlobContainer:
    """A private container (protected, retained on delete)."""
    return storage.BlobContainer(
        owner.role(f"container-{name}"), resource_group_name=owner.placement.scope, account_name=account.name,
        container_name=name, public_access=storage.PublicAccess.NONE,
        metadata=metadata(owner),
        opts=owner.keep(depends_on=[depends_on] if depends_on else []))


def metadata(owner: ServiceComponent) -> dict[str, str]:
    """The component's tags as container / share metadata, whose names must be C# identifiers (no hyphen)."""
    return {key.replace("-", "_"): value for key, value in owner.tags.items()}


def container_name(owner: ServiceComponent, default: str) -> str:
    """The enclave's name for an enclave instance (3-63 lowercase letters, digits, hyphens), else `default`."""
    return (owner.enclave or default)[:63]


def blob_endpoint(account: storage.StorageAccount, path: str = "") -> pulumi.Output[str]:
    return account.primary_endpoints.apply(lambda endpoints: f"{endpoints.blob}{path}")
