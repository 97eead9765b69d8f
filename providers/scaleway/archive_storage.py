"""archive_storage on Scaleway: a versioned bucket under compliance-mode object lock, Standard class only."""
from __future__ import annotations

from providers.scaleway.object_storage import Bucket, ObjectStorage


class ArchiveStorage(ObjectStorage):
    """Abstract service archive_storage, with Scaleway Object Storage under object lock (compliance mode).

    The object_storage implementation with one bucket whose default retention is in compliance mode: no
    one, the platform's administrators included, can delete or overwrite a locked version before its
    retention ends. No cold tier: Scaleway's Glacier class and lifecycle rules are not allowed on buckets
    holding health data (Scaleway's HDS guide, 2025-11-12), so archives stay in the Standard class.
    """

    BUCKETS = (Bucket("archive", "archive"),)
    LOCK_MODE = "COMPLIANCE"
