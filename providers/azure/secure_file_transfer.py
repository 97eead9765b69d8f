"""Secure file transfer on Azure: the SFTP endpoint of Blob Storage on a private, customer-keyed account,
with one container for data coming in and one for reviewed results going out, each reached by its own
key-only local user that can do nothing else.

An enclave instance is a research project's own transfer account (its key, its subnet, its containers).
"""
from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from providers.azure.storage_account import AccountShape, blob_container, blob_service, storage_account
from providers.base import ServiceComponent

# SFTP needs the hierarchical namespace; it is served on the blob endpoint, so one private endpoint.
SHAPE = AccountShape(kind=storage.Kind.STORAGE_V2, sku=storage.SkuName.STANDARD_ZRS, endpoints=("blob",),
                     hierarchical_namespace=True, sftp=True)
#: Deliveries are moved into the project's storage once checked, and released results are fetched:
#: neither stays in the transfer area longer than this.
INBOUND_DAYS = 30
OUTBOUND_DAYS = 90


class SecureFileTransfer(ServiceComponent):
    """secure_file_transfer with the Azure Blob Storage SFTP endpoint: the shared storage account (customer
    key, no public network access, private endpoint, audit log) with hierarchical namespace and SFTP,
    soft delete, an inbound and an outbound container, lifecycle deletion of what was transferred, and two
    local users that sign in with an SSH key only (no password, no shared key): `deposit` may create and
    write in the inbound container but not read or delete, `release` may read the outbound container only.

    Local users have no MFA (SFTP signs in with keys, not Entra ID); the keys installed are the operators',
    and a person's own key is added as one more local user by the access-request process.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        account = storage_account(self, SHAPE)
        # Versioning is not available with a hierarchical namespace; soft delete is.
        service = blob_service(self, account, versioning=False)
        prefix = f"{self.enclave}-" if self.enclave else ""
        inbound = blob_container(self, account, f"{prefix}inbound", depends_on=service)
        outbound = blob_container(self, account, f"{prefix}outbound", depends_on=service)
        key = storage.SshPublicKeyArgs(description="hdhport operators", key=p.admin_ssh_public_key)
        for username, container, permissions in (("deposit", inbound, "cw"), ("release", outbound, "rl")):
            storage.LocalUser(
                self.role(f"user-{username}"), username=username, account_name=account.name,
                resource_group_name=p.scope, home_directory=container.name,
                permission_scopes=[storage.PermissionScopeArgs(permissions=permissions, service="blob",
                                                               resource_name=container.name)],
                has_ssh_key=True, ssh_authorized_keys=[key], has_ssh_password=False, has_shared_key=False,
                allow_acl_authorization=False, opts=self.child())
        storage.ManagementPolicy(
            self.role("lifecycle"), resource_group_name=p.scope, account_name=account.name,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(rules=[
                storage.ManagementPolicyRuleArgs(
                    name=f"expire-{direction}", type=storage.RuleType.LIFECYCLE, enabled=True,
                    definition=storage.ManagementPolicyDefinitionArgs(
                        filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"],
                                                                   prefix_match=[f"{prefix}{direction}/"]),
                        actions=storage.ManagementPolicyActionArgs(base_blob=storage.ManagementPolicyBaseBlobArgs(
                            delete=storage.DateAfterModificationArgs(days_after_modification_greater_than=days)))))
                for direction, days in (("inbound", INBOUND_DAYS), ("outbound", OUTBOUND_DAYS))]),
            opts=self.child())
        # Users sign in as <account>.<local user>@<account>.blob.core.windows.net.
        return account.name.apply(lambda name: f"sftp://{name}.blob.core.windows.net"), p.key_ref
