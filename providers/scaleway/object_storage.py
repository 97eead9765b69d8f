"""object_storage on Scaleway: versioned, object-locked buckets encrypted with the platform's Key Manager key."""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import ClassVar

import pulumi
from pulumiverse_scaleway import object as object_storage

from providers.scaleway.common import ScalewayService, deployer_principal, deployment_project

#: Days an object version stays undeletable (object lock, governance mode: an administrator with the
#: explicit bypass permission can still correct a mistake; COMPLIANCE is for the archive).
DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Bucket:
    """One bucket of the service: its role and the suffix of its name (hdh-<scope>-<suffix>-<digest>)."""

    role: str
    suffix: str


def bucket_name(scope_name: str, suffix: str) -> str:
    """Bucket names are one namespace for every Scaleway customer: a digest of the project, stack and
    bucket keeps a second deployment of a shipped stack from colliding with the first."""
    seed = f"{deployment_project()}/{pulumi.get_project()}/{pulumi.get_stack()}/{scope_name}/{suffix}"
    return f"hdh-{scope_name}-{suffix}-{hashlib.sha256(seed.encode()).hexdigest()[:8]}"[:63]


class ObjectStorage(ScalewayService):
    """Abstract service object_storage, with Scaleway Object Storage (S3).

    One bucket per scope (the platform, or each research project), protected and retained, with:
    versioning (an overwrite or a delete keeps the previous version); object lock with a default
    retention (governance mode; compliance for the archive); server-side encryption by default with the
    platform's Key Manager key (SSE-KMS, `aws:kms`, Scaleway's since 2026-06-04; objects written before
    it stay as they were, so it is set when the bucket is created); and a bucket policy. Scaleway's policies
    (version 2023-04-17) allow only what they allow: a bucket with a policy is lost to every principal it
    does not name but the organization's owner (Scaleway's "Bucket policies overview", validated
    2025-07-30). So the policy names who may use the bucket: the principal running the deployment (all
    actions: it manages the bucket's configuration on every `pulumi up` and refresh) and the scope's
    workload identity (list, read, write, and abort or list its own multipart uploads; no delete: versions
    and object lock handle removal). Another project's workload, holding the same project-wide IAM right,
    is not named, so it cannot reach this bucket. The policy is put last, after the encryption and lock
    settings, so a wrong principal cannot leave a bucket unencrypted. No lifecycle rule and no Glacier class: Scaleway's HDS guide
    (2025-11-12) forbids both on buckets holding health data.

    Limits, said: TLS is the clients' (the endpoint given is https): a 2023-04-17 policy only allows, and
    its conditions know no aws:SecureTransport, so it cannot refuse plain HTTP; the bucket keeps Scaleway's public S3 endpoint (Object Storage private access from a
    VPC exists but has no resource in pulumiverse-scaleway 1.60.0), so access rests on IAM (only the
    project's principals, never public ACLs) and TLS; Object Storage is not yet integrated with Audit
    Trail (2026-09-02); and HDS-certified buckets are tagged at creation in the console only, which the
    operator does for the buckets holding health data. data_lake and archive_storage reuse this class.
    """

    BUCKETS: ClassVar[tuple[Bucket, ...]] = (Bucket("objects", "objects"),)
    LOCK_MODE: ClassVar[str] = "GOVERNANCE"

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        if not self.placement.key_ref:
            raise ValueError(f"{self.spec.id} encrypts with the platform's key: build key_management first")
        names = []
        for bucket in self.BUCKETS:
            name = bucket_name(self.scope_name, bucket.suffix)
            created = object_storage.Bucket(
                self.role(bucket.role), name=name, object_lock_enabled=True, force_destroy=False,
                versioning=object_storage.BucketVersioningArgs(enabled=True),
                tags={**self.tags, "hdh-bucket": bucket.role}, opts=self.keep())
            encryption = object_storage.BucketServerSideEncryptionConfiguration(
                self.role(f"{bucket.role}-encryption"), bucket=created.name,
                rules=[object_storage.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=object_storage
                    .BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=self.placement.key_ref))],
                opts=self.keep())
            lock = object_storage.BucketLockConfiguration(
                self.role(f"{bucket.role}-lock"), bucket=created.name,
                rule=object_storage.BucketLockConfigurationRuleArgs(
                    default_retention=object_storage.BucketLockConfigurationRuleDefaultRetentionArgs(
                        mode=self.LOCK_MODE, days=DEFAULT_RETENTION_DAYS)),
                opts=self.keep())
            object_storage.BucketPolicy(
                self.role(f"{bucket.role}-policy"), bucket=created.name,
                policy=pulumi.Output.all(deployer_principal(), self.placement.workload_principal).apply(
                    functools.partial(_policy_text, name)),
                opts=self.child(depends_on=[encryption, lock]))
            names.append(name)
        region = self.placement.region
        base = f"https://s3.{region}.scw.cloud"
        endpoint = f"{base}/{names[0]}" if len(names) == 1 else base
        return endpoint, self.data_key_ref()


#: What a scope's workload may do in its buckets: list, read and write objects, and list or abort the multipart
#: uploads a large write makes (actions Scaleway's bucket policies support, "Bucket policies overview").
WORKLOAD_ACTIONS = ("s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:ListBucketMultipartUploads",
                    "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload")


def _policy_text(name: str, principals: list[str]) -> str:
    return json.dumps(bucket_policy(name, principals[0], principals[1]))


def bucket_policy(name: str, deployer: str, workload: str) -> dict[str, object]:
    """The bucket's policy: the deployer may do everything, the scope's workload (when one is built) list,
    read and write; nobody else (Scaleway denies what a 2023-04-17 policy does not allow)."""
    resources = [name, f"{name}/*"]
    statements: list[dict[str, object]] = [
        {"Sid": "deployment", "Effect": "Allow", "Principal": {"SCW": deployer}, "Action": "s3:*",
         "Resource": resources}]
    if workload:
        statements.append({"Sid": "workload", "Effect": "Allow", "Principal": {"SCW": workload},
                           "Action": list(WORKLOAD_ACTIONS), "Resource": resources})
    return {"Version": "2023-04-17", "Id": f"{name}-access", "Statement": statements}
