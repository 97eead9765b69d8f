"""archive_storage on OpenStack: a versioned Swift container on the operator's cold storage policy."""
from __future__ import annotations

from providers.openstack.object_storage import Bucket, ObjectStorage


class ArchiveStorage(ObjectStorage):
    """Abstract service archive_storage, with OpenStack Swift on a cold storage policy.

    The object_storage implementation (versioning, ACLs naming only the platform's identity,
    protection) with one container on the storage policy named by `hdh:archiveStoragePolicy`
    (default "archive"; Swift refuses to create the container if the operator has no such policy,
    which is the wanted failure: an archive silently on the hot tier would be wrong). A container's
    policy cannot change afterwards. Swift expires objects only when a client sets X-Delete-At or
    X-Delete-After on them; the platform never does, and the versioning keeps a deleted object's
    previous version. Swift has no object lock: immutability rests on the operator or on the
    self-hosted fallback.
    """

    BUCKETS = (Bucket("archive", "archive"),)

    def storage_policy(self) -> str | None:
        return self.settings.archive_storage_policy
