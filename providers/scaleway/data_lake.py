"""data_lake on Scaleway: Object Storage buckets laid out as a lake (raw, curated, exports), read through S3."""
from __future__ import annotations

from providers.scaleway.object_storage import Bucket, ObjectStorage


class DataLake(ObjectStorage):
    """Abstract service data_lake, with Scaleway Object Storage read through the S3 API (s3a).

    The object_storage implementation (versioning, object lock, SSE-KMS with the platform's key, TLS only,
    protection) with one bucket per zone of the lake: `raw` (data as delivered, written once), `curated`
    (pseudonymised, validated tables) and `exports` (what leaves, after review). S3 has no hierarchical
    namespace, so a rename is a copy: tables use a format that never renames (Apache Iceberg or Delta Lake).
    """

    BUCKETS = tuple(Bucket(zone, f"lake-{zone}") for zone in ("raw", "curated", "exports"))
