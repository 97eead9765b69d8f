"""Scaleway's IaaS primitives for the provider-neutral code: Instances on Private Networks without a public
address, Block Storage data volumes, and security groups that drop by default.

Block Storage volumes carry no customer key (Scaleway encrypts its disks with keys it manages; its HDS
guide of 2025-11-12 asks customers to encrypt health data in the guest): the self-hosted machines encrypt
their data disk with LUKS bound to the platform's Tang servers (hdh-data-disk, disk_encryption's
self-hosted fallback), which is why the Scaleway placement hands on no disk encryption reference.
"""
from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumiverse_scaleway import block, instance, network

from hdhport.addresses import PLATFORM_CIDR, SERVICES_CIDR
from providers.contract import Placement, tag_list
from providers.scaleway.common import operators_ssh_key, settings_for
from providers.selfhosted.iaas import Ingress, Segment, ServerRequest, Servers, sources

#: Where administrative sessions come from on Scaleway: the self-hosted bastion (Guacamole) and desktops live
#: in the services Private Network.
ADMIN_SOURCES = (SERVICES_CIDR,)
#: Boot volume of every machine: Block Storage (sbs), removed with the machine; data lives on its own volume.
BOOT_DISK_GB = 20
#: Block Storage performance class: 5,000 IOPS (the other class is 15,000).
DATA_DISK_IOPS = 5000
#: The tag saying a volume's customer key is held in the guest: the machine formats it only as LUKS2 bound to
#: the platform's Tang servers (hdh-data-disk), since Block Storage takes no customer key. The policy pack
#: reads it.
GUEST_ENCRYPTED = {"hdh-disk-encryption": "guest-luks-tang"}


def security_group(owner: pulumi.Resource, name: str, zone: str, tags: dict[str, str], ingress: Sequence[Ingress],
                   egress: Sequence[str], admin_sources: Sequence[str]) -> instance.SecurityGroup:
    """A stateful security group that drops everything in and out but `ingress` (private sources only) and
    traffic to `egress`. SMTP stays blocked (Scaleway's default security)."""
    inbound = [instance.SecurityGroupInboundRuleArgs(action="accept", protocol=rule.protocol.upper(), port=rule.port,
                                                     ip_range=cidr)
               for rule in ingress for cidr in sources(rule, admin_sources)]
    outbound = [instance.SecurityGroupOutboundRuleArgs(action="accept", protocol="ANY", ip_range=cidr)
                for cidr in egress]
    return instance.SecurityGroup(
        f"{name}-sg", name=name, description=f"hdhport {name}: deny by default", zone=zone,
        inbound_default_policy="drop", outbound_default_policy="drop", stateful=True,
        enable_default_security=True, inbound_rules=inbound, outbound_rules=outbound, tags=tag_list(tags),
        opts=pulumi.ResourceOptions(parent=owner))


class ScalewayIaas:
    """Implements providers.selfhosted.iaas.Iaas with pulumiverse-scaleway.

    Whether Scaleway's security groups also filter traffic between Private Networks is not stated in the
    documentation read (2026-12-02); every self-hosted machine's own nftables policy denies by default
    either way (providers/selfhosted/templates/_base.yaml.j2).
    """

    admin_sources = ADMIN_SOURCES

    def __init__(self, placement: Placement, tags: dict[str, str]) -> None:
        self.placement = placement
        self.tags = tags

    def servers(self, owner: pulumi.ComponentResource, name: str, request: ServerRequest, *,
                zone: str | None = None) -> Servers:
        """Private Instances in `zone` (the stack's zone by default), each with its own data volume."""
        if request.own_subnet:
            # A Private Network's range is not known from its id without one more look-up this family lacks.
            raise ValueError(f"{name}: Scaleway's machines do not open their own subnet (ServerRequest.own_subnet)")
        zone = zone or settings_for(self.placement.region).zone
        group = security_group(owner, name, zone, self.tags, request.ingress, (PLATFORM_CIDR,), ADMIN_SOURCES)
        key = operators_ssh_key(owner, self.placement.admin_ssh_public_key)
        parent = pulumi.ResourceOptions(parent=owner)
        spread = None
        if request.count > 1:
            spread = instance.PlacementGroup(f"{name}-spread", name=f"{name}-spread", zone=zone,
                                             policy_type="max_availability", policy_mode="optional",
                                             tags=tag_list(self.tags), opts=parent)
        servers = Servers(firewall_id=group.id)
        for index in range(request.count):
            host = f"{name}-{request.role}-{index}"
            volume = block.Volume(
                f"{host}-data", name=f"{host}-data", iops=DATA_DISK_IOPS, size_in_gb=request.data_disk_gb,
                zone=zone, tags=tag_list({**self.tags, **(GUEST_ENCRYPTED if request.guest_encrypted else {})}),
                opts=pulumi.ResourceOptions(parent=owner, protect=request.keeps_state,
                                            retain_on_delete=request.keeps_state))
            server = instance.Server(
                host, name=host, type=request.flavor, image=request.image, zone=zone,
                security_group_id=group.id, placement_group_id=spread.id if spread else None,
                # No ip_id and no dynamic IP: the machine has no public address, only its Private Network's.
                enable_dynamic_ip=False,
                private_networks=[instance.ServerPrivateNetworkArgs(pn_id=request.subnet_id)],
                root_volume=instance.ServerRootVolumeArgs(
                    volume_type="sbs_volume", size_in_gb=request.boot_disk_gb or BOOT_DISK_GB,
                    delete_on_termination=True),
                additional_volume_ids=[volume.id], user_data={"cloud-init": request.user_data},
                protected=request.keeps_state, tags=tag_list(self.tags),
                # The project's SSH keys are installed at first boot: the key exists before the machine. A new
                # image or cloud-config never replaces a running machine.
                opts=pulumi.ResourceOptions(parent=owner, depends_on=[key], ignore_changes=["image", "userData"]))
            servers.ids.append(server.id)
            servers.private_ips.append(server.private_ips.apply(
                lambda ips: (ips[0].address or "") if ips else ""))
        return servers

    def segment(self, owner: pulumi.ComponentResource, name: str, cidr: str,
                ingress: Sequence[Ingress]) -> Segment:
        """The enclave's Private Network in the platform's VPC (routed with the services network, so the bastion
        and the desktops reach it), and a security group letting nothing out but to the enclave itself."""
        private_network = network.PrivateNetwork(
            f"{name}-network", name=name, vpc_id=self.placement.network_id,
            ipv4_subnet=network.PrivateNetworkIpv4SubnetArgs(subnet=cidr), tags=tag_list(self.tags),
            opts=pulumi.ResourceOptions(parent=owner))
        group = security_group(owner, name, settings_for(self.placement.region).zone, self.tags, ingress, (cidr,),
                               ADMIN_SOURCES)
        return Segment(subnet_id=private_network.id, firewall_id=group.id, cidr=cidr)

    def publish(self, owner: pulumi.ComponentResource, label: str, addresses: Sequence[pulumi.Output[str]]) -> bool:
        """Nothing to publish in: Scaleway's VPC DNS names each machine (<host>.<private network>.internal) but
        has no custom private zone (Scaleway's VPC DNS documentation, validated 2025-07-16), and the platform's
        own zone is the self-hosted private_dns."""
        return False
