"""Azure's IaaS primitives for the provider-neutral code: network security groups, NICs without public
IP, Linux VMs booted with cloud-init, and managed data disks encrypted with the customer key through
the platform's disk encryption set."""
from __future__ import annotations

import base64
import ipaddress
from collections.abc import Sequence

import pulumi
from pulumi_azure_native import compute, network, privatedns

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.azure.arm import id_part
from providers.azure.log_analytics import collect_machine_logs
from providers.contract import Placement, safe_name
from providers.azure.subnets import RESERVED, created, in_turn
from providers.selfhosted.iaas import Ingress, Segment, ServerRequest, Servers, sources

ADMIN_USER = "hdhadmin"
DENY_PRIORITY = 4096  # the last priority a rule can take: everything not allowed above is refused
NAME_TTL = 300  # seconds: a rebuilt machine's new address is seen within five minutes
#: Where administrative sessions come from on Azure: Azure Bastion connects from its own subnet, outside the
#: services subnet, where a self-hosted bastion and the virtual desktop hosts live.
ADMIN_SOURCES = (SERVICES_CIDR, RESERVED["bastion"].cidr)


def _image(urn: str) -> compute.ImageReferenceArgs:
    """An image reference from a URN `publisher:offer:sku:version` (as `az vm image list` prints them)."""
    parts = urn.split(":")
    if len(parts) != 4 or not all(parts):
        raise ValueError(f"Azure image '{urn}' is not a URN publisher:offer:sku:version")
    publisher, offer, sku, version = parts
    return compute.ImageReferenceArgs(publisher=publisher, offer=offer, sku=sku, version=version)


def _private(rule: Ingress) -> list[str]:
    cidrs = sources(rule, ADMIN_SOURCES)
    for cidr in cidrs:
        if not ipaddress.ip_network(cidr, strict=False).is_private:
            raise ValueError(f"ingress from {cidr}: only private ranges may be allowed in")
    return list(cidrs)


def _protocol(rule: Ingress) -> network.SecurityRuleProtocol:
    return network.SecurityRuleProtocol.UDP if rule.protocol == "udp" else network.SecurityRuleProtocol.TCP


def security_rules(ingress: Sequence[Ingress], egress: Sequence[str] = (),
                   load_balancer_probes: bool = False) -> list[network.SecurityRuleArgs]:
    """Deny-by-default rules: `ingress` in (private sources only), everything else in refused; out, only
    `egress` ranges when given (then the rest of the VNet is refused too), never the internet."""
    inbound = network.SecurityRuleDirection.INBOUND
    outbound = network.SecurityRuleDirection.OUTBOUND
    allow, deny = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY
    any_protocol = network.SecurityRuleProtocol.ASTERISK
    rules = [
        network.SecurityRuleArgs(
            name=f"allow-{rule.protocol}-{rule.port}-{index}", priority=100 + index, direction=inbound,
            access=allow, protocol=_protocol(rule),
            # One source as a prefix, several as a prefix list: one rule, one priority, whatever the count.
            source_address_prefix=_private(rule)[0] if len(_private(rule)) == 1 else None,
            source_address_prefixes=_private(rule) if len(_private(rule)) > 1 else None,
            source_port_range="*", destination_address_prefix="*", destination_port_range=str(rule.port),
            description=rule.description or f"{rule.protocol}/{rule.port}")
        for index, rule in enumerate(ingress)
    ]
    if load_balancer_probes:
        # Internal load balancers probe from the AzureLoadBalancer tag (168.63.129.16); refusing it marks
        # every backend down. It carries no client traffic.
        rules.append(network.SecurityRuleArgs(
            name="allow-lb-probes", priority=4000, direction=inbound, access=allow, protocol=any_protocol,
            source_address_prefix="AzureLoadBalancer", source_port_range="*", destination_address_prefix="*",
            destination_port_range="*", description="health probes of internal load balancers"))
    rules.append(network.SecurityRuleArgs(
        name="deny-all-inbound", priority=DENY_PRIORITY, direction=inbound, access=deny, protocol=any_protocol,
        source_address_prefix="*", source_port_range="*", destination_address_prefix="*",
        destination_port_range="*", description="deny by default (Azure's defaults would allow the whole VNet)"))
    for index, cidr in enumerate(egress):
        rules.append(network.SecurityRuleArgs(
            name=f"allow-out-{index}", priority=100 + index, direction=outbound, access=allow,
            protocol=any_protocol, source_address_prefix="*", source_port_range="*",
            destination_address_prefix=cidr, destination_port_range="*", description=f"egress to {cidr}"))
    if egress:
        rules.append(network.SecurityRuleArgs(
            name="deny-out-vnet", priority=DENY_PRIORITY - 1, direction=outbound, access=deny,
            protocol=any_protocol, source_address_prefix="*", source_port_range="*",
            destination_address_prefix="VirtualNetwork", destination_port_range="*",
            description="no flow to the rest of the VNet (other enclaves)"))
    rules.append(network.SecurityRuleArgs(
        name="deny-out-internet", priority=DENY_PRIORITY, direction=outbound, access=deny, protocol=any_protocol,
        source_address_prefix="*", source_port_range="*", destination_address_prefix="Internet",
        destination_port_range="*", description="no direct internet egress (updates come from the mirror)"))
    return rules


