"""Workload identity on Azure: a user-assigned managed identity per instance (the platform's, or one research
project's), whose tokens workloads obtain from the instance metadata endpoint, never a shared secret."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import managedidentity

from providers.base import ServiceComponent
from providers.contract import safe_name


class WorkloadIdentity(ServiceComponent):
    """workload_identity with Azure managed identities: one user-assigned identity for the platform's
    workloads, or for one research project's when built for an enclave (`id-<project>-workload`), so that a
    project's jobs can only ever be granted that project's resources.

    Workloads on Azure compute (VMs, scale sets, batch pools) get short-lived Entra ID tokens for this
    identity from the instance metadata endpoint; there is no secret to store or rotate.

    Not built: federated identity credentials. A federated credential names the issuer URL of an external
    OpenID Connect provider whose tokens are exchanged for this identity's (Entra ID itself is refused as an
    issuer). On this platform that issuer is the AKS cluster's (kubernetes service, OIDC issuer and
    workload identity enabled), whose URL is known only once the cluster exists and is not carried by the
    placement the services share. When the placement carries it, each identity gets one credential with
    subject `system:serviceaccount:<project or hdh-platform>:workload` and the audience
    `api://AzureADTokenExchange`, so that only that namespace's service account can act as the identity.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        owner = self.enclave or "platform"
        identity = managedidentity.UserAssignedIdentity(
            self.role("identity"), resource_group_name=self.placement.scope, location=self.placement.region,
            resource_name_=f"id-{safe_name(owner, 40)}-workload", tags=self.tags, opts=self.child())
        return identity.id, None
