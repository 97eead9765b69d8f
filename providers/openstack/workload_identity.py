"""workload_identity on OpenStack: a Keystone application credential per scope, restricted and expiring."""
from __future__ import annotations

import pulumi
from pulumi_openstack import identity

from providers.openstack.archive_storage import ArchiveStorage
from providers.openstack.common import OpenStackService
from providers.openstack.data_lake import DataLake
from providers.openstack.object_storage import ObjectStorage

#: Keystone's default project role: enough for Swift (as an operator role) and Barbican; never admin.
ROLES = ["member"]
SWIFT_METHODS = ("GET", "HEAD", "PUT", "POST")


class WorkloadIdentity(OpenStackService):
    """Abstract service workload_identity, with Keystone application credentials.

    One application credential per scope (the platform, or each research project): the identity
    a workload authenticates with instead of a person's password. Restricted three ways: the
    `member` role only (no admin, whatever the creator holds); `unrestricted` off, so it cannot
    create other credentials or trusts; and access rules that allow only the scope's own Swift
    containers (read, write, no delete: versioning and operators handle removal) and reading
    Barbican secrets and containers. It expires at `hdh:workloadCredentialExpiry` (a fixed date,
    so plans are stable; rotating is changing it). Keystone generates the secret, which stays in the
    stack's encrypted state as a Pulumi secret until the deploy pipeline hands it to the workload.
    Limits: access rules are enforced by services whose keystonemiddleware supports them (Swift
    and Barbican do on current releases); the S3 API authenticates with EC2 credentials, which a
    restricted application credential cannot create. The endpoint is the credential's id.
    """

    def _containers(self) -> list[str]:
        owners = (ObjectStorage,) if self.enclave else (ObjectStorage, DataLake, ArchiveStorage)
        return [self.scoped(bucket.suffix) for owner in owners for bucket in owner.BUCKETS]

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        rules = [identity.ApplicationCredentialAccessRuleArgs(service="object-store", method=method, path=path)
                 for container in self._containers() for method in SWIFT_METHODS
                 for path in (f"/v1/*/{container}", f"/v1/*/{container}/**")]
        rules += [identity.ApplicationCredentialAccessRuleArgs(service="key-manager", method="GET", path=path)
                  for path in ("/v1/secrets/*", "/v1/secrets/*/payload", "/v1/containers/*")]
        credential = identity.ApplicationCredential(
            self.role("credential"), name=self.scoped("workload"), description=self.description, roles=ROLES,
            unrestricted=False, expires_at=self.settings.workload_credential_expiry, access_rules=rules,
            opts=self.child())
        return credential.id, None
