"""etl_orchestration on Azure: an Azure Data Factory with no public network access, encrypted with
the customer-managed key, whose pipelines run on an integration runtime inside ADF's managed virtual
network and reach the platform's stores through managed private endpoints only."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import datafactory, resources

from providers.azure.arm import global_name, key_name, key_vault_uri, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

#: ADF allows one managed virtual network per factory and only under this name.
MANAGED_VNET = "default"
INTEGRATION_RUNTIME = "hdh-managed-vnet-ir"
KEY_VAULT_LINK = "hdh-key-vault"


def _managed_vnet_template(factory_name: str) -> dict[str, object]:
    """ARM template of the factory's managed virtual network (see EtlOrchestration's limits)."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.DataFactory/factories/managedVirtualNetworks",
            "apiVersion": "2018-06-01",
            "name": f"{factory_name}/{MANAGED_VNET}",
            "properties": {},
        }],
    }


class EtlOrchestration(ServiceComponent):
    """etl_orchestration with Azure Data Factory.

    - The factory: public network access disabled, studio and API reached through private endpoints
      (dataFactory and portal); encrypted with placement.key_ref through the platform's user-assigned
      identity (versionless key: the factory follows the key's rotation).
    - Compute: an Azure integration runtime pinned to the platform's region (never AutoResolve, which
      may run a copy outside the EU) inside ADF's managed virtual network, where nothing reaches the
      internet and every data store is reached through an approved managed private endpoint.
    - Secrets: a Key Vault linked service (pipelines read connection secrets at run time, so they are
      rotated in Key Vault only) and a managed private endpoint to the platform's vault.

    Pipelines themselves are the data engineers' content (they depend on each project's datasets) and
    are published through ADF's git integration, not created here.

    Limits: pulumi-azure-native has no resource for the managed virtual network
    (pulumi/pulumi-azure-native#896), so it is created by a one-resource ARM deployment; Azure has no
    API to delete it, and the deployment is incremental. The managed private endpoint to the vault waits
    for approval on the vault's side (key_management's owners approve it once).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        # Factory names are DNS labels shared by every Azure tenant.
        factory_name = global_name("adf-hdh", self.name, 63)
        factory = datafactory.Factory(
            self.role("factory"), resource_group_name=p.scope, location=p.region, factory_name=factory_name,
            identity=datafactory.FactoryIdentityArgs(
                type=datafactory.FactoryIdentityType.SYSTEM_ASSIGNED_USER_ASSIGNED,
                user_assigned_identities=pulumi.Output.from_input(p.identity_id).apply(lambda ident: {ident: {}})),
            encryption=datafactory.EncryptionConfigurationArgs(
                vault_base_url=key_vault_uri(p.key_ref), key_name=key_name(p.key_ref),
                identity=datafactory.CMKIdentityDefinitionArgs(user_assigned_identity=p.identity_id)),
            public_network_access=datafactory.PublicNetworkAccess.DISABLED,
            tags=self.tags, opts=self.keep())

        managed_vnet = resources.Deployment(
            self.role("managed-vnet"), resource_group_name=p.scope,
            properties=resources.DeploymentPropertiesArgs(
                mode=resources.DeploymentMode.INCREMENTAL,
                template=_managed_vnet_template(factory_name)),
            tags=self.tags, opts=self.child(depends_on=[factory]))

        datafactory.IntegrationRuntime(
            self.role("runtime"), resource_group_name=p.scope, factory_name=factory.name,
            integration_runtime_name=INTEGRATION_RUNTIME,
            properties=datafactory.ManagedIntegrationRuntimeArgs(
                type="Managed",
                description="Azure IR in the managed virtual network, pinned to the platform's region",
                managed_virtual_network=datafactory.ManagedVirtualNetworkReferenceArgs(
                    reference_name=MANAGED_VNET,
                    type=datafactory.ManagedVirtualNetworkReferenceType.MANAGED_VIRTUAL_NETWORK_REFERENCE),
                compute_properties=datafactory.IntegrationRuntimeComputePropertiesArgs(
                    location=p.region,
                    data_flow_properties=datafactory.IntegrationRuntimeDataFlowPropertiesArgs(
                        compute_type=datafactory.DataFlowComputeType.GENERAL, core_count=8, time_to_live=10,
                        cleanup=True))),
            opts=self.child(depends_on=[managed_vnet]))

        datafactory.ManagedPrivateEndpoint(
            self.role("mpe-vault"), resource_group_name=p.scope, factory_name=factory.name,
            managed_virtual_network_name=MANAGED_VNET, managed_private_endpoint_name="hdh-key-vault",
            properties=datafactory.ManagedPrivateEndpointArgs(private_link_resource_id=p.key_vault_id,
                                                              group_id="vault"),
            opts=self.child(depends_on=[managed_vnet]))

        datafactory.LinkedService(
            self.role("key-vault-link"), resource_group_name=p.scope, factory_name=factory.name,
            linked_service_name=KEY_VAULT_LINK,
            properties=datafactory.AzureKeyVaultLinkedServiceArgs(
                type="AzureKeyVault", base_url=key_vault_uri(p.key_ref),
                description="Connection secrets of the pipelines, read at run time (rotated in Key Vault)"),
            opts=self.child())

        private_link(self, factory.id, "datafactory")
        private_link(self, factory.id, "datafactory-portal")
        send_audit_logs(self, "audit", factory.id, category_group="allLogs")

        return factory.id.apply(lambda _: f"https://{factory_name}.{p.region}.datafactory.azure.net"), p.key_ref
