"""object_storage on OpenStack: versioned Swift containers, private to the project, read through S3."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pulumi
from pulumi_openstack import objectstorage

from providers.openstack.common import OpenStackService, auth_scope, project_id, s3_base_url


@dataclass(frozen=True)
class Bucket:
    """One Swift container of the service: its role and the suffix of its name (hdh-<scope>-<suffix>)."""

    role: str
    suffix: str


class ObjectStorage(OpenStackService):
    """Abstract service object_storage, with OpenStack Swift (S3 through the s3api middleware).

    One container per scope (the platform, or each research project: `hdh-<enclave>-objects`),
    protected and retained, with Swift's object versioning on (`X-Versions-Enabled`, which needs the
    operator's versioned_writes middleware with allow_object_versioning): an overwrite or a delete
    keeps the previous version. Read and write ACLs name only the platform's identity in its own
    project (`<project>:<user>`), never `.r:*` (public read) or another project, and because the
    ACLs are managed, a hand-made widening is reverted by the next `pulumi up`. The project's
    operator roles keep Swift's default access; a Keystone project per enclave (enclave stacks)
    is what separates research projects from each other, since Swift ACLs cannot deny them.

    Encryption at rest is the operator's Swift encryption middleware (keymaster, with keys in
    Barbican through kms_keymaster); the profile's key custody says whether it is on. The endpoint is
    the container's path-style S3 URL at the root of the object-store endpoint, where s3api answers.
    data_lake and archive_storage reuse this class with other containers.
    """

    BUCKETS: ClassVar[tuple[Bucket, ...]] = (Bucket("objects", "objects"),)
    """The containers this service creates."""

    def storage_policy(self) -> str | None:
        """Swift storage policy of the containers (None: the operator's default)."""
        return None

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        scope = auth_scope()
        # `<project>:<user>`: the platform's own identity (whose application credentials the
        # workloads use); `<project>:*` would also let reader-only users of the project in.
        owner = pulumi.Output.concat(project_id(self.placement.scope), ":", scope.user_id)
        names = []
        for bucket in self.BUCKETS:
            name = self.scoped(bucket.suffix)
            objectstorage.Container(
                self.role(bucket.role), name=name, versioning=True, force_destroy=False,
                container_read=owner, container_write=owner, storage_policy=self.storage_policy(),
                metadata={**self.tags, "hdh-bucket": bucket.role}, opts=self.keep())
            names.append(name)
        base = s3_base_url()
        endpoint = base.apply(lambda url: f"{url}/{names[0]}") if len(names) == 1 else base
        return endpoint, self.data_key_ref()
