"""Role-based access control on Azure: the HDH roles as Azure RBAC custom role definitions, assignable on the
platform's resource group (and anything inside it, such as one project's storage account or VMs).

Only definitions are created. Assigning a role needs the object id of an Entra principal (a user or,
better, a group per project), and no principal is known to the program: Entra groups are Graph objects
that pulumi-azure-native cannot create, and the stack configuration carries no principal ids. Assignments
are made by HDH's access-request process on the scope of one project (`az role assignment create --role
"HDH project data reader" --assignee-object-id <group> --scope <project storage account>`), which keeps
them out of the platform's state and reviewable per project.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization

from providers.azure.arm import resource_group_id, tenant_unique
from providers.base import ServiceComponent
from providers.contract import safe_name

#: Fixed namespace: a role's id is derived from the role name and its scope, stable from one run to the next.
_ROLE_IDS = uuid.UUID("6f1f4b9e-3c57-4a8e-9a53-2d1c0d2b7a10")

_READ_STORAGE = ["Microsoft.Storage/storageAccounts/read",
                 "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                 "Microsoft.Storage/storageAccounts/fileServices/shares/read"]
#: What the Azure portal and Bastion need to open a session on a VM (no other right on the VM).
_CONNECT_VM = ["Microsoft.Compute/virtualMachines/read", "Microsoft.Network/networkInterfaces/read",
               "Microsoft.Network/bastionHosts/read", "Microsoft.Network/virtualNetworks/read"]


@dataclass(frozen=True)
class Role:
    """One HDH role: what it lets a holder do on ARM (actions) and on data (data actions)."""

    name: str
    description: str
    actions: list[str] = field(default_factory=list)
    data_actions: list[str] = field(default_factory=list)
    not_data_actions: list[str] = field(default_factory=list)


#: The HDH roles. Researchers read or write their project's data and reach its machines; nobody but the
#: data exporter may read from the export area, and no role may delete data (soft delete and versioning
#: back that up) or change network, keys or access.
ROLES = (
    Role("HDH project data reader",
         "Reads the pseudonymised data of one research project (assign on the project's storage).",
         actions=_READ_STORAGE,
         data_actions=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                       "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/read"]),
    Role("HDH project data contributor",
         "Reads the project's data and writes results, without deleting anything (assign on the project's storage).",
         actions=_READ_STORAGE,
         data_actions=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
                       "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/read",
                       "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/write"],
         not_data_actions=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                           "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/delete"]),
    Role("HDH project VM user",
         "Opens sessions on the project's machines through the bastion and signs in with Entra ID.",
         actions=_CONNECT_VM,
         data_actions=["Microsoft.Compute/virtualMachines/login/action"]),
    Role("HDH platform operator",
         "Starts, stops and restarts machines and reads the platform's configuration; no data, no access rights.",
         actions=["*/read", "Microsoft.Compute/virtualMachines/start/action",
                  "Microsoft.Compute/virtualMachines/restart/action",
                  "Microsoft.Compute/virtualMachines/deallocate/action",
                  "Microsoft.Insights/alertRules/*"]),
    Role("HDH security auditor",
         "Reads configuration, security findings and logs of the platform; changes nothing.",
         actions=["*/read", "Microsoft.Security/*/read", "Microsoft.OperationalInsights/workspaces/query/read",
                  "Microsoft.OperationalInsights/workspaces/search/action"]),
)


def _role_id(scope: str, name: str) -> str:
    """A custom role's id must be a GUID; derived from scope and name, it is the same on every run."""
    return str(uuid.uuid5(_ROLE_IDS, f"{scope}|{name}"))


class Rbac(ServiceComponent):
    """rbac with Azure RBAC: custom role definitions for the HDH roles (project data reader and contributor,
    project VM user, platform operator, security auditor), assignable on the platform's resource group.

    No role assignment is created, because the program knows no principal to assign (see the module
    docstring); the definitions are what the access-request process assigns, per project.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        scope = resource_group_id(self)
        suffix = f" ({self.enclave})" if self.enclave else ""
        definitions = []
        for role in ROLES:
            name = tenant_unique(role.name + suffix)
            definitions.append(authorization.RoleDefinition(
                self.role(safe_name(role.name.removeprefix("HDH "), 40)), scope=scope,
                role_definition_id=scope.apply(functools.partial(_role_id, name=name)),
                role_name=name, description=role.description, role_type="CustomRole",
                assignable_scopes=[scope],
                permissions=[authorization.PermissionArgs(
                    actions=role.actions, data_actions=role.data_actions,
                    not_data_actions=role.not_data_actions)],
                opts=self.child()))
        return definitions[0].id, None
