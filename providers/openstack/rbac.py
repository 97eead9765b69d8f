"""rbac on OpenStack: Keystone groups, roles and assignments for the HDH personas."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_openstack import identity

from hdhport.prerequisites import Prerequisite
from providers.openstack.common import OpenStackService, project_id
from providers.openstack.settings import OpenStackSettings


@dataclass(frozen=True)
class Persona:
    """An HDH persona: its Keystone group, its own role, and the standard roles it holds."""

    name: str
    description: str
    platform_roles: tuple[str, ...]
    """Keystone's standard roles on the platform's project."""
    research_roles: tuple[str, ...]
    """Standard roles inherited on every research project (the children of `hdh-research`)."""


PERSONAS = (
    Persona("operators", "run the platform", ("member",), ("member",)),
    Persona("data-engineers", "load and curate the data", ("member",), ()),
    Persona("researchers", "work inside their research project (granted per project)", (), ()),
    Persona("auditors", "read configurations and logs, never data", ("reader",), ("reader",)),
)


class Rbac(OpenStackService):
    """Abstract service rbac, with Keystone projects, roles, groups and role assignments.

    One Keystone group per HDH persona (the targets of the Keycloak -> Keystone OIDC federation
    mapping, which puts people in groups from their claims), one role per persona (`hdh-<persona>`,
    which policy files and the federation mapping can name), and a parent project `hdh-research`
    under the platform's project whose children are the research projects (enclave stacks with
    their own project): the operators' and auditors' standard roles there are inherited by every
    research project, and researchers get theirs per project only. Auditors hold `reader`, never
    `member`, so they see configurations, not data. Keystone's standard roles (member, reader) are
    looked up, not created.

    Creating roles, groups and projects is admin-only under Keystone's default policy.
    `hdh:identityAdmin` (default true: a State or private cloud where the platform team is domain
    admin) builds all this; on a public cloud where people and roles are managed in the provider's
    console (OVHcloud), set it to false: nothing is created, and the plan reports it as the
    operator's step (a prerequisite that does not block). The endpoint is the research parent project's id.
    """

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        if OpenStackSettings.read().identity_admin:
            return ()
        return (Prerequisite(("hdh:identityAdmin",), ("rbac",), "the stack says the deploying user is no Keystone "
                             "admin (false): the groups, role assignments and research projects of the personas are "
                             "created in the provider's console, not by this program",
                             'docs/operations.md, "Prerequisites the program cannot create"', blocking=False),)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        if not self.settings.identity_admin:  # the operator's step (`prerequisites`)
            return "", None
        platform = project_id(self.placement.scope)
        research = identity.Project(
            self.role("research"), name="hdh-research", description="parent of the HDH research projects",
            parent_id=platform, enabled=True, tags=self.tag_list, opts=self.child())
        standard = {name: identity.get_role_output(name=name).id for name in ("member", "reader")}
        for persona in PERSONAS:
            group = identity.GroupV3(
                self.role(persona.name), name=f"hdh-{persona.name}", description=f"HDH {persona.name}: "
                f"{persona.description}", opts=self.child())
            own = identity.Role(self.role(f"{persona.name}-role"), name=f"hdh-{persona.name}", opts=self.child())
            identity.RoleAssignment(
                self.role(f"{persona.name}-own"), group_id=group.id, role_id=own.id,
                project_id=research.id if persona.name == "researchers" else platform, opts=self.child())
            for role in persona.platform_roles:
                identity.RoleAssignment(
                    self.role(f"{persona.name}-{role}"), group_id=group.id, role_id=standard[role],
                    project_id=platform, opts=self.child())
            for role in persona.research_roles:
                identity.InheritRoleAssignment(
                    self.role(f"{persona.name}-{role}-research"), group_id=group.id, role_id=standard[role],
                    project_id=research.id, opts=self.child())
        return research.id, None
