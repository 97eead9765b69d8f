"""Private Link name resolution, written once: which privatelink DNS zones each kind of private
endpoint registers in, and the helper that gives an endpoint its DNS records.

The zones are created once per platform by the private_dns service (linked to the VNet, in the
platform's resource group). A service opening a private endpoint calls `private_link()`, which adds a
PrivateDnsZoneGroup so that Azure writes (and removes) the endpoint's A records in those zones;
endpoints made without one are caught by the private_endpoints service's policy, which adds the
same zone group. Without it the endpoint exists but the service's name still resolves to its public
address, which the disabled public network access then refuses.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from providers.azure.arm import private_endpoint, resource_group_id
from providers.base import ServiceComponent
from providers.contract import safe_name
from providers.lookups import once


@dataclass(frozen=True)
class Link:
    """A private-link sub-resource: the resource type it belongs to, the endpoint's group id, and the
    zones its records go to (`{region}` stands for the platform's region)."""

    resource_type: str
    group: str
    zones: tuple[str, ...]

    def zones_in(self, region: str) -> tuple[str, ...]:
        return tuple(zone.format(region=region) for zone in self.zones)


#: Every kind of private endpoint the platform's Azure services open, under a name of ours: group ids
#: alone are ambiguous ("portal" is both Data Factory's and Purview's).
LINKS: dict[str, Link] = {
    "blob": Link("Microsoft.Storage/storageAccounts", "blob", ("privatelink.blob.core.windows.net",)),
    "dfs": Link("Microsoft.Storage/storageAccounts", "dfs", ("privatelink.dfs.core.windows.net",)),
    "file": Link("Microsoft.Storage/storageAccounts", "file", ("privatelink.file.core.windows.net",)),
    "queue": Link("Microsoft.Storage/storageAccounts", "queue", ("privatelink.queue.core.windows.net",)),
    "vault": Link("Microsoft.KeyVault/vaults", "vault", ("privatelink.vaultcore.azure.net",)),
    "managed-hsm": Link("Microsoft.KeyVault/managedHSMs", "managedhsm", ("privatelink.managedhsm.azure.net",)),
    "registry": Link("Microsoft.ContainerRegistry/registries", "registry", ("privatelink.azurecr.io",)),
    "batch": Link("Microsoft.Batch/batchAccounts", "batchAccount", ("privatelink.batch.azure.com",)),
    # The node-management endpoint (<account>.<region>.service.batch.azure.com) that pool nodes without public
    # IP call in simplified communication mode: the same zone, its own record.
    "batch-node": Link("Microsoft.Batch/batchAccounts", "nodeManagement", ("privatelink.batch.azure.com",)),
    "aml": Link("Microsoft.MachineLearningServices/workspaces", "amlworkspace",
                ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net")),
    "postgresql": Link("Microsoft.DBforPostgreSQL/flexibleServers", "postgresqlServer",
                       ("privatelink.postgres.database.azure.com",)),
    "datafactory": Link("Microsoft.DataFactory/factories", "dataFactory", ("privatelink.datafactory.azure.net",)),
    "datafactory-portal": Link("Microsoft.DataFactory/factories", "portal", ("privatelink.adf.azure.com",)),
    "databricks": Link("Microsoft.Databricks/workspaces", "databricks_ui_api", ("privatelink.azuredatabricks.net",)),
    "databricks-auth": Link("Microsoft.Databricks/workspaces", "browser_authentication",
                            ("privatelink.azuredatabricks.net",)),
    "purview": Link("Microsoft.Purview/accounts", "account", ("privatelink.purview.azure.com",)),
    "purview-portal": Link("Microsoft.Purview/accounts", "portal", ("privatelink.purviewstudio.azure.com",)),
    "servicebus": Link("Microsoft.ServiceBus/namespaces", "namespace", ("privatelink.servicebus.windows.net",)),
    "eventgrid": Link("Microsoft.EventGrid/topics", "topic", ("privatelink.eventgrid.azure.net",)),
    "eventgrid-namespace": Link("Microsoft.EventGrid/namespaces", "topic", ("privatelink.eventgrid.azure.net",)),
    "sites": Link("Microsoft.Web/sites", "sites", ("privatelink.azurewebsites.net",)),
    "avd": Link("Microsoft.DesktopVirtualization/hostpools", "connection", ("privatelink.wvd.microsoft.com",)),
    "avd-feed": Link("Microsoft.DesktopVirtualization/workspaces", "feed", ("privatelink.wvd.microsoft.com",)),
    "avd-global": Link("Microsoft.DesktopVirtualization/workspaces", "global",
                       ("privatelink-global.wvd.microsoft.com",)),
    "monitor": Link("Microsoft.Insights/privateLinkScopes", "azuremonitor",
                    ("privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
                     "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
                     "privatelink.blob.core.windows.net")),
    "prometheus": Link("Microsoft.Monitor/accounts", "prometheusMetrics",
                       ("privatelink.{region}.prometheus.monitor.azure.com",)),
}


def all_zones(region: str) -> tuple[str, ...]:
    """Every privatelink zone an endpoint of the platform registers in, once each, sorted."""
    return tuple(sorted({zone for link in LINKS.values() for zone in link.zones_in(region)}))


def _zones_of_this_run() -> dict[str, pulumi.Output[str]]:
    return once(("azure", "privatelink-zones"), dict)


def created_zone(zone: str, zone_resource_id: pulumi.Output[str]) -> None:
    """Record the id output of a privatelink zone private_dns creates in this run, for zone_id()."""
    _zones_of_this_run()[zone] = zone_resource_id


def zone_id(owner: ServiceComponent, zone: str) -> pulumi.Output[str]:
    """The id of one of the platform's privatelink zones (they live in the platform's resource group).

    The zone's own `id` output when private_dns creates it in this run: a zone group referring to it then
    waits for the zone on creation and goes before it on destroy. An enclave stack refers to the platform
    stack's zones, which exist before it runs, by their ids."""
    made = _zones_of_this_run().get(zone)
    if made is not None:
        return made
    return resource_group_id(owner).apply(
        lambda group: f"{group}/providers/Microsoft.Network/privateDnsZones/{zone}")


def private_link(owner: ServiceComponent, target_id: pulumi.Input[str], kind: str,
                 subnet_id: pulumi.Input[str] | None = None) -> network.PrivateEndpoint:
    """A private endpoint to `target_id` in the service's subnet, registered in the platform's zones."""
    link = LINKS[kind]
    endpoint = private_endpoint(owner, target_id, link.group, subnet_id)
    network.PrivateDnsZoneGroup(
        owner.role(f"pe-{safe_name(link.group, 24)}-dns"), resource_group_name=owner.placement.scope,
        private_endpoint_name=endpoint.name, private_dns_zone_group_name="default",
        private_dns_zone_configs=[
            network.PrivateDnsZoneConfigArgs(name=safe_name(zone, 80), private_dns_zone_id=zone_id(owner, zone))
            for zone in link.zones_in(owner.placement.region)],
        opts=pulumi.ResourceOptions(parent=endpoint))
    return endpoint
