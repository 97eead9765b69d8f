"""workload_identity on Scaleway: an IAM application per scope with an expiring, narrowly scoped API key."""
from __future__ import annotations

import datetime
from typing import ClassVar

import pulumi
from pulumiverse_scaleway import iam

from providers.clock import today
from providers.scaleway.common import ScalewayService, deployment_project
from providers.scaleway.settings import WORKLOAD_CREDENTIAL_DAYS

#: What a workload may do: read and write objects of the project's buckets whose policy names it, nothing else
#: (no Instances, no IAM). The buckets are encrypted with SSE-KMS, and Object Storage rights alone are refused
#: there: a principal needs KeyManagerKeyEncrypt to upload and KeyManagerKeyDecrypt to download (Scaleway docs
#: object-storage/how-to/enable-sse-kms.mdx, validated 2026-06-03).
WORKLOAD_PERMISSION_SETS = ("ObjectStorageFullAccess", "KeyManagerKeyEncrypt", "KeyManagerKeyDecrypt")


class WorkloadIdentity(ScalewayService):
    """Abstract service workload_identity, with Scaleway IAM applications and API keys.

    One IAM application per scope (the platform, or each research project): the identity a workload
    authenticates with instead of a person's credentials. Its policy names the object-storage permission
    set on the platform's project only; it cannot manage IAM or machines. Its API key is
    the workload's S3 credential (access key and secret key, which the S3 API takes directly): it expires
    at `hdh:workloadCredentialExpiry` when the stack fixes a date, else a year after it is created (kept
    through `ignore_changes`, so later runs neither move it nor replace the key; rotating is
    `pulumi up --replace` of the key). The secret key stays in the stack's encrypted state as a Pulumi
    secret until the deploy pipeline hands it to the workload. The endpoint is the application's id.
    The scope's buckets name the application in their bucket policy (placement `workload_principal`):
    Scaleway lets a bucket with a policy be reached only by the principals it allows, so the project-wide
    IAM right opens no other scope's bucket.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("workload_principal",)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        project = self.placement.scope or deployment_project()
        application = iam.Application(
            self.role("application"), name=f"{self.scoped('workload')}-{pulumi.get_stack()}",
            description=f"hdhport workload identity ({self.scope_name})", tags=self.tag_list, opts=self.child())
        iam.Policy(
            self.role("policy"), name=f"{self.scoped('workload')}-{pulumi.get_stack()}",
            description="objects of the scope's buckets (their policies) and their SSE-KMS key, nothing else", application_id=application.id,
            rules=[iam.PolicyRuleArgs(permission_set_names=list(WORKLOAD_PERMISSION_SETS),
                                      project_ids=[project] if project else None)],
            tags=self.tag_list, opts=self.child())
        fixed = self.settings.workload_credential_expiry
        expiry = fixed or f"{today() + datetime.timedelta(days=WORKLOAD_CREDENTIAL_DAYS)}T23:59:59Z"
        key = iam.ApiKey(
            self.role("api-key"), application_id=application.id, description=f"hdhport workload ({self.scope_name})",
            default_project_id=project or None, expires_at=expiry,
            opts=self.child(ignore_changes=[] if fixed else ["expiresAt"],
                            additional_secret_outputs=["secretKey"]))
        self.provide(workload_principal=application.id.apply(lambda app: f"application_id:{app}"))
        return application.id, None
