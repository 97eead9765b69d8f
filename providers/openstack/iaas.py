"""OpenStack's IaaS primitives for the provider-neutral code: Neutron ports and security groups,
Nova instances, Cinder volumes encrypted through the operator's encrypted volume type."""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
from pulumi_openstack import blockstorage, compute, dns, networking

from hdhport import names
from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.contract import Placement, tag_list
from providers.openstack.common import image_id, per_user, platform_router_port, subnet_cidr
from providers.openstack.settings import OpenStackSettings
from providers.selfhosted.iaas import Ingress, Segment, ServerRequest, Servers, sources


def _metadata(tags: dict[str, str]) -> dict[str, str]:
    return dict(tags)


#: The platform's Designate zone (private_dns) and how long its answers are kept.
PRIVATE_ZONE = f"{names.PRIVATE_ZONE}."
NAME_TTL = 300

#: Where administrative sessions come from on OpenStack: the self-hosted bastion (Guacamole) and desktops
#: live in the services subnet.
ADMIN_SOURCES = (SERVICES_CIDR,)


class OpenStackIaas:
    """Implements providers.selfhosted.iaas.Iaas with pulumi-openstack."""

    admin_sources = ADMIN_SOURCES

    def __init__(self, placement: Placement, tags: dict[str, str]) -> None:
        self.placement = placement
        self.tags = tags

    def firewall(self, owner: pulumi.ComponentResource, name: str, ingress: Sequence[Ingress],
                 egress_cidr: str = PLATFORM_CIDR, peers: pulumi.Input[str] | None = None) -> networking.SecGroup:
        """A security group with no default rule: only `ingress` in, only the private network out, and to `peers`
        (a subnet's range) when given."""
        group = networking.SecGroup(
            f"{name}-sg", name=name, description=f"hdhport {name}: deny by default",
            delete_default_rules=True, stateful=True, tags=tag_list(self.tags),
            opts=pulumi.ResourceOptions(parent=owner))
        for index, rule in enumerate(ingress):
            for number, cidr in enumerate(sources(rule, ADMIN_SOURCES)):
                networking.SecGroupRule(
                    f"{name}-in-{rule.protocol}-{rule.port}-{index}" + (f"-{number}" if number else ""),
                    direction="ingress", ethertype="IPv4",
                    protocol=rule.protocol, port_range_min=rule.port, port_range_max=rule.port,
                    remote_ip_prefix=cidr, security_group_id=group.id,
                    description=rule.description or f"{rule.protocol}/{rule.port}",
                    opts=pulumi.ResourceOptions(parent=group))
        networking.SecGroupRule(
            f"{name}-out-private", direction="egress", ethertype="IPv4", remote_ip_prefix=egress_cidr,
            security_group_id=group.id, description="egress to the platform's private ranges only",
            opts=pulumi.ResourceOptions(parent=group))
        if peers is not None:
            # Out only: an ingress rule from an enclave's range is what the enclave-isolation policy refuses.
            networking.SecGroupRule(
                f"{name}-out-own-subnet", direction="egress", ethertype="IPv4", remote_ip_prefix=peers,
                security_group_id=group.id, description="its own subnet (a research project's share and machines)",
                opts=pulumi.ResourceOptions(parent=group))
        return group

    def servers(self, owner: pulumi.ComponentResource, name: str, request: ServerRequest) -> Servers:
        group = self.firewall(owner, name, request.ingress,
                              peers=subnet_cidr(request.subnet_id) if request.own_subnet else None)
        keypair = compute.Keypair(f"{name}-ssh", name=per_user(f"{name}-operators"),
                                  public_key=self.placement.admin_ssh_public_key,
                                  opts=pulumi.ResourceOptions(parent=owner))
        anti_affinity = None
        if request.count > 1:
            anti_affinity = compute.ServerGroup(f"{name}-spread", name=f"{name}-spread", policies="anti-affinity",
                                                opts=pulumi.ResourceOptions(parent=owner))
        # Volumes of the operator's encrypted type (disk_encryption), else of the cloud's default type, which the
        # machine then encrypts itself (request.guest_encrypted).
        volume_type = self.placement.disk_encryption_ref or None
        pinned = OpenStackSettings.read().image_id if request.boot_disk_gb is not None else None
        servers = Servers(firewall_id=group.id)
        for index in range(request.count):
            host = f"{name}-{request.role}-{index}"
            # The port carries its machine's name, so the network's DNS answers <host>.<its domain>: cluster
            # peers and the private-name recursors find machines by name. A cloud without Neutron's DNS
            # integration refuses the attribute, at create, instead of booting machines that cannot find
            # one another (`hdhport preflight` asks first: "machine names").
            port = networking.Port(
                f"{host}-port", name=host, dns_name=host, network_id=self.placement.network_id,
                fixed_ips=[networking.PortFixedIpArgs(subnet_id=request.subnet_id)],
                security_group_ids=[group.id], admin_state_up=True, port_security_enabled=True,
                tags=tag_list(self.tags), opts=pulumi.ResourceOptions(parent=owner))
            # cloud-init runs at first boot only, and another image name (hdh:image) is for machines built
            # after it: neither replaces a machine that holds state (`pulumi up --replace` does, on purpose).
            ignored = ["user_data", "image_name"]
            boot_volume = None
            if request.boot_disk_gb is not None:
                # Nova's ephemeral disk is the hypervisor's, in clear: the machine boots from a Cinder volume of
                # the data volume's type instead, made from the pinned image (hdh:imageId) or the newest one of
                # the image name; a later image never replaces a running machine. A boot volume that holds its
                # users' files outlives the instance (delete_on_termination off), which is kept like it.
                boot_volume = compute.InstanceBlockDeviceArgs(
                    source_type="image", uuid=pinned or image_id(request.image), destination_type="volume",
                    boot_index=0, volume_size=request.boot_disk_gb, volume_type=volume_type,
                    delete_on_termination=not request.keeps_state)
                ignored += [] if pinned else ["blockDevices[0].uuid"]
            kept = boot_volume is not None and request.keeps_state
            instance = compute.Instance(
                host, name=host, flavor_name=request.flavor,
                image_name=None if boot_volume else request.image,
                block_devices=[boot_volume] if boot_volume else None,
                key_pair=keypair.name, user_data=request.user_data, config_drive=True,
                networks=[compute.InstanceNetworkArgs(port=port.id)],
                scheduler_hints=[compute.InstanceSchedulerHintArgs(group=anti_affinity.id)] if anti_affinity else None,
                metadata=_metadata(self.tags), tags=tag_list(self.tags),
                opts=pulumi.ResourceOptions(parent=owner, ignore_changes=ignored, protect=kept, retain_on_delete=kept))
            volume = blockstorage.Volume(
                f"{host}-data", name=f"{host}-data", size=request.data_disk_gb, volume_type=volume_type,
                description=f"data disk of {host}", metadata=_metadata(self.tags),
                opts=pulumi.ResourceOptions(parent=owner, protect=request.keeps_state,
                                            retain_on_delete=request.keeps_state))
            compute.VolumeAttach(f"{host}-data-attach", instance_id=instance.id, volume_id=volume.id,
                                 opts=pulumi.ResourceOptions(parent=owner))
            servers.ids.append(instance.id)
            servers.private_ips.append(port.all_fixed_ips.apply(lambda ips: ips[0] if ips else ""))
        return servers

    def segment(self, owner: pulumi.ComponentResource, name: str, cidr: str,
                ingress: Sequence[Ingress]) -> Segment:
        """The enclave's subnet, routed by the platform router: the bastion's SSH and the desktop gateway's
        RDP reach its machines, and their replies return; its firewall lets nothing else out (egress only
        to the subnet itself), so the route is the way in, never a way to the internet."""
        subnet = networking.Subnet(
            f"{name}-subnet", name=name, network_id=self.placement.network_id, cidr=cidr, ip_version=4,
            enable_dhcp=True, gateway_ip=str(ipaddress.IPv4Network(cidr)[1]), tags=tag_list(self.tags),
            opts=pulumi.ResourceOptions(parent=owner))
        router = platform_router_port(self.placement.network_id, self.placement.subnet_id)
        routed = networking.RouterInterface(
            f"{name}-router", router_id=router.device_id, subnet_id=subnet.id,
            opts=pulumi.ResourceOptions(parent=owner))
        group = self.firewall(owner, name, ingress, egress_cidr=cidr)
        # Machines are placed once the subnet is routed, like the platform's own (virtual_network).
        return Segment(subnet_id=routed.subnet_id, firewall_id=group.id, cidr=cidr)

    def publish(self, owner: pulumi.ComponentResource, label: str, addresses: Sequence[pulumi.Output[str]]) -> bool:
        """`<label>.hdh.internal.` in the platform's Designate zone (private_dns)."""
        zone = self.placement.dns_zone
        if isinstance(zone, str) and not zone:
            return False
        dns.RecordSet(
            f"{label}-name", zone_id=zone, name=f"{label}.{PRIVATE_ZONE}", type="A", ttl=NAME_TTL,
            records=list(addresses), description=f"hdhport: {label}", opts=pulumi.ResourceOptions(parent=owner))
        return True
