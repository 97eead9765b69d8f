"""Turn the resources of a recorded plan into meters and monthly quantities, per API family.

Only what the plan says is read: flavors, sizes, counts, SKUs, and the `hdh-service` / `hdh-enclave` tags every
resource carries. What a plan cannot know (data stored, egress, requests, log volume, hours a research machine
runs) comes from `Assumptions`, stated with every estimate. A resource type is either metered here, listed in
NOT_BILLED (configuration objects the providers do not bill on their own: security groups, ports, role
assignments...), or falls back to a `resource/<type>` meter, so nothing billable silently costs nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hdhport.cost.book import HOURS_PER_MONTH
from hdhport.planner import resource_tags

PLATFORM = "platform"


@dataclass(frozen=True)
class Assumptions:
    """Usage the plan cannot see; each has a default, stated with the result, and a CLI option."""

    volume_tb: float = 100.0  # data held, split across services as the migration runbook splits it
    research_hours: float = HOURS_PER_MONTH  # hours a month each machine of an enclave runs
    egress_gb: float = 1000.0  # data sent out of the cloud a month
    requests_millions: float = 10.0  # object-storage requests a month
    logs_gb: float = 100.0  # log data ingested a month, where logs are billed per GB

    def describe(self, shares: dict[str, float]) -> list[str]:
        split = ", ".join(f"{k} {v:.1%}" for k, v in shares.items())
        return [f"data held: {self.volume_tb:g} TB (--volume-tb), split across services as `hdhport migrate plan` "
                f"splits it ({split}); only services billed per GB held take it, provisioned disks and shares are "
                "counted at their planned size",
                f"research machines (those of an enclave) run {self.research_hours:g} h a month (--hours-per-month); "
                f"platform machines run all month ({HOURS_PER_MONTH:g} h)",
                f"egress to the internet: {self.egress_gb:g} GB a month (--egress-gb)",
                f"object-storage requests: {self.requests_millions:g} million a month (--requests-millions)",
                f"logs ingested: {self.logs_gb:g} GB a month where billed per GB (--logs-gb)"]


@dataclass(frozen=True)
class Usage:
    """One resource's use of one meter over a month, in the base quantity of the meter's kind."""

    meter: str
    quantity: float
    service: str
    enclave: str
    resource: str
    basis: str = ""  # where the quantity comes from, when not the plan (an assumption)


@dataclass
class _Resource:
    type: str
    name: str
    inputs: dict[str, Any]
    service: str
    enclave: str


@dataclass
class Metered:
    usages: list[Usage] = field(default_factory=list)
    not_billed: dict[str, int] = field(default_factory=dict)  # type -> count


def _owner(resources: list[Any]) -> dict[str, Any]:
    by_urn = {r.urn: r for r in resources}
    top: dict[str, Any] = {}
    for resource in resources:
        current = resource
        while current.parent in by_urn:
            current = by_urn[current.parent]
        top[resource.urn] = current
    return top


def resources_of(plan: Any) -> list[_Resource]:
    """The created (not read) custom resources of a plan, each with its service and enclave."""
    top = _owner(plan.resources)
    out = []
    for r in plan.resources:
        if not r.custom or r.read:
            continue
        tags = resource_tags(r.inputs)
        owner = top[r.urn]
        enclave = tags.get("hdh-enclave") or (owner.name if owner.type == "hdh:workspace:Enclave" else PLATFORM)
        service = tags.get("hdh-service") or (owner.name.replace("-", "_") if owner.type.startswith("hdh:")
                                              and owner.type != "hdh:workspace:Enclave" else "enclave")
        out.append(_Resource(r.type, r.name, r.inputs, service, enclave))
    return out


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# ------------------------------------------------------------------ per family

Meter = Callable[[_Resource, Assumptions], Iterator[tuple[str, float, str]]]  # (meter, quantity, basis)


def _hours(res: _Resource, assume: Assumptions) -> tuple[float, str]:
    if res.enclave != PLATFORM:
        return assume.research_hours, f"{assume.research_hours:g} h (assumed, research machine)"
    return HOURS_PER_MONTH, ""


def _machine(meter: str, count: float = 1.0) -> Meter:
    def meter_of(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
        hours, basis = _hours(res, assume)
        yield meter, count * hours, basis
    return meter_of


def _always(meter: str) -> Iterator[tuple[str, float, str]]:
    yield meter, HOURS_PER_MONTH, ""


# OpenStack (OVHcloud Public Cloud, any OpenStack bidder)

def _os_instance(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    hours, basis = _hours(res, assume)
    yield f"flavor/{res.inputs.get('flavorName') or res.inputs.get('flavorId') or 'unnamed'}", hours, basis
    for device in res.inputs.get("blockDevices") or []:
        size = _num(_get(device, "volumeSize"))
        if size and _get(device, "destinationType") == "volume":
            yield f"volume/{_get(device, 'volumeType') or 'default'}", size, ""


def _os_volume(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"volume/{res.inputs.get('volumeType') or 'default'}", _num(res.inputs.get("size")) or 0.0, ""


def _os_share(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"file-storage/{res.inputs.get('shareType') or 'default'}", _num(res.inputs.get("size")) or 0.0, ""


def _os_lb(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield from _always(f"load-balancer/{res.inputs.get('flavorId') or 'default'}")


OPENSTACK: dict[str, Meter] = {
    "openstack:compute/instance:Instance": _os_instance,
    "openstack:blockstorage/volume:Volume": _os_volume,
    "openstack:sharedfilesystem/share:Share": _os_share,
    "openstack:loadbalancer/loadBalancer:LoadBalancer": _os_lb,
    "openstack:networking/floatingIp:FloatingIp": lambda r, a: _always("public-ip/floating-ip"),
    "openstack:networking/router:Router": lambda r, a: _always("gateway/router"),
    "openstack:keymanager/secretV1:SecretV1": lambda r, a: _always("secrets/barbican-secret"),
    "openstack:keymanager/orderV1:OrderV1": lambda r, a: _always("keys/barbican-key"),
}
OPENSTACK_OBJECTS = ("openstack:objectstorage/container:Container",)

# Scaleway

def _scw_server(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    hours, basis = _hours(res, assume)
    yield f"flavor/{res.inputs.get('type') or 'unnamed'}", hours, basis
    root = res.inputs.get("rootVolume") or {}
    size = _num(_get(root, "sizeInGb"))
    if size:
        yield f"volume/{_get(root, 'volumeType') or 'default'}", size, ""


def _scw_volume(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    iops = _num(res.inputs.get("iops"))
    kind = f"sbs-{int(iops) // 1000}k" if iops else "sbs"
    yield f"volume/{kind}", _num(res.inputs.get("sizeInGb")) or 0.0, ""


def _scw_database(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    nodes = 2.0 if res.inputs.get("isHaCluster") else 1.0
    yield f"database/{res.inputs.get('nodeType') or 'unnamed'}", nodes * HOURS_PER_MONTH, ""
    size = _num(res.inputs.get("volumeSizeInGb"))
    if size:
        yield f"volume/db-{res.inputs.get('volumeType') or 'default'}", size, ""


SCALEWAY: dict[str, Meter] = {
    "scaleway:instance/server:Server": _scw_server,
    "scaleway:block/volume:Volume": _scw_volume,
    "scaleway:databases/instance:Instance": _scw_database,
    "scaleway:network/publicGateway:PublicGateway":
        lambda r, a: _always(f"gateway/{r.inputs.get('type') or 'public-gateway'}"),
    "scaleway:network/publicGatewayIp:PublicGatewayIp": lambda r, a: _always("public-ip/public-gateway-ip"),
    "scaleway:instance/ip:Ip": lambda r, a: _always("public-ip/flexible-ip"),
    "scaleway:keymanager/key:Key": lambda r, a: _always("keys/key-manager-key"),
    "scaleway:secrets/secret:Secret": lambda r, a: _always("secrets/secret-manager-secret"),
}
SCALEWAY_OBJECTS = ("scaleway:object/bucket:Bucket",)

# Azure

_PREMIUM_TIERS = ((4, "P1"), (8, "P2"), (16, "P3"), (32, "P4"), (64, "P6"), (128, "P10"), (256, "P15"),
                  (512, "P20"), (1024, "P30"), (2048, "P40"), (4096, "P50"), (8192, "P60"), (16384, "P70"),
                  (32767, "P80"))


def _disk_tier(sku: str, size: float | None) -> str:
    """Azure bills a Premium SSD per disk of the smallest tier holding its size (P10 up to 128 GiB...)."""
    if size is None:
        return f"disk/{sku}-os-default"
    if sku.startswith("Premium"):
        tier = next((t for limit, t in _PREMIUM_TIERS if size <= limit), "P80")
        return f"disk/{sku}-{tier}"
    return f"disk/{sku}-{int(size)}GiB"


def _az_vm(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    hours, basis = _hours(res, assume)
    yield f"flavor/{_get(res.inputs, 'hardwareProfile', 'vmSize') or 'unnamed'}", hours, basis
    os_disk = _get(res.inputs, "storageProfile", "osDisk") or {}
    sku = _get(os_disk, "managedDisk", "storageAccountType") or "Standard_LRS"
    yield _disk_tier(str(sku), _num(os_disk.get("diskSizeGB"))), HOURS_PER_MONTH, ""


def _az_vmss(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    sku = res.inputs.get("sku") or {}
    count = _num(sku.get("capacity")) or 0.0
    if sku.get("name") and count:
        hours, basis = _hours(res, assume)
        yield f"flavor/{sku['name']}", count * hours, basis


def _az_disk(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    sku = _get(res.inputs, "sku", "name") or "Standard_LRS"
    yield _disk_tier(str(sku), _num(res.inputs.get("diskSizeGB"))), HOURS_PER_MONTH, ""


def _az_aks(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"kubernetes/aks-{_get(res.inputs, 'sku', 'tier') or 'Free'}", HOURS_PER_MONTH, ""
    for pool in res.inputs.get("agentPoolProfiles") or []:
        count = _num(_get(pool, "count")) or 0.0
        if _get(pool, "vmSize") and count:
            yield f"flavor/{pool['vmSize']}", count * HOURS_PER_MONTH, ""


def _az_pool(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    count = _num(res.inputs.get("count")) or 0.0
    if res.inputs.get("vmSize") and count:
        yield f"flavor/{res.inputs['vmSize']}", count * HOURS_PER_MONTH, ""


def _az_postgres(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"database/postgres-{_get(res.inputs, 'sku', 'name') or 'unnamed'}", HOURS_PER_MONTH, ""
    size = _num(_get(res.inputs, "storage", "storageSizeGB"))
    if size:
        yield "volume/postgres-flexible-storage", size, ""


def _az_share(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"file-storage/azure-files-{res.inputs.get('accessTier') or 'default'}", \
        _num(res.inputs.get("shareQuota")) or 0.0, ""


def _az_sku(res: _Resource) -> str:
    sku = res.inputs.get("sku")
    if not isinstance(sku, dict):
        sku = _get(res.inputs, "properties", "sku") or {}
    parts = [str(sku[k]) for k in ("name", "tier") if isinstance(sku, dict) and sku.get(k)]
    return "-".join(dict.fromkeys(parts))


def _az_generic(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    short = res.type.split(":", 1)[1]
    sku = _az_sku(res)
    yield f"resource/{short}" + (f"-{sku}" if sku else ""), HOURS_PER_MONTH, ""


def _az_typed(kind: str) -> Meter:
    def meter_of(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
        sku = _az_sku(res)
        yield f"{kind}/azure" + (f"-{sku}" if sku else ""), HOURS_PER_MONTH, ""
    return meter_of


def _az_logs(res: _Resource, assume: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"logs/log-analytics-{_az_sku(res) or 'default'}", assume.logs_gb, f"{assume.logs_gb:g} GB (assumed)"


def _az_key(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    kty = _get(res.inputs, "properties", "kty") or "RSA"
    yield f"keys/key-vault-{kty}", HOURS_PER_MONTH, ""


AZURE: dict[str, Meter] = {
    "azure-native:compute:VirtualMachine": _az_vm,
    "azure-native:compute:VirtualMachineScaleSet": _az_vmss,
    "azure-native:compute:Disk": _az_disk,
    "azure-native:containerservice:ManagedCluster": _az_aks,
    "azure-native:containerservice:AgentPool": _az_pool,
    "azure-native:dbforpostgresql:Server": _az_postgres,
    "azure-native:storage:FileShare": _az_share,
    "azure-native:network:PublicIPAddress": _az_typed("public-ip"),
    "azure-native:network:LoadBalancer": _az_typed("load-balancer"),
    "azure-native:network:NatGateway": _az_typed("gateway"),
    "azure-native:network:VirtualNetworkGateway": _az_typed("gateway"),
    "azure-native:operationalinsights:Workspace": _az_logs,
    "azure-native:keyvault:Key": _az_key,
}
AZURE_OBJECTS = ("azure-native:storage:StorageAccount",)

#: Configuration objects no provider bills on their own (their cost, if any, is in what they configure).
NOT_BILLED: frozenset[str] = frozenset({
    # OpenStack
    "openstack:compute/keypair:Keypair", "openstack:compute/serverGroup:ServerGroup",
    "openstack:compute/volumeAttach:VolumeAttach", "openstack:networking/network:Network",
    "openstack:networking/subnet:Subnet", "openstack:networking/port:Port", "openstack:networking/secGroup:SecGroup",
    "openstack:networking/secGroupRule:SecGroupRule", "openstack:networking/routerInterface:RouterInterface",
    "openstack:networking/routerRoute:RouterRoute", "openstack:loadbalancer/listener:Listener",
    "openstack:loadbalancer/member:Member", "openstack:loadbalancer/monitor:Monitor",
    "openstack:loadbalancer/pool:Pool", "openstack:sharedfilesystem/shareAccess:ShareAccess",
    "openstack:sharedfilesystem/shareNetwork:ShareNetwork", "openstack:keymanager/containerV1:ContainerV1",
    "openstack:identity/applicationCredential:ApplicationCredential", "openstack:identity/project:Project",
    "openstack:identity/roleAssignment:RoleAssignment", "openstack:identity/user:User",
    # Scaleway
    "scaleway:iam/apiKey:ApiKey", "scaleway:iam/application:Application", "scaleway:iam/group:Group",
    "scaleway:iam/policy:Policy", "scaleway:iam/sshKey:SshKey", "scaleway:instance/placementGroup:PlacementGroup",
    "scaleway:instance/securityGroup:SecurityGroup", "scaleway:ipam/ip:Ip",
    "scaleway:network/gatewayNetwork:GatewayNetwork", "scaleway:network/privateNetwork:PrivateNetwork",
    "scaleway:network/vpc:Vpc", "scaleway:object/bucketLockConfiguration:BucketLockConfiguration",
    "scaleway:object/bucketPolicy:BucketPolicy", "scaleway:secrets/version:Version",
    "scaleway:object/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    # Azure
    "azure-native:authorization:PolicyAssignment", "azure-native:authorization:PolicyDefinition",
    "azure-native:authorization:PolicySetDefinition", "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:RoleDefinition", "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:managedidentity:FederatedIdentityCredential", "azure-native:resources:ResourceGroup",
    "azure-native:resources:Deployment", "azure-native:network:Subnet", "azure-native:network:VirtualNetwork",
    "azure-native:network:NetworkSecurityGroup", "azure-native:network:SecurityRule",
    "azure-native:network:RouteTable", "azure-native:network:ApplicationSecurityGroup",
    "azure-native:network:NetworkInterface", "azure-native:network:LoadBalancerBackendAddressPool",
    "azure-native:network:FirewallPolicyRuleCollectionGroup", "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:monitor:DiagnosticSetting", "azure-native:monitor:SubscriptionDiagnosticSetting",
    "azure-native:aadiam:DiagnosticSetting", "azure-native:monitor:PrivateLinkScopedResource",
    "azure-native:storage:BlobContainer", "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:FileServiceProperties", "azure-native:storage:ManagementPolicy",
    "azure-native:storage:BlobContainerImmutabilityPolicy", "azure-native:storage:LocalUser",
    "azure-native:dbforpostgresql:Configuration", "azure-native:dbforpostgresql:Database",
    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", "azure-native:servicebus:Queue",
    "azure-native:servicebus:Topic", "azure-native:servicebus:Subscription",
    "azure-native:servicebus:NamespaceNetworkRuleSet", "azure-native:eventgrid:NamespaceTopic",
    "azure-native:eventgrid:NamespaceTopicEventSubscription", "azure-native:eventgrid:SystemTopicEventSubscription",
    "azure-native:compute:DiskEncryptionSet", "azure-native:compute:VirtualMachineExtension",
    "azure-native:compute:GalleryImage", "azure-native:compute:Gallery", "azure-native:keyvault:Vault",
    "azure-native:costmanagement:Export", "azure-native:costmanagement:ViewByScope",
    "azure-native:consumption:Budget", "azure-native:policyinsights:RemediationAtResourceGroup",
    "azure-native:security:SecurityContact", "azure-native:datafactory:LinkedService",
    "azure-native:desktopvirtualization:ApplicationGroup", "azure-native:desktopvirtualization:HostPool",
    "azure-native:desktopvirtualization:Workspace", "azure-native:databricks:AccessConnector",
    "azure-native:machinelearningservices:Workspace",
})

_FAMILIES: dict[str, tuple[dict[str, Meter], tuple[str, ...], str, Meter | None]] = {
    "openstack": (OPENSTACK, OPENSTACK_OBJECTS, "object-storage/swift", None),
    "scaleway": (SCALEWAY, SCALEWAY_OBJECTS, "object-storage/standard", None),
    "azure": (AZURE, AZURE_OBJECTS, "object-storage/blob", _az_generic),
}


def _generic(res: _Resource, _: Assumptions) -> Iterator[tuple[str, float, str]]:
    yield f"resource/{res.type.split(':', 1)[1]}", HOURS_PER_MONTH, ""


def _object_class(res: _Resource, family: str, default: str) -> str | None:
    """The storage class of an object store, or None for an Azure account that holds no blobs."""
    if family != "azure":
        return default
    if res.inputs.get("kind") == "FileStorage":
        return None
    sku = _get(res.inputs, "sku", "name") or "Standard_LRS"
    return f"object-storage/blob-{sku}-{res.inputs.get('accessTier') or 'Hot'}"


def meter(plan: Any, api_family: str, assume: Assumptions, shares: dict[str, float]) -> Metered:
    """Every usage of a plan's resources, then the usage only assumptions give (data held, egress...)."""
    table, object_types, object_default, fallback = _FAMILIES.get(api_family, ({}, (), "object-storage/standard",
                                                                                None))
    result = Metered()
    stores: dict[str, list[tuple[_Resource, str]]] = {}
    for res in resources_of(plan):
        if res.type in NOT_BILLED:
            result.not_billed[res.type] = result.not_billed.get(res.type, 0) + 1
            continue
        if res.type in object_types:
            storage_class = _object_class(res, api_family, object_default)
            if storage_class is None:
                result.not_billed[res.type] = result.not_billed.get(res.type, 0) + 1
            else:
                stores.setdefault(res.service, []).append((res, storage_class))
            continue
        metering = table.get(res.type) or fallback or _generic
        for meter_id, quantity, basis in metering(res, assume):
            result.usages.append(Usage(meter_id, quantity, res.service, res.enclave, res.name, basis))
    # Data held: the service's share of the volume, spread evenly over its object stores (GB-months).
    for service, held in sorted(stores.items()):
        share = shares.get(service, 0.0)
        gb = assume.volume_tb * 1000 * share / len(held)
        for res, storage_class in held:
            result.usages.append(Usage(storage_class, gb, service, res.enclave, res.name,
                                       f"{gb:g} GB held (assumed: {share:.1%} of {assume.volume_tb:g} TB)"))
    if stores:
        result.usages.append(Usage("requests/object-storage", assume.requests_millions * 1e6, "object_storage",
                                   PLATFORM, "(all object stores)",
                                   f"{assume.requests_millions:g} million requests (assumed)"))
    result.usages.append(Usage("egress/internet", assume.egress_gb, "nat_egress", PLATFORM, "(platform)",
                               f"{assume.egress_gb:g} GB (assumed)"))
    return result
