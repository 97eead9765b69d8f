"""rbac on Scaleway: IAM groups and policies for the HDH personas, scoped to the platform's project."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumiverse_scaleway import iam

from providers.scaleway.common import ScalewayService, deployment_organization, deployment_project


@dataclass(frozen=True)
class Persona:
    """An HDH persona: its IAM group and the permission sets it holds on the platform's project."""

    name: str
    description: str
    project_permission_sets: tuple[str, ...]
    """Permission sets scoped to the project (Scaleway's permission sets reference, validated 2026-03-20)."""
    organization_permission_sets: tuple[str, ...] = ()
    """Permission sets scoped to the organization (audit events are organization-wide)."""


PERSONAS = (
    Persona("operators", "run the platform", ("AllProductsFullAccess",)),
    Persona("data-engineers", "load and curate the data", ("ObjectStorageFullAccess",)),
    Persona("researchers", "work inside their research project, through the bastion and the desktops",
            ("InstancesReadOnly",)),
    Persona("auditors", "read configurations and audit events, never data", ("AllProductsReadOnly",),
            ("AuditTrailReadOnly",)),
)


class Rbac(ScalewayService):
    """Abstract service rbac, with Scaleway IAM groups and policies.

    One IAM group per HDH persona (the targets of the directory's federation: people are put in groups,
    never given rights one by one) and one policy per group, whose rules name Scaleway permission sets
    scoped to the platform's project only (never the organization, except the auditors' read of audit
    events, which Audit Trail keeps per organization). Researchers get no data right here: their data
    lives in their project's enclave and is reached through its machines. Group membership is managed
    outside (external_membership), by the federation or the operators, so a `pulumi up` never removes a
    person a directory added. The endpoint is the operators' group id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        project = self.placement.scope or deployment_project()
        groups = []
        for persona in PERSONAS:
            group = iam.Group(
                self.role(persona.name), name=f"hdh-{persona.name}-{pulumi.get_stack()}",
                description=f"hdhport: {persona.description}", external_membership=True, tags=self.tag_list,
                opts=self.child())
            rules = [iam.PolicyRuleArgs(permission_set_names=list(persona.project_permission_sets),
                                        project_ids=[project] if project else None)]
            if persona.organization_permission_sets:
                rules.append(iam.PolicyRuleArgs(permission_set_names=list(persona.organization_permission_sets),
                                                organization_id=deployment_organization()))
            iam.Policy(
                self.role(f"{persona.name}-policy"), name=f"hdh-{persona.name}-{pulumi.get_stack()}",
                description=f"hdhport: what {persona.name} may do", group_id=group.id, rules=rules,
                tags=self.tag_list, opts=self.child())
            groups.append(group)
        return groups[0].id, None

