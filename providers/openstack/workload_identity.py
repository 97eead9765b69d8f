"""workload_identity on OpenStack: a Keystone application credential per scope, restricted and expiring."""
from __future__ import annotations

import datetime

import pulumi
from pulumi_openstack import identity

from providers.openstack.archive_storage import ArchiveStorage
from providers.clock import today
from providers.openstack.common import OpenStackService, holding, per_user
from providers.openstack.data_lake import DataLake
from providers.openstack.object_storage import ObjectStorage
from providers.openstack.settings import WORKLOAD_CREDENTIAL_DAYS

SWIFT_METHODS = ("GET", "HEAD", "PUT", "POST")


class WorkloadIdentity(OpenStackService):
    """Abstract service workload_identity, with Keystone application credentials.

    One application credential per scope (the platform, or each research project): the identity
    a workload authenticates with instead of a person's password. Restricted three ways: the
    roles of `hdh:workloadRoles` only (default `member`; never admin, whatever the creator holds;
    checked against the roles the deploying user holds before anything is created); `unrestricted` off, so it cannot
    create other credentials or trusts; and access rules that allow only the scope's own Swift
    containers (read, write, no delete: versioning and operators handle removal) and reading
    Barbican secrets and containers. It expires at `hdh:workloadCredentialExpiry` when the stack
    fixes a date (rotating is changing it), else a year after it is created: that first date is kept
    through `ignore_changes`, so later runs neither move it nor replace the credential, and rotating is
    `pulumi up --replace` of the credential. Keystone generates the secret, which stays in the
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
        fixed = self.settings.workload_credential_expiry
        expiry = fixed or f"{today() + datetime.timedelta(days=WORKLOAD_CREDENTIAL_DAYS)}T23:59:59Z"
        credential = identity.ApplicationCredential(
            self.role("credential"), name=per_user(self.scoped("workload")), description=self.description, roles=holding(self.settings.workload_roles),
            unrestricted=False, expires_at=expiry, access_rules=rules,
            opts=self.child(ignore_changes=[] if fixed else ["expiresAt"]))
        return credential.id, None