def managed_disk(name: str, placement: Placement, size_gb: int, tags: dict[str, str],
                 opts: pulumi.ResourceOptions) -> compute.Disk:
    """An empty managed disk encrypted with the customer key (through the disk encryption set)."""
    return compute.Disk(
        name, resource_group_name=placement.scope, location=placement.region,
        creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.EMPTY),
        disk_size_gb=size_gb, sku=compute.DiskSkuArgs(name=compute.DiskStorageAccountTypes.PREMIUM_LRS),
        encryption=compute.EncryptionArgs(type=compute.EncryptionType.ENCRYPTION_AT_REST_WITH_CUSTOMER_KEY,
                                          disk_encryption_set_id=placement.disk_encryption_ref),
        # No SAS export or import URL, from anywhere.
        network_access_policy=compute.NetworkAccessPolicy.DENY_ALL,
        public_network_access=compute.PublicNetworkAccess.DISABLED,
        tags=tags, opts=opts)


class AzureIaas:
    """Implements providers.selfhosted.iaas.Iaas with pulumi-azure-native."""

    admin_sources = ADMIN_SOURCES

    def __init__(self, placement: Placement, tags: dict[str, str]) -> None:
        self.placement = placement
        self.tags = tags

    def firewall(self, owner: pulumi.ComponentResource, name: str, ingress: Sequence[Ingress],
                 egress: Sequence[str] = (), load_balancer_probes: bool = False) -> network.NetworkSecurityGroup:
        return network.NetworkSecurityGroup(
            f"{name}-nsg", resource_group_name=self.placement.scope, location=self.placement.region,
            security_rules=security_rules(ingress, egress, load_balancer_probes), tags=self.tags,
            opts=pulumi.ResourceOptions(parent=owner))

    def servers(self, owner: pulumi.ComponentResource, name: str, request: ServerRequest, *,
                scale_set: bool = False) -> Servers:
        """Private VMs; `scale_set` groups them in a flexible scale set (elastic pools such as the research
        VMs) instead of an availability set. Their own subnet (request.own_subnet) is reached as it is: the NIC's
        NSG has no outbound rule and the enclave segment's NSG admits its own range."""
        group = self.firewall(owner, name, request.ingress, load_balancer_probes=True)
        parent = pulumi.ResourceOptions(parent=owner)
        availability_set: compute.AvailabilitySet | None = None
        flexible: compute.VirtualMachineScaleSet | None = None
        if scale_set:
            # Flexible orchestration without a VM profile: the set spreads members over fault domains
            # and takes more machines later without touching the ones holding data.
            flexible = compute.VirtualMachineScaleSet(
                f"{name}-vmss", resource_group_name=self.placement.scope, location=self.placement.region,
                orchestration_mode=compute.OrchestrationMode.FLEXIBLE, platform_fault_domain_count=1,
                single_placement_group=False, tags=self.tags, opts=parent)
        elif request.count > 1:
            # An availability set works in every region, zoned or not; "Aligned" is required for managed disks.
            availability_set = compute.AvailabilitySet(
                f"{name}-avset", resource_group_name=self.placement.scope, location=self.placement.region,
                platform_fault_domain_count=2, platform_update_domain_count=5,
                sku=compute.SkuArgs(name="Aligned"), tags=self.tags, opts=parent)
        encryption_set = compute.DiskEncryptionSetParametersArgs(id=self.placement.disk_encryption_ref)
        custom_data = base64.b64encode(request.user_data.encode()).decode()
        servers = Servers(firewall_id=group.id)
        for index in range(request.count):
            host = f"{name}-{request.role}-{index}"
            nic = network.NetworkInterface(
                f"{host}-nic", resource_group_name=self.placement.scope, location=self.placement.region,
                ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
                    name="private", primary=True, subnet=network.SubnetArgs(id=request.subnet_id),
                    private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC)],
                network_security_group=network.NetworkSecurityGroupArgs(id=group.id),
                enable_ip_forwarding=False, tags=self.tags, opts=parent)
            disk = managed_disk(f"{host}-data", self.placement, request.data_disk_gb, self.tags,
                                pulumi.ResourceOptions(parent=owner, protect=request.keeps_state,
                                                       retain_on_delete=request.keeps_state))
            vm = compute.VirtualMachine(
                host, resource_group_name=self.placement.scope, location=self.placement.region,
                vm_name=safe_name(host, 64),
                hardware_profile=compute.HardwareProfileArgs(vm_size=request.flavor),
                storage_profile=compute.StorageProfileArgs(
                    image_reference=_image(request.image),
                    os_disk=compute.OSDiskArgs(
                        create_option=compute.DiskCreateOptionTypes.FROM_IMAGE,
                        caching=compute.CachingTypes.READ_WRITE, delete_option=compute.DiskDeleteOptionTypes.DELETE,
                        disk_size_gb=request.boot_disk_gb,
                        managed_disk=compute.ManagedDiskParametersArgs(
                            storage_account_type=compute.StorageAccountTypes.PREMIUM_LRS,
                            disk_encryption_set=encryption_set)),
                    data_disks=[compute.DataDiskArgs(
                        lun=0, create_option=compute.DiskCreateOptionTypes.ATTACH,
                        caching=compute.CachingTypes.NONE, delete_option=compute.DiskDeleteOptionTypes.DETACH,
                        managed_disk=compute.ManagedDiskParametersArgs(id=disk.id,
                                                                       disk_encryption_set=encryption_set))]),
                os_profile=compute.OSProfileArgs(
                    computer_name=safe_name(host, 63), admin_username=ADMIN_USER, custom_data=custom_data,
                    linux_configuration=compute.LinuxConfigurationArgs(
                        disable_password_authentication=True, provision_vm_agent=True,
                        ssh=compute.SshConfigurationArgs(public_keys=[compute.SshPublicKeyArgs(
                            key_data=self.placement.admin_ssh_public_key,
                            path=f"/home/{ADMIN_USER}/.ssh/authorized_keys")]))),
                network_profile=compute.NetworkProfileArgs(network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True,
                                                          delete_option=compute.DeleteOptions.DETACH)]),
                # Temp disk and caches are encrypted on the host too, not only the managed disks.
                security_profile=compute.SecurityProfileArgs(encryption_at_host=True),
                identity=compute.VirtualMachineIdentityArgs(
                    type=compute.ResourceIdentityType.USER_ASSIGNED,
                    user_assigned_identities=[self.placement.identity_id]),
                availability_set=compute.SubResourceArgs(id=availability_set.id) if availability_set else None,
                virtual_machine_scale_set=compute.SubResourceArgs(id=flexible.id) if flexible else None,
                tags=self.tags,
                # cloud-init runs at first boot only; a changed template must not replace a VM holding data.
                opts=pulumi.ResourceOptions(parent=owner, ignore_changes=["osProfile.customData"]))
            # The Azure Monitor Agent signs in with the machine's only identity, the user-assigned one.
            collect_machine_logs(owner, host, vm, self.placement, self.tags, "linux",
                                 identity_id=self.placement.identity_id)
            servers.ids.append(vm.id)
            servers.private_ips.append(nic.ip_configurations.apply(
                lambda configs: (configs[0].private_ip_address or "") if configs else ""))
        return servers

    def segment(self, owner: pulumi.ComponentResource, name: str, cidr: str,
                ingress: Sequence[Ingress]) -> Segment:
        # Out: the segment itself and the platform services (mirror, registry, logs); never another
        # enclave, never the internet.
        group = self.firewall(owner, name, ingress, egress=(cidr, PLATFORM_CIDR))
        subnet = created(network.Subnet(
            f"{name}-subnet",
            resource_group_name=id_part(self.placement.network_id, "resourceGroups", self.placement.scope),
            virtual_network_name=id_part(self.placement.network_id, "virtualNetworks"),
            subnet_name=safe_name(name, 80), address_prefix=cidr,
            network_security_group=network.NetworkSecurityGroupArgs(id=group.id),
            # No implicit SNAT to the internet: a subnet without it has no egress but what is built for it.
            default_outbound_access=False,
            # The enclave's machines reach their own private endpoints (container, share, vault) without an
            # inbound rule from the enclave range, which the isolation policy forbids; other enclaves cannot,
            # since their outbound rules stop at their own segment.
            private_endpoint_network_policies=network.VirtualNetworkPrivateEndpointNetworkPolicies.DISABLED,
            opts=pulumi.ResourceOptions(parent=owner, depends_on=in_turn())))
        return Segment(subnet_id=subnet.id, firewall_id=group.id, cidr=cidr)

    def publish(self, owner: pulumi.ComponentResource, label: str, addresses: Sequence[pulumi.Output[str]]) -> bool:
        """`<label>.hdh.internal` in the platform's private DNS zone (private_dns), beside the names its
        machines auto-register."""
        zone = self.placement.dns_zone
        if isinstance(zone, str) and not zone:
            return False
        privatedns.PrivateRecordSet(
            f"{label}-name", resource_group_name=self.placement.scope, private_zone_name=zone, record_type="A",
            relative_record_set_name=label, ttl=NAME_TTL,
            a_records=[privatedns.ARecordArgs(ipv4_address=address) for address in addresses],
            metadata=dict(self.tags), opts=pulumi.ResourceOptions(parent=owner))
        return True
