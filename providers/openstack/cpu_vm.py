"""cpu_vm on OpenStack: a research virtual machine booted from an encrypted volume, private only."""
from __future__ import annotations

import pulumi
from pulumi_openstack import blockstorage, compute, networking

from providers.enclave import ENCLAVE_INGRESS
from providers.openstack.common import OpenStackService, image_id, per_user, subnet_cidr
from providers.selfhosted.iaas import SERVICES_CIDR

#: Mounts the data volume (the second virtio disk, attached at boot) without ever reformatting it.
CLOUD_CONFIG = """#cloud-config
ssh_pwauth: false
disable_root: true
fs_setup:
  - label: hdh-data
    filesystem: ext4
    device: /dev/vdb
    overwrite: false
mounts:
  - [LABEL=hdh-data, /data, ext4, "defaults,nofail,nodev,nosuid", "0", "2"]
"""


class CpuVm(OpenStackService):
    """Abstract service cpu_vm, with OpenStack Nova.

    One research machine per scope (a research project's, when built for an enclave) on the
    placement's subnet: a Neutron port with port security and no floating IP, and a security group
    with no default rule that admits only the enclaves' ways in (SSH from the bastion, RDP from the
    virtual desktop gateway, both in the services subnet) and, in an enclave, the project's own
    subnet, and lets the machine reach only those ranges (no internet: packages come from the
    platform's mirror). The machine boots from a volume of the encrypted type (Nova's ephemeral
    disks would not be encrypted) and gets a data volume of that type attached at boot and mounted
    on /data; both survive the instance (delete_on_termination off), and the instance and its data
    volume are protected and retained. A soft anti-affinity server group spreads the project's
    further machines over hypervisors. Operators' SSH key only, no password login. The endpoint is
    the machine's private address.
    gpu_vm is this class with the GPU flavor.
    """

    machine = "cpu-vm"
    boot_disk_gb = 20

    def flavor(self) -> str:
        return self.sizing.cpu_flavor

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group = networking.SecGroup(
            self.role("sg"), name=self.scoped(self.machine), description=f"{self.description}: deny by default",
            delete_default_rules=True, stateful=True, tags=self.tag_list, opts=self.child())
        # The ways in are the enclaves' (SSH from the bastion, RDP from the virtual desktop gateway).
        rules: list[tuple[str, str, pulumi.Input[str], str | None, int | None, str]] = [
            (f"in-{way.protocol}-{way.port}", "ingress", way.source, way.protocol, way.port, way.description)
            for way in ENCLAVE_INGRESS]
        rules.append(("out-services", "egress", SERVICES_CIDR, None, None,
                      "the platform's services (mirror, proxies, endpoints)"))
        if self.enclave is not None:
            # The project's own subnet (its other machines, its share's export address); on the
            # platform's subnet these rules would open the machine to every service.
            own_subnet = subnet_cidr(self.placement.subnet_id)
            rules += [("in-own", "ingress", own_subnet, None, None, "the research project's own machines"),
                      ("out-own", "egress", own_subnet, None, None, "the research project's own machines and share")]
        for role, direction, prefix, protocol, port_number, why in rules:
            networking.SecGroupRule(
                self.role(role), security_group_id=group.id, direction=direction, ethertype="IPv4",
                protocol=protocol, port_range_min=port_number, port_range_max=port_number,
                remote_ip_prefix=prefix, description=why, opts=self.child())
        keypair = compute.Keypair(
            self.role("ssh"), name=per_user(self.scoped(f"{self.machine}-operators")),
            public_key=self.placement.admin_ssh_public_key, opts=self.child())
        spread = compute.ServerGroup(
            self.role("spread"), name=self.scoped(self.machine), policies="soft-anti-affinity", opts=self.child())
        port = networking.Port(
            self.role("port"), name=self.scoped(self.machine), network_id=self.placement.network_id,
            fixed_ips=[networking.PortFixedIpArgs(subnet_id=self.placement.subnet_id)],
            security_group_ids=[group.id], port_security_enabled=True, admin_state_up=True,
            tags=self.tag_list, opts=self.child())
        data = blockstorage.Volume(
            self.role("data"), name=self.scoped(f"{self.machine}-data"), description=f"data disk of {self.description}",
            size=self.sizing.data_disk_gb, volume_type=self.encrypted_volume_type(), enable_online_resize=True,
            volume_retype_policy="never", metadata=self.tags, opts=self.keep())
        pinned = self.settings.image_id
        image = pinned or image_id(self.sizing.image)
        compute.Instance(
            self.role("instance"), name=self.scoped(self.machine), flavor_name=self.flavor(),
            key_pair=keypair.name, config_drive=True, user_data=CLOUD_CONFIG,
            networks=[compute.InstanceNetworkArgs(port=port.id)],
            block_devices=[
                compute.InstanceBlockDeviceArgs(
                    source_type="image", uuid=image, destination_type="volume", boot_index=0,
                    volume_size=self.boot_disk_gb, volume_type=self.encrypted_volume_type(),
                    delete_on_termination=False),
                compute.InstanceBlockDeviceArgs(
                    source_type="volume", uuid=data.id, destination_type="volume", boot_index=-1,
                    delete_on_termination=False),
            ],
            scheduler_hints=[compute.InstanceSchedulerHintArgs(group=spread.id)],
            stop_before_destroy=True, metadata=self.tags, tags=self.tag_list,
            # Without a pinned image, the newest one of that name boots new machines; a later image never
            # replaces a running (protected) one.
            opts=self.keep(ignore_changes=[] if pinned else ["blockDevices[0].uuid"]))
        return port.all_fixed_ips.apply(lambda ips: ips[0] if ips else ""), self.data_key_ref()
