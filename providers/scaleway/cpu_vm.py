"""cpu_vm on Scaleway: a research Instance on the project's Private Network, no public address, its data
disk encrypted in the guest."""
from __future__ import annotations

import pulumi

from providers.scaleway.common import ScalewayService
from providers.scaleway.iaas import ScalewayIaas
from providers.selfhosted.service import research_machine_request


class CpuVm(ScalewayService):
    """Abstract service cpu_vm, with Scaleway Instances.

    One research machine per scope (a research project's, when built for an enclave) on the placement's
    Private Network, through the family's IaaS primitives: no public address (no flexible IP, no dynamic
    IP), a security group that drops by default and admits only SSH and RDP from the bastion and the
    desktops (and the platform's node metrics), the operators' SSH key only, and a Block Storage data
    volume, protected and retained with the machine (Instance protection on, so the console refuses its
    deletion too). A new image or cloud-config never replaces a running machine.

    It boots the platform's hardened base (providers/selfhosted/templates/research_vm.yaml.j2): packages
    from the platform mirror, a deny-by-default host firewall, auditd, and the data disk on /srv as LUKS2
    inside the guest, its key network-bound to the platform's Tang servers (disk_encryption), because
    Block Storage takes no customer key and Scaleway's HDS guide (2025-11-12) asks the customer to encrypt
    health data. GPU Instances are not integrated with Audit Trail (2026-09-02): the machine's own auditd
    trail, shipped to the platform's audit log, is what records it. gpu_vm is this class with the GPU
    flavor, in the GPU zone.
    """

    role_name = "vm"

    def flavor(self) -> str:
        return self.sizing.cpu_flavor

    def zone(self) -> str:
        return self.settings.zone

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        request = research_machine_request(self, self.flavor(), role=self.role_name)
        servers = ScalewayIaas(self.placement, self.tags).servers(self, self.name, request, zone=self.zone())
        return servers.private_ips[0], self.data_key_ref()
