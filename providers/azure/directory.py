"""The directory on Azure: Microsoft Entra ID, whose audit and provisioning logs this program exports to the
platform's Log Analytics workspace.

Entra ID users, groups, guest invitations and app registrations are objects of the Microsoft Graph API, not
of Azure Resource Manager: pulumi-azure-native cannot create them (pulumi-azuread can, and is not a
dependency of this project). They are administered in the tenant by HDH's identity team; this component
builds what ARM does own, the export of every directory change to the SIEM's workspace, and names the
tenant's OpenID Connect issuer as the endpoint applications are configured with.
"""
from __future__ import annotations

import pulumi
from pulumi_azure_native import aadiam

from providers.azure.arm import client_config, tenant_setting_name
from providers.base import ServiceComponent

#: Directory changes (users, groups, roles, apps) and SCIM provisioning from the institutions' directories.
#: Sign-in logs are exported by the sso_mfa service: one category may go to one workspace only once.
CATEGORIES: tuple[aadiam.Category | str, ...] = (aadiam.Category.AUDIT_LOGS, "ProvisioningLogs")


class Directory(ServiceComponent):
    """directory with Microsoft Entra ID: a tenant diagnostic setting sending AuditLogs and ProvisioningLogs
    to placement.log_workspace_id.

    The setting's name carries the stack and the subscription (`hdh-directory-audit-<stack>-<subscription's first
    block>`): Entra diagnostic settings are one namespace per tenant, and each platform stack of the tenant
    exports to its own workspace under its own name.

    Limits: the Entra diagnostic setting is a tenant resource; whoever runs `pulumi up` needs the Security
    Administrator (or Global Administrator) role in the tenant, and exporting logs needs an Entra ID P1 or P2
    licence. Directory objects are not created here (see the module docstring).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        client = client_config()
        aadiam.DiagnosticSetting(
            # A setting of the tenant, named per stack and subscription: another platform stack of the tenant
            # exports to its own workspace under its own name, rather than taking this one over.
            self.role("audit-export"), name=tenant_setting_name("hdh-directory-audit"),
            workspace_id=self.placement.log_workspace_id,
            logs=[aadiam.LogSettingsArgs(category=category, enabled=True) for category in CATEGORIES],
            opts=self.child())
        return client.tenant_id.apply(lambda tenant: f"https://login.microsoftonline.com/{tenant}/v2.0"), None
