"""What cpu_vm and gpu_vm share on Azure: a research project's private Linux machine, built with the
family's IaaS primitives (AzureIaas) and booted from the platform's provider-neutral base, so self-hosted
services and research VMs are secured, and install their software, the same way."""
from __future__ import annotations

import pulumi

from providers.azure.iaas import ADMIN_USER, AzureIaas
from providers.base import ServiceComponent
from providers.selfhosted.service import research_machine_request


def build_research_vm(owner: ServiceComponent, flavor: str, *, scale_set: bool) -> pulumi.Output[str]:
    """One private machine of `flavor` in the owner's subnet (the enclave's for a project); its SSH URL.

    It boots providers/selfhosted/templates/research_vm.yaml.j2, as research machines on Scaleway and OpenStack
    do: the Debian marketplace image carries neither auditd nor a way out (research subnets have no internet
    egress, by design), so apt is pointed at the platform's artefact mirror alone, trusted through the stack's
    anchors (hdh:platformRootCa, hdh:archiveKeyring, hdh:artefactMirror), before auditd, unattended upgrades and
    the hardened base are installed; the data disk (Azure LUN 0, encrypted by the disk encryption set) is mounted
    on /srv. The only ways in: SSH and RDP from the bastion (its own AzureBastionSubnet) and from the virtual
    desktop hosts (services subnet), which AzureIaas resolves ADMIN_SOURCE to; the platform CA's ACME challenges
    and the metrics scrape from the services subnet.
    """
    request = research_machine_request(owner, flavor)
    servers = AzureIaas(owner.placement, owner.tags).servers(owner, owner.name, request, scale_set=scale_set)
    return servers.private_ips[0].apply(lambda ip: f"ssh://{ADMIN_USER}@{ip}")
