"""cpu_vm on OpenStack: a research machine on the family's IaaS primitives, booted from an encrypted volume,
private only, installing from the platform's mirror."""
from __future__ import annotations

import pulumi

from providers.openstack.common import OpenStackService
from providers.openstack.iaas import OpenStackIaas
from providers.selfhosted.service import research_machine_request


class CpuVm(OpenStackService):
    """Abstract service cpu_vm, with OpenStack Nova.

    One research machine per scope (a research project's, when built for an enclave) on the placement's subnet,
    through the family's IaaS primitives (OpenStackIaas), as research machines on Azure and Scaleway are: a
    Neutron port with port security, its machine's DNS name and no floating IP; a security group with no default
    rule that admits only the research machine's ways in (SSH and RDP from the bastion and the virtual desktops,
    ACME challenges and the metrics scrape from the services subnet) and lets the machine reach only the
    platform's ranges (no internet) and, in an enclave, the project's own subnet (its share's export address,
    its Tang servers), out only: the enclave-isolation policy admits nothing from an enclave's range, so a
    project's machines do not reach one another (as on Azure), and the machine's host firewall drops it too. The
    machine boots from a volume of the encrypted type (Nova's ephemeral disks would not be encrypted) and gets a
    data volume of that type: both survive the instance, and the instance and its data volume are protected and
    retained. Operators' SSH key only, no password login. A later image (unless hdh:imageId pins one) or cloud-
    config never replaces a running machine. The endpoint is the machine's private address.

    It boots the platform's hardened base (providers/selfhosted/templates/research_vm.yaml.j2): apt pointed at
    the artefact mirror alone (research subnets have no internet egress), trusted through the stack's anchors
    (hdh:platformRootCa, hdh:archiveKeyring, hdh:artefactMirror), auditd, unattended upgrades, a deny-by-default
    host firewall, and the data volume mounted on /srv. The volume type encrypts, so the machine never adds LUKS
    of its own: cpu_vm refuses to build before disk_encryption has handed on the encrypted type.
    gpu_vm is this class with the GPU flavor and a larger boot volume.
    """

    boot_disk_gb = 20

    def flavor(self) -> str:
        return self.sizing.cpu_flavor

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        self.encrypted_volume_type()  # never the cloud's default type, nor a guest-encrypted fallback
        request = research_machine_request(self, self.flavor(), boot_disk_gb=self.boot_disk_gb,
                                           own_subnet=self.enclave is not None)
        servers = OpenStackIaas(self.placement, self.tags).servers(self, self.name, request)
        return servers.private_ips[0], self.data_key_ref()
