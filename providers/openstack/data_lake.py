"""data_lake on OpenStack: Swift containers laid out as a lake (raw, curated, exports), read through S3."""
from __future__ import annotations

from providers.openstack.object_storage import Bucket, ObjectStorage


class DataLake(ObjectStorage):
    """Abstract service data_lake, with OpenStack Swift read through the S3 API (s3a).

    The object_storage implementation (versioning, ACLs naming only the platform's identity,
    protection) with one container per zone of the lake: `raw` (data as delivered, written once),
    `curated` (pseudonymised, validated tables) and `exports` (what leaves, after review). Swift has
    no hierarchical namespace, so a rename is a copy: tables use a format that never renames
    (Apache Iceberg or Delta Lake). The endpoint is the S3 root; buckets are `hdh-<scope>-lake-<zone>`.
    """

    BUCKETS = tuple(Bucket(zone, f"lake-{zone}") for zone in ("raw", "curated", "exports"))
