"""What cpu_vm and gpu_vm share on Azure: a research project's private Linux machine, built with the
family's IaaS primitives (AzureIaas) and booted from the platform's provider-neutral base, so self-hosted
services and research VMs are secured, and install their software, the same way."""
from __future__ import annotations

import pulumi

from providers.azure.iaas import ADMIN_USER, AzureIaas
from providers.base import ServiceComponent
from providers.lookups import once
from providers.selfhosted import settings
from providers.selfhosted.iaas import ServerRequest
from providers.selfhosted.service import guest_disk_encryption, render_cloud_init
from providers.selfhosted.specs import RESEARCH_MACHINE, SITE

#: The only ways in: SSH and RDP from the bastion (its own AzureBastionSubnet) and from the virtual desktop
#: hosts (services subnet), which AzureIaas resolves ADMIN_SOURCE to; the platform CA's ACME challenges and the
#: metrics scrape from the services subnet.
RESEARCH_INGRESS = RESEARCH_MACHINE.ingress


def build_research_vm(owner: ServiceComponent, flavor: str, *, scale_set: bool) -> pulumi.Output[str]:
    """One private machine of `flavor` in the owner's subnet (the enclave's for a project); its SSH URL.

    It boots providers/selfhosted/templates/research_vm.yaml.j2, as research machines on Scaleway do: the
    Debian marketplace image carries neither auditd nor a way out (research subnets have no internet egress,
    by design), so apt is pointed at the platform's artefact mirror alone, trusted through the stack's anchors
    (hdh:platformRootCa, hdh:archiveKeyring, hdh:artefactMirror), before auditd, unattended upgrades and the
    hardened base are installed; the data disk (Azure LUN 0, encrypted by the disk encryption set) is mounted
    on /srv.
    """
    _say_what_the_image_must_carry(owner)
    request = ServerRequest(
        role=RESEARCH_MACHINE.role, flavor=flavor, image=owner.sizing.image,
        user_data=render_cloud_init(owner.spec.id, owner.placement, owner.enclave, RESEARCH_MACHINE),
        ingress=RESEARCH_INGRESS, subnet_id=owner.placement.subnet_id,
        data_disk_gb=owner.sizing.data_disk_gb, keeps_state=owner.spec.data_bearing,
        guest_encrypted=guest_disk_encryption(owner.spec.id, owner.placement))
    servers = AzureIaas(owner.placement, owner.tags).servers(owner, owner.name, request, scale_set=scale_set)
    return servers.private_ips[0].apply(lambda ip: f"ssh://{ADMIN_USER}@{ip}")


def _say_what_the_image_must_carry(owner: ServiceComponent) -> None:
    """Once per run: what the research machines install nothing without, when the stack leaves it out."""
    missing = settings.read().missing()
    if not missing:
        return
    needs = ["their image must carry the platform root CA and archive key"] \
        if {"hdh:platformRootCa", "hdh:archiveKeyring"} & set(missing) else []
    if "hdh:artefactMirror" in missing:
        needs.append(f"{SITE.mirror_host} must resolve to the mirror from the enclaves")
    once(("azure", "research-machine-anchors"), lambda: pulumi.log.warn(
        "the research machines (cpu_vm, gpu_vm) install auditd and their updates from the artefact mirror only "
        "(research subnets have no internet egress), over TLS, signed with the platform archive key; the stack does "
        f"not give {', '.join(missing)} (docs/operations.md, \"Trust anchors\"): {' and '.join(needs)}, or they "
        "install nothing", owner))
