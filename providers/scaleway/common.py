"""What every Scaleway implementation shares: settings, names, tags, zones, the operators' SSH key."""
from __future__ import annotations

import os
from functools import cached_property

import pulumi
from pulumiverse_scaleway import iam

from providers.base import ServiceComponent
from providers.lookups import once
from providers.scaleway.settings import ScalewaySettings


def settings_for(region: str) -> ScalewaySettings:
    """The stack's Scaleway settings, read once per run."""
    return once(("scaleway", "settings", region), lambda: ScalewaySettings.read(region))


def deployment_project() -> str:
    """The Scaleway project the stack deploys into, as the provider knows it (config, then environment);
    empty in an offline plan, where no credentials exist."""
    return pulumi.Config("scaleway").get("projectId") or os.environ.get("SCW_DEFAULT_PROJECT_ID", "")


def deployment_organization() -> str | None:
    """The organization the provider is configured for (None lets the provider use its own default)."""
    return pulumi.Config("scaleway").get("organizationId") or os.environ.get("SCW_DEFAULT_ORGANIZATION_ID")


def deployer_principal() -> pulumi.Output[str]:
    """Who runs `pulumi up`, as a bucket policy names a principal (`application_id:<id>` or `user_id:<id>`):
    the owner of the provider's API key, read once through IAM (the deploying key needs IAMReadOnly;
    docs/operations.md). Bucket policies must allow it, or the deployment loses its own buckets."""
    def lookup() -> pulumi.Output[str]:
        access_key = pulumi.Config("scaleway").get("accessKey") or os.environ.get("SCW_ACCESS_KEY")
        key = iam.get_api_key_output(access_key=access_key)
        return pulumi.Output.all(key.application_id, key.user_id).apply(_principal)
    return once(("scaleway", "deployer"), lookup)


def _principal(ids: list[str | None]) -> str:
    application, user = ids
    if application:
        return f"application_id:{application}"
    if user:
        return f"user_id:{user}"
    raise ValueError("the deploying Scaleway API key has neither an application nor a user as its owner: the "
                     "buckets' policies could name nobody (set scaleway:accessKey or SCW_ACCESS_KEY to the key "
                     "`pulumi up` runs with)")


def operators_ssh_key(owner: pulumi.Resource, public_key: str) -> iam.SshKey:
    """The operators' key, registered once in the project (by the first service that boots machines):
    Scaleway Instances install the project's keys at first boot (no per-machine key argument); the
    machines are reached through the bastion only."""
    return once(("scaleway", "ssh-key"), lambda: iam.SshKey(
        "scaleway-operators-ssh", name="hdh-operators", public_key=public_key,
        opts=pulumi.ResourceOptions(parent=owner)))


class ScalewayService(ServiceComponent):
    """A catalogue service implemented with pulumiverse-scaleway: settings, names and tags in one place."""

    @cached_property
    def settings(self) -> ScalewaySettings:
        return settings_for(self.placement.region)

    def data_key_ref(self) -> pulumi.Input[str] | None:
        """The customer key reported for a data-bearing service (the placement's Key Manager key)."""
        return self.placement.key_ref if self.spec.data_bearing else None
