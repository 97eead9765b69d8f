"""Single sign-on and MFA on Azure: Microsoft Entra ID, whose sign-in logs (interactive, non-interactive,
service principals and managed identities) this program exports to the platform's Log Analytics workspace.

Conditional Access policies (the rule "MFA for every sign-in", named locations in France, compliant
devices) are Microsoft Graph objects that pulumi-azure-native cannot create; pulumi-azuread can, and is not
a dependency of this project. They are administered in the tenant by HDH's identity team. What this
component builds is the evidence that the policies hold: every sign-in, with its MFA detail and the
Conditional Access result, lands in the workspace the SIEM's detection rules read.
"""
from __future__ import annotations

import pulumi
from pulumi_azure_native import aadiam

from providers.azure.arm import client_config, tenant_setting_name
from providers.base import ServiceComponent

#: Every kind of sign-in: users interactively (MFA prompts), tokens refreshed by clients, applications and
#: managed identities. Directory audit logs are exported by the directory service.
CATEGORIES: tuple[aadiam.Category | str, ...] = (
    aadiam.Category.SIGN_IN_LOGS, "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs")


class SsoMfa(ServiceComponent):
    """sso_mfa with Microsoft Entra ID (Conditional Access and MFA): a tenant diagnostic setting exporting
    sign-in logs to placement.log_workspace_id; the endpoint is the tenant's OpenID Connect discovery URL.

    The setting's name carries the stack and the subscription (`hdh-sign-ins-<stack>-<subscription's first
    block>`), one per platform stack of the tenant (see directory).

    Limits: needs the Security Administrator role in the tenant to deploy and an Entra ID P1/P2 licence for
    the export; Conditional Access itself is not created here (see the module docstring).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        client = client_config()
        aadiam.DiagnosticSetting(
            # A setting of the tenant, named per stack and subscription: another platform stack of the tenant
            # exports to its own workspace under its own name, rather than taking this one over.
            self.role("signin-export"), name=tenant_setting_name("hdh-sign-ins"),
            workspace_id=self.placement.log_workspace_id,
            logs=[aadiam.LogSettingsArgs(category=category, enabled=True) for category in CATEGORIES],
            opts=self.child())
        return client.tenant_id.apply(
            lambda tenant: f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"), None
