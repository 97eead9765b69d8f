"""Workload identity on Azure: a user-assigned managed identity per instance (the platform's, or one research
project's), whose tokens workloads obtain from the instance metadata endpoint, never a shared secret."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import managedidentity

from providers.base import ServiceComponent
from providers.contract import safe_name

#: The audience Entra ID requires in a token exchanged for a managed identity's.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


class WorkloadIdentity(ServiceComponent):
    """workload_identity with Azure managed identities: one user-assigned identity for the platform's
    workloads, or for one research project's when built for an enclave (`id-<project>-workload`), so that a
    project's jobs can only ever be granted that project's resources.

    Workloads on Azure compute (VMs, scale sets, batch pools) get short-lived Entra ID tokens for this
    identity from the instance metadata endpoint; there is no secret to store or rotate.

    Pods of the AKS cluster act as the identity through a federated credential: the cluster's OIDC
    issuer (placement `oidc_issuer`, provided by kubernetes) and the subject
    `system:serviceaccount:<project or hdh-platform>:workload`, with the audience
    `api://AzureADTokenExchange`, so that only that namespace's `workload` service account can exchange
    its token for this identity's. Where no cluster publishes an issuer, no credential is made.

    The identity's principal is handed on (placement `workload_principal`): the scope's object storage grants
    it Storage Blob Data Contributor on its own container, and nothing else does, so a project's jobs reach
    their project's data and no other's.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("workload_principal",)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        name = f"id-{safe_name(self.enclave or 'platform', 40)}-workload"
        identity = managedidentity.UserAssignedIdentity(
            self.role("identity"), resource_group_name=self.placement.scope, location=self.placement.region,
            resource_name_=name, tags=self.tags, opts=self.child())
        if self.placement.oidc_issuer:
            managedidentity.FederatedIdentityCredential(
                self.role("federated"), resource_group_name=self.placement.scope, resource_name_=name,
                federated_identity_credential_resource_name="aks-workload", issuer=self.placement.oidc_issuer,
                subject=f"system:serviceaccount:{self.namespace}:workload", audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=self.child(depends_on=[identity]))
        self.provide(workload_principal=identity.principal_id)
        return identity.id, None

    @property
    def namespace(self) -> str:
        """The Kubernetes namespace whose `workload` service account may act as this identity."""
        return safe_name(self.enclave, 63) if self.enclave else "hdh-platform"
