"""Batch pools on Azure: jobs queue in an Azure Batch account and run on a private, auto-scaled pool."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import batch

from providers.azure.arm import global_name, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

#: Grow with the queue (up to MAX_NODES), shrink to zero when it is empty; a node leaves only once its
#: running tasks finish. The shape of Azure Batch's documented pending-tasks formula.
MAX_NODES = 20
AUTOSCALE_FORMULA = f"""maxNodes = {MAX_NODES};
samplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pending = samplePercent < 70 ? 0 : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes = min(maxNodes, pending);
$NodeDeallocationOption = taskcompletion;"""
#: Batch runs only images verified for its node agent (Debian is not among them); this one is
#: container-ready, as tasks run OCI images.
POOL_IMAGE = batch.ImageReferenceArgs(publisher="microsoft-dsvm", offer="ubuntu-hpc", sku="2204", version="latest")
NODE_AGENT = "batch.node.ubuntu 22.04"


class BatchCompute(ServiceComponent):
    """batch_compute with Azure Batch: a Batch account (Entra ID authentication only, no public network
    access, account data encrypted with the customer key, private endpoints for its API and for node
    management) and an auto-scaled pool in the private subnet, without public IP addresses.

    Pool nodes (BatchService allocation) cannot take a disk encryption set: their disks are encrypted at
    host with platform keys, and tasks keep their data in the CMK-encrypted storage services.

    Node logs do not reach the workspace, and no resource of the API can make them: in BatchService allocation
    the nodes are virtual machines of a Batch-managed subscription, with no resource id a data collection rule
    could be associated with. The pool's `extensions` accept the Azure Monitor Agent, but without an
    association it collects nothing, so it is not installed. What does reach the workspace is the account's
    own logs (pool and task events, audit: `allLogs` below); node syslog would need UserSubscription allocation
    (scale sets in the platform's subscription, associated by an Azure Policy as they appear).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        account = batch.BatchAccount(
            self.role("account"), resource_group_name=self.placement.scope, location=self.placement.region,
            account_name=global_name("ba", self.name, 24, ""),
            pool_allocation_mode=batch.PoolAllocationMode.BATCH_SERVICE,
            allowed_authentication_modes=[batch.AuthenticationMode.AAD],  # no shared keys
            public_network_access=batch.PublicNetworkAccessType.DISABLED,
            identity=batch.BatchAccountIdentityArgs(type=batch.ResourceIdentityType.USER_ASSIGNED,
                                                    user_assigned_identities=[self.placement.identity_id]),
            encryption=batch.EncryptionPropertiesArgs(
                key_source=batch.KeySource.MICROSOFT_KEY_VAULT,
                key_vault_properties=batch.KeyVaultPropertiesArgs(key_identifier=self.placement.key_ref)),
            tags=self.tags, opts=self.child())
        private_link(self, account.id, "batch")
        # Nodes without public IP reach the Batch service only through this endpoint (simplified node
        # communication), by its name in privatelink.batch.azure.com: registered here, not left to the policy.
        private_link(self, account.id, "batch-node")
        batch.Pool(
            self.role("pool"), resource_group_name=self.placement.scope, account_name=account.name,
            display_name=f"{self.name} pool", vm_size=self.sizing.cpu_flavor,
            deployment_configuration=batch.DeploymentConfigurationArgs(
                virtual_machine_configuration=batch.VirtualMachineConfigurationArgs(
                    image_reference=POOL_IMAGE, node_agent_sku_id=NODE_AGENT,
                    container_configuration=batch.ContainerConfigurationArgs(
                        type=batch.ContainerType.DOCKER_COMPATIBLE),
                    security_profile=batch.SecurityProfileArgs(encryption_at_host=True),
                    node_placement_configuration=batch.NodePlacementConfigurationArgs(
                        policy=batch.NodePlacementPolicyType.REGIONAL))),
            network_configuration=batch.NetworkConfigurationArgs(
                subnet_id=self.placement.subnet_id,
                public_ip_address_configuration=batch.PublicIPAddressConfigurationArgs(
                    provision=batch.IPAddressProvisioningType.NO_PUBLIC_IP_ADDRESSES)),
            target_node_communication_mode=batch.NodeCommunicationMode.SIMPLIFIED,
            identity=batch.BatchPoolIdentityArgs(type=batch.PoolIdentityType.USER_ASSIGNED,
                                                 user_assigned_identities=[self.placement.identity_id]),
            scale_settings=batch.ScaleSettingsArgs(auto_scale=batch.AutoScaleSettingsArgs(
                formula=AUTOSCALE_FORMULA, evaluation_interval="PT5M")),
            inter_node_communication=batch.InterNodeCommunicationState.DISABLED,
            task_scheduling_policy=batch.TaskSchedulingPolicyArgs(node_fill_type=batch.ComputeNodeFillType.SPREAD),
            tags=self.tags, opts=self.child())
        send_audit_logs(self, "audit", account.id, category_group="allLogs")
        return account.account_endpoint.apply(lambda host: f"https://{host}"), self.placement.key_ref
