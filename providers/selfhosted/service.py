"""The provider-neutral self-hosted implementation: private VMs booted with a per-service cloud-init.

One class serves every self-hosted catalogue service; what differs per service (template, ports,
disk, machine count) is data in providers/selfhosted/specs.py. The API family supplies the IaaS
primitives (hdhport.registry.iaas), so nothing here names a cloud.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cache

import jinja2
import pulumi

from hdhport.registry import iaas_for
from providers.base import ServiceComponent
from providers.contract import Placement
from providers.selfhosted import settings
from providers.selfhosted.iaas import ADMIN_SOURCE, Iaas, ServerRequest
from providers.selfhosted.settings import Trust
from providers.selfhosted.specs import RESEARCH_MACHINE, SITE, SPECS, TemplateSpec

TEMPLATES_DIR = __file__.rsplit("/", 1)[0] + "/templates"


@cache
def _environment() -> jinja2.Environment:
    # StrictUndefined: a template naming a variable nobody passes fails the build, not the VM at boot.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


def render_cloud_init(service_id: str, placement: Placement, enclave: str | None = None,
                      spec: TemplateSpec | None = None, trust: Trust | None = None) -> str:
    """The cloud-config a self-hosted service boots with (or, with `spec`, another machine built from the same
    base, such as RESEARCH_MACHINE). Holds no secret: secrets are made or fetched at boot. Its trust anchors
    and mirror are the stack's (providers/selfhosted/settings.py) unless `trust` is given."""
    spec = spec or SPECS[service_id]
    trust = trust or settings.read()
    # A machine in an enclave reaches the mirror through the platform's package_mirror (its subnet has no other way
    # out); the platform's own machines, package_mirror first, through the platform's egress.
    site = replace(SITE, mirror=trust.mirror if enclave is None else SITE.relay)
    template = _environment().get_template(spec.template)
    return template.render(service=service_id, spec=spec, api_family=placement.api_family,
                           region=placement.region, enclave=enclave or "platform",
                           site=site, mirror=site.mirror, trust=trust,
                           dns_resolvers=placement.dns_resolvers if service_id != "private_dns" else "",
                           dns_aliases=dict(pair.split("=", 1) for pair in placement.dns_aliases.split(",") if pair),
                           labels={sid.replace("_", "-"): spec_.role for sid, spec_ in sorted(SPECS.items())},
                           guest_disk_encryption=guest_disk_encryption(service_id, placement),
                           admin_source=ADMIN_SOURCE, admin_sources=_admin_sources(placement.api_family))


def _admin_sources(api_family: str) -> tuple[str, ...]:
    """What ADMIN_SOURCE stands for on `api_family` (where its administrative sessions come from)."""
    family: type[Iaas] = iaas_for(api_family)
    return family.admin_sources


def guest_disk_encryption(service_id: str, placement: Placement) -> bool:
    """Whether the machine may have to encrypt its data disk itself (LUKS bound to the Tang servers).

    A provider's reference (Azure disk encryption set, Cinder encrypted volume type) is set or
    pending when the service is planned: the provider encrypts. A plain "" means there is none yet,
    either because disk_encryption fell back to the self-hosted Tang servers (which provide nothing)
    or because the service is built before disk_encryption; the machine then encrypts in the guest
    only if the Tang servers exist (hdh-data-disk). The Tang servers cannot depend on themselves.
    """
    return service_id != "disk_encryption" and isinstance(placement.disk_encryption_ref, str) \
        and placement.disk_encryption_ref == ""


def research_machine_request(owner: ServiceComponent, flavor: str, *, role: str = RESEARCH_MACHINE.role,
                             boot_disk_gb: int | None = None, own_subnet: bool = False) -> ServerRequest:
    """What every family asks its IaaS primitives for a research project's machine (cpu_vm, gpu_vm) of `flavor`:
    the platform's hardened base (templates/research_vm.yaml.j2), reached by SSH and RDP from the bastion and the
    desktops only, its data disk kept. The trust anchors it installs from are a prerequisite of the stack
    (bootstrap.prerequisites: research subnets have no way out but the platform's mirror)."""
    return ServerRequest(
        role=role, flavor=flavor, image=owner.sizing.image,
        user_data=render_cloud_init(owner.spec.id, owner.placement, owner.enclave, RESEARCH_MACHINE),
        ingress=RESEARCH_MACHINE.ingress, subnet_id=owner.placement.subnet_id,
        data_disk_gb=owner.sizing.data_disk_gb, keeps_state=owner.spec.data_bearing,
        guest_encrypted=guest_disk_encryption(owner.spec.id, owner.placement),
        boot_disk_gb=boot_disk_gb, own_subnet=own_subnet)


class SelfHostedService(ServiceComponent):
    """Any catalogue service run by us on private VMs of the target cloud (spec in specs.SPECS)."""

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        spec: TemplateSpec = SPECS[self.spec.id]
        iaas = iaas_for(self.placement.api_family)(self.placement, self.tags)
        request = ServerRequest(
            role=spec.role,
            flavor=self.sizing.gpu_flavor if spec.gpu else self.sizing.cpu_flavor,
            image=self.sizing.image,
            user_data=render_cloud_init(self.spec.id, self.placement, self.enclave),
            ingress=spec.ingress,
            subnet_id=self.placement.subnet_id,
            data_disk_gb=spec.data_disk_gb,
            keeps_state=self.spec.data_bearing or not spec.stateless,
            count=spec.count,
            guest_encrypted=guest_disk_encryption(self.spec.id, self.placement),
        )
        servers = iaas.servers(self, self.name, request)
        # The name every machine of the platform calls it by (HDH_SERVICE_HOST in its cloud-config).
        iaas.publish(self, (f"{self.enclave}-" if self.enclave else "") + self.spec.id.replace("_", "-"),
                     servers.private_ips)
        endpoint = servers.private_ips[0].apply(lambda ip: spec.endpoint.format(host=ip))
        self.provide(**{field: endpoint.apply(lambda e, t=template: t.format(endpoint=e))
                        for field, template in spec.provides.items()})
        return endpoint, self.placement.key_ref if self.spec.data_bearing else None

    def declared_provides(self) -> tuple[str, ...]:
        return tuple(SPECS[self.spec.id].provides)
