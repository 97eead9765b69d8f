"""Kubernetes on Azure: a private, network-isolated AKS cluster with Entra ID RBAC only, customer-key
disks and Cilium network policy."""
from __future__ import annotations

from typing import ClassVar

import pulumi
from pulumi_azure_native import containerservice, managedidentity, monitor

from providers.azure.arm import client_config, grant, send_audit_logs
from providers.azure.log_analytics import ENDPOINT_ASSOCIATION, syslog_sources
from providers.base import ServiceComponent
from providers.contract import safe_name

NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
#: Overlay ranges, outside every VNet range of the platform (10.20.0.0/16, 10.64.0.0/10).
POD_CIDR, SERVICE_CIDR, DNS_SERVICE_IP = "10.244.0.0/16", "10.0.0.0/16", "10.0.0.10"
#: What Container insights sends (container logs v2, Kubernetes inventory and events, performance), and the
#: name Azure Monitor gives its association with the cluster.
CONTAINER_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"
CONTAINER_INSIGHTS = "ContainerInsightsExtension"


def _given(value: pulumi.Input[str]) -> bool:
    """A placement field a foundation service filled (an output, or a non-empty string)."""
    return not (isinstance(value, str) and not value)


class Kubernetes(ServiceComponent):
    """kubernetes with Azure Kubernetes Service: private API server (no public FQDN, public network access
    disabled, no run-command), Entra ID authentication with Azure RBAC and local accounts disabled, node
    and volume disks encrypted with the customer key (disk encryption set) and at host, Azure CNI overlay
    powered by Cilium for network policy, no outbound path (network-isolated cluster: images come through
    AKS's private artifact cache), workload identity for pods, a system pool and an autoscaled user pool.

    The API server's KMS etcd encryption is not enabled: AKS requires a versioned key id there, which
    would pin a key version the platform rotates yearly; application secrets stay in Key Vault and reach
    pods through the secrets-store CSI driver and workload identity instead.

    Logs: the omsagent add-on (Container insights, managed-identity authentication) sends container logs,
    Kubernetes events and inventory, and the nodes' syslog to the platform workspace through the platform's
    data collection endpoint, over Private Link (`_container_logs`).

    Provides the cluster's OIDC issuer URL to the services built after it: workload_identity (later in
    the catalogue) federates its identities with this cluster's service accounts.
    """

    PROVIDES: ClassVar[tuple[str, ...]] = ("oidc_issuer",)

    def _pool(self, name: str, mode: containerservice.AgentPoolMode, low: int, high: int,
              taints: list[str]) -> containerservice.ManagedClusterAgentPoolProfileArgs:
        return containerservice.ManagedClusterAgentPoolProfileArgs(
            name=name, mode=mode, vm_size=self.sizing.cpu_flavor,
            os_type=containerservice.OSType.LINUX, os_sku=containerservice.OSSKU.AZURE_LINUX,
            type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
            enable_auto_scaling=True, count=low, min_count=low, max_count=high,
            vnet_subnet_id=self.placement.subnet_id, enable_node_public_ip=False, enable_encryption_at_host=True,
            os_disk_type=containerservice.OSDiskType.MANAGED, node_taints=taints,
            security_profile=containerservice.AgentPoolSecurityProfileArgs(
                ssh_access=containerservice.AgentPoolSSHAccess.DISABLED),
            tags=self.tags)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        client = client_config()
        # The control plane's own identity, granted only what it needs: join nodes and internal load
        # balancers to the subnet, and read the disk encryption set it names.
        identity = managedidentity.UserAssignedIdentity(
            self.role("identity"), resource_group_name=self.placement.scope, location=self.placement.region,
            tags=self.tags, opts=self.child())
        grants = [
            grant(self, "subnet-access", self.placement.subnet_id, NETWORK_CONTRIBUTOR, identity.principal_id,
                  "hdhport: AKS control plane joins nodes and internal load balancers to the subnet"),
            grant(self, "des-read", self.placement.disk_encryption_ref, READER, identity.principal_id,
                  "hdhport: AKS reads the disk encryption set its node and volume disks use"),
        ]
        system = self._pool("system", containerservice.AgentPoolMode.SYSTEM, 1, 3,
                            ["CriticalAddonsOnly=true:NoSchedule"])
        addons: dict[str, containerservice.ManagedClusterAddonProfileArgs] = {
            "azureKeyvaultSecretsProvider": containerservice.ManagedClusterAddonProfileArgs(
                enabled=True, config={"enableSecretRotation": "true", "rotationPollInterval": "2m"}),
        }
        logs = _given(self.placement.log_workspace_id) and _given(self.placement.log_endpoint_id)
        if logs:
            addons["omsagent"] = containerservice.ManagedClusterAddonProfileArgs(
                enabled=True, config={"logAnalyticsWorkspaceResourceID": self.placement.log_workspace_id,
                                      "useAADAuth": "true"})
        cluster = containerservice.ManagedCluster(
            self.role("aks"), resource_group_name=self.placement.scope, location=self.placement.region,
            dns_prefix=safe_name(self.name, 40),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[identity.id]),
            sku=containerservice.ManagedClusterSKUArgs(name=containerservice.ManagedClusterSKUName.BASE,
                                                       tier=containerservice.ManagedClusterSKUTier.STANDARD),
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=True, enable_private_cluster_public_fqdn=False, private_dns_zone="system",
                disable_run_command=True),
            public_network_access=containerservice.PublicNetworkAccess.DISABLED,
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, tenant_id=client.tenant_id),
            enable_rbac=True, disable_local_accounts=True,
            disk_encryption_set_id=self.placement.disk_encryption_ref,
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin=containerservice.NetworkPlugin.AZURE,
                network_plugin_mode=containerservice.NetworkPluginMode.OVERLAY,
                network_dataplane=containerservice.NetworkDataplane.CILIUM,
                network_policy=containerservice.NetworkPolicy.CILIUM,
                outbound_type=containerservice.OutboundType.NONE,
                load_balancer_sku=containerservice.LoadBalancerSku.STANDARD,
                pod_cidr=POD_CIDR, service_cidr=SERVICE_CIDR, dns_service_ip=DNS_SERVICE_IP),
            bootstrap_profile=containerservice.ManagedClusterBootstrapProfileArgs(
                artifact_source=containerservice.ArtifactSource.CACHE),
            agent_pool_profiles=[system],
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=containerservice.UpgradeChannel.PATCH,
                node_os_upgrade_channel=containerservice.NodeOSUpgradeChannel.NODE_IMAGE),
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                image_cleaner=containerservice.ManagedClusterSecurityProfileImageCleanerArgs(
                    enabled=True, interval_hours=48)),
            storage_profile=containerservice.ManagedClusterStorageProfileArgs(
                disk_csi_driver=containerservice.ManagedClusterStorageProfileDiskCSIDriverArgs(enabled=True),
                file_csi_driver=containerservice.ManagedClusterStorageProfileFileCSIDriverArgs(enabled=True),
                snapshot_controller=containerservice.ManagedClusterStorageProfileSnapshotControllerArgs(enabled=True)),
            addon_profiles=addons,
            tags=self.tags,
            # Deleting the cluster deletes its node resource group, and with it every persistent volume.
            opts=self.keep(depends_on=grants, ignore_changes=["agentPoolProfiles[0].count"]))
        user = self._pool("user", containerservice.AgentPoolMode.USER, 1, 10, [])
        containerservice.AgentPool(
            self.role("pool-user"), resource_group_name=self.placement.scope, resource_name_=cluster.name,
            agent_pool_name=user.name, mode=user.mode, vm_size=user.vm_size, os_type=user.os_type,
            os_sku=user.os_sku, type=user.type, enable_auto_scaling=True, count=user.count,
            min_count=user.min_count, max_count=user.max_count, vnet_subnet_id=user.vnet_subnet_id,
            enable_node_public_ip=False, enable_encryption_at_host=True, os_disk_type=user.os_disk_type,
            security_profile=user.security_profile, tags=self.tags,
            # The autoscaler owns the node count.
            opts=self.child(ignore_changes=["count"]))
        if logs:
            self._container_logs(cluster)
        send_audit_logs(self, "audit", cluster.id)
        self.provide(oidc_issuer=cluster.oidc_issuer_profile.apply(
            lambda profile: (profile.issuer_url or "") if profile else ""))
        return cluster.private_fqdn.apply(lambda fqdn: f"https://{fqdn}:443"), self.placement.key_ref

    def _container_logs(self, cluster: containerservice.ManagedCluster) -> None:
        """Container insights' collection rule and the cluster's two associations with it and with the platform's
        data collection endpoint. With managed-identity authentication the add-on's agent collects nothing until
        both exist: `az aks enable-addons --addon monitoring` creates them, the resource API leaves them to us.
        The endpoint association is how the agent reads its rule, and the rule's endpoint how it ingests, over
        the platform's Private Link scope (the workspace takes nothing from a public network)."""
        p = self.placement
        rule = monitor.DataCollectionRule(
            self.role("container-logs"), resource_group_name=p.scope, location=p.region,
            kind=monitor.KnownDataCollectionRuleResourceKind.LINUX, data_collection_endpoint_id=p.log_endpoint_id,
            description="hdhport: Container insights of the AKS cluster (container logs, Kubernetes events and "
                        "inventory) and its nodes' syslog",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                extensions=[monitor.ExtensionDataSourceArgs(
                    name=CONTAINER_INSIGHTS, extension_name="ContainerInsights", streams=[CONTAINER_INSIGHTS_STREAM],
                    extension_settings={"dataCollectionSettings": {
                        "interval": "1m", "namespaceFilteringMode": "Off", "enableContainerLogV2": True}})],
                syslog=syslog_sources()),
            destinations=monitor.DataCollectionRuleDestinationsArgs(log_analytics=[
                monitor.LogAnalyticsDestinationArgs(name="platform", workspace_resource_id=p.log_workspace_id)]),
            data_flows=[monitor.DataFlowArgs(streams=[CONTAINER_INSIGHTS_STREAM], destinations=["platform"]),
                        monitor.DataFlowArgs(streams=[monitor.KnownDataFlowStreams.MICROSOFT_SYSLOG],
                                             destinations=["platform"])],
            tags=self.tags, opts=self.child())
        monitor.DataCollectionRuleAssociation(
            self.role("container-logs-rule"), resource_uri=cluster.id, association_name=CONTAINER_INSIGHTS,
            data_collection_rule_id=rule.id,
            description="hdhport: Container insights of the cluster; without it the add-on collects nothing",
            opts=self.child())
        monitor.DataCollectionRuleAssociation(
            self.role("container-logs-endpoint"), resource_uri=cluster.id, association_name=ENDPOINT_ASSOCIATION,
            data_collection_endpoint_id=p.log_endpoint_id, opts=self.child())
