"""The platform's private container registry on Azure."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import containerregistry

from providers.azure.arm import global_name, identity_of, private_endpoint, send_audit_logs
from providers.base import ServiceComponent

UNTAGGED_RETENTION_DAYS = 30


class ContainerRegistry(ServiceComponent):
    """container_registry with Azure Container Registry Premium (the tier with private endpoints and
    customer-managed keys): public network access disabled and network rules deny by default, reached
    through a private endpoint; no admin user, no anonymous pull, no ARM-audience tokens; encrypted with
    the platform key through the encryption identity; export pipelines disabled (no way out for images);
    untagged manifests purged after 30 days. Vulnerability scanning of pushed images is Defender for
    Containers' job (vulnerability_scanning).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        identity = identity_of(self, self.placement.identity_id)
        registry = containerregistry.Registry(
            self.role("acr"), resource_group_name=self.placement.scope, location=self.placement.region,
            registry_name=global_name("acr", self.name, 50, ""),
            sku=containerregistry.SkuArgs(name=containerregistry.SkuName.PREMIUM),
            admin_user_enabled=False, anonymous_pull_enabled=False,
            public_network_access=containerregistry.PublicNetworkAccess.DISABLED,
            network_rule_set=containerregistry.NetworkRuleSetArgs(default_action=containerregistry.DefaultAction.DENY),
            network_rule_bypass_options=containerregistry.NetworkRuleBypassOptions.NONE,
            identity=pulumi.Output.from_input(self.placement.identity_id).apply(
                lambda identity_id: containerregistry.IdentityPropertiesArgs(
                    type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
                    user_assigned_identities={identity_id: containerregistry.UserIdentityPropertiesArgs()})),
            # The versionless key URI: ACR follows the key's rotations. ACR names the identity by client id.
            encryption=containerregistry.EncryptionPropertyArgs(
                status=containerregistry.EncryptionStatus.ENABLED,
                key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
                    key_identifier=self.placement.key_ref, identity=identity.client_id)),
            policies=containerregistry.PoliciesArgs(
                export_policy=containerregistry.ExportPolicyArgs(status=containerregistry.ExportPolicyStatus.DISABLED),
                azure_ad_authentication_as_arm_policy=containerregistry.AzureADAuthenticationAsArmPolicyArgs(
                    status=containerregistry.AzureADAuthenticationAsArmPolicyStatus.DISABLED),
                retention_policy=containerregistry.RetentionPolicyArgs(
                    status=containerregistry.PolicyStatus.ENABLED, days=UNTAGGED_RETENTION_DAYS)),
            tags=self.tags, opts=self.child())
        private_endpoint(self, registry.id, "registry")
        send_audit_logs(self, "audit", registry.id)
        return registry.login_server, None
