"""Building one catalogue service through the registry: what the platform program (infra/) and the
research-project enclaves (providers/enclave.py) share, kept in this lower layer so neither imports the other."""
from __future__ import annotations

from collections.abc import Sequence

import pulumi

from hdhport import registry
from hdhport.model import Catalogue, Service
from hdhport.resolve import Resolution
from providers.base import ServiceComponent
from providers.contract import Placement, ServiceArgs, ServiceSpec, Sizing, tags_for


def service_spec(service: Service, resolution: Resolution) -> ServiceSpec:
    """What the component is told about its service. Its interface is the one the product really speaks: a
    native implementation's own (Azure Blob speaks azure-blob, not s3) when the catalogue states one, else
    the service's open interface, which a self-hosted product speaks by construction."""
    assert resolution.way != "gap" and resolution.product
    interface = service.interfaces[0]
    if resolution.way == "native" and resolution.family:
        offered = service.implementation(resolution.family).interfaces
        interface = offered[0] if offered else interface
    return ServiceSpec(id=service.id, family=service.family, product=resolution.product, interface=interface,
                       data_bearing=service.data_bearing, implementation=resolution.way)


def component_name(service_id: str, enclave: str | None) -> str:
    base = service_id.replace("_", "-")
    return f"{enclave}-{base}" if enclave else base


def build_service(service: Service, resolution: Resolution, placement: Placement, sizing: Sizing,
                  enclave: str | None = None, parent: pulumi.Resource | None = None,
                  name: str | None = None) -> ServiceComponent:
    """Build one service through the registry and return its component (named after the service unless
    `name` says otherwise)."""
    cls = registry.implementation(service.id, resolution.family or "")
    args = ServiceArgs(spec=service_spec(service, resolution), placement=placement, sizing=sizing,
                       tags=tags_for(service.id, enclave, service.data_bearing), enclave=enclave)
    component: ServiceComponent = cls(name or component_name(service.id, enclave), args,
                                      pulumi.ResourceOptions(parent=parent) if parent else None)
    return component


def build_machine_trust(catalogue: Catalogue, trust: dict[str, Resolution], placement: Placement,
                        sizing: Sizing) -> dict[str, ServiceComponent]:
    """The secrets store and ACME CA the platform's own machines boot against, where the profile serves
    applications with another product (`trust`: providers/selfhosted/bootstrap.py machine_trust); named
    `machine-<service>`, they hand nothing on to the services that follow."""
    return {service_id: build_service(catalogue.service(service_id), resolution, placement, sizing,
                                      name=f"machine-{component_name(service_id, None)}")
            for service_id, resolution in trust.items()}


def settle_prerequisites(resolutions: dict[str, Resolution], built: list[str], relayed: Sequence[str] = (),
                         enclave_stack: bool = False) -> None:
    """Before anything is built: what the stack must give for the services `built` here (the trust anchors their
    machines need, the package_mirror the machines of the enclaves it serves (`relayed`) install through, each
    implementation's own inputs: `ServiceComponent.prerequisites`), refused under a real engine when a blocking one
    is unmet, reported by an offline plan (hdhport/prerequisites.py); then what the machines will wait for at boot
    that no input can give, as warnings. `enclave_stack`: an enclaves-only stack (hdh:platformStack)."""
    from hdhport import prerequisites
    from providers.selfhosted import settings
    from providers.selfhosted.bootstrap import prerequisites as machine_prerequisites, unmet

    # An enclave stack's machines install through the platform's relay: the mirror's URL is the platform stack's.
    missing = tuple(key for key in settings.read().missing() if not (enclave_stack and key == "hdh:artefactMirror"))
    needs = machine_prerequisites(resolutions, built, missing, relayed)
    for service_id in built:
        resolution = resolutions[service_id]
        if resolution.way != "gap":
            implementation: type[ServiceComponent] = registry.implementation(service_id, resolution.family or "")
            needs += implementation.prerequisites()
    prerequisites.settle(needs)
    for message in unmet(resolutions, built):
        pulumi.log.warn(message)
