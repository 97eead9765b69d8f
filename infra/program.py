"""The platform program: config -> catalogue and profile -> resolve -> build -> export.

No provider branching here: every implementation is found through hdhport.registry from the
catalogue's resolution for the profile. The same function runs under `pulumi up` and, in-process on
the SDK's mock engine, under `hdhport plan`.
"""
from __future__ import annotations

import json

from collections.abc import Iterable
from dataclasses import dataclass, field

import pulumi

from hdhport import paths, registry
from hdhport.loader import load_catalogue, profiles_from
from hdhport.model import Catalogue, Profile, Service
from hdhport.resolve import GapError, Resolution, resolve
from hdhport.stack_config import ConfigError, StackConfig, parse, profile_path
from hdhport.yamlsource import load_document
from infra.config import check_against
from providers.base import ServiceComponent
from providers.build import build_machine_trust, build_service, settle_prerequisites
from providers.contract import Placement, Sizing

#: Built first, in this order: later services consume what they provide (network, DNS zones, keys, disks, logs,
#: the certificates the gateway and the firewall present).
FOUNDATION = ("virtual_network", "key_management", "disk_encryption", "private_dns", "private_endpoints",
              "log_analytics", "certificate_management")


@dataclass
class Platform:
    """What was built: per service its resolution and component; the placement left for enclaves."""

    profile: Profile
    resolutions: dict[str, Resolution]
    components: dict[str, ServiceComponent] = field(default_factory=dict)
    #: Self-hosted secrets store and ACME CA built for the platform's machines beside a native product.
    machine_trust: dict[str, ServiceComponent] = field(default_factory=dict)
    enclaves: dict[str, dict[str, ServiceComponent]] = field(default_factory=dict)


def load_inputs(config: StackConfig) -> tuple[Catalogue, Profile]:
    catalogue = load_catalogue(paths.CATALOGUE)
    profile_doc = load_document(profile_path(config.profile))
    (profile, _), = profiles_from([profile_doc], catalogue).values()
    check_against(config, catalogue, profile)
    return catalogue, profile


#: Services whose implementations boot machines of the platform's own sizes, whatever their resolution.
MACHINE_SERVICES = frozenset({"cpu_vm", "gpu_vm", "batch_compute", "kubernetes", "notebook_server"})


def sizing_for(config: StackConfig, profile: Profile, resolutions: Iterable[Resolution] = ()) -> Sizing:
    """Flavors and image: the stack's, else the profile's. Required only where something boots machines,
    so a profile whose every machine-based service is a gap still plans."""
    built = [r for r in resolutions if r.way != "gap"]
    needs_machines = any(r.way == "self-hosted" or r.service in MACHINE_SERVICES for r in built)
    needs_gpu = any(r.service == "gpu_vm" for r in built)
    flavors = profile.flavors
    cpu = config.cpu_flavor or (flavors.cpu if flavors else None)
    gpu = config.gpu_flavor or (flavors.gpu if flavors else None)
    image = config.image or (flavors.image if flavors else None)
    for key, value, required in (("hdh:cpuFlavor", cpu, needs_machines), ("hdh:gpuFlavor", gpu, needs_gpu),
                                 ("hdh:image", image, needs_machines)):
        if required and not value:
            raise ConfigError(key, f"profile {profile.id} declares no default; set it in the stack config")
    return Sizing(cpu_flavor=cpu or "", gpu_flavor=gpu or "", image=image or "")


#: Built as soon as what it trusts exists (the cluster whose tokens it accepts) and before the first service that
#: names it (the buckets whose policies allow it, where the store keeps its own access list).
IDENTITY_BEFORE, IDENTITY_AFTER = ("object_storage", "data_lake", "archive_storage"), "kubernetes"


def _ordered(services: Iterable[Service]) -> list[Service]:
    services = list(services)
    first = [s for name in FOUNDATION for s in services if s.id == name]
    rest = [s for s in services if s.id not in FOUNDATION]
    identity = [s for s in rest if s.id == "workload_identity"]
    rest = [s for s in rest if s.id != "workload_identity"]
    ids = [s.id for s in rest]
    consumers = [ids.index(name) for name in IDENTITY_BEFORE if name in ids]
    if identity and consumers:
        if IDENTITY_AFTER in ids and ids.index(IDENTITY_AFTER) > min(consumers):
            raise ValueError(f"the catalogue lists {IDENTITY_AFTER} after {ids[min(consumers)]}: workload_identity "
                             "cannot follow the one and precede the other")
        rest.insert(min(consumers), identity[0])
    else:
        rest += identity
    return first + rest


def build(config: StackConfig, catalogue: Catalogue, profile: Profile) -> Platform:
    resolutions = {r.service: r for r in resolve(catalogue, profile)}
    wanted = [s for s in catalogue.services if config.services is None or s.id in config.services]
    gaps = [resolutions[s.id] for s in wanted if resolutions[s.id].way == "gap"]
    if gaps and not config.allow_gaps:
        raise GapError(profile.id, gaps)
    sizing = sizing_for(config, profile, [resolutions[s.id] for s in wanted])
    platform = Platform(profile, resolutions)
    from providers.enclave import ENCLAVE_SERVICES, build_enclaves, enclave_indexes
    from providers.selfhosted.bootstrap import machine_trust, private_names

    # Before the first resource: what this stack, and the enclaves it builds itself, need the stack to give; the
    # enclaves it serves, here or in enclave stacks, install through its package_mirror.
    in_enclaves = list(ENCLAVE_SERVICES) if config.enclaves and not config.enclave_stacks else []
    served = ENCLAVE_SERVICES if config.enclaves or config.enclave_stacks else ()
    settle_prerequisites(resolutions, list(dict.fromkeys([*(s.id for s in wanted), *in_enclaves])), served)

    # The enclaves' machines, built here or by enclave stacks, boot against the platform's trust and names too.
    booting = list(dict.fromkeys([*(s.id for s in wanted), *ENCLAVE_SERVICES]))
    trust = machine_trust(catalogue, resolutions, booting)
    names = private_names(resolutions, trust) if any(s.id == "private_dns" for s in wanted) else {}
    placement = Placement(api_family=profile.api_family, region=config.region,
                          admin_ssh_public_key=config.admin_ssh_public_key, **names)
    landing = registry.landing_zone(profile.api_family)
    if landing is not None:
        zone = landing("landing-zone", placement)
        placement = placement.with_(**zone.provided)
    for service in _ordered(wanted):
        resolution = resolutions[service.id]
        if resolution.way == "gap":
            continue
        component = build_service(service, resolution, placement, sizing)
        platform.components[service.id] = component
        placement = placement.with_(**component.provided)
    platform.machine_trust = build_machine_trust(catalogue, trust, placement, sizing)
    if not config.enclave_stacks:

        platform.enclaves = build_enclaves(config.enclaves, catalogue, resolutions, placement, sizing,
                                           enclave_indexes(config))
    export(platform, placement)
    return platform


def export(platform: Platform, placement: Placement) -> None:
    pulumi.export("profile", platform.profile.id)
    pulumi.export("resolutions", {sid: {"way": r.way, "family": r.family, "product": r.product, "reason": r.reason}
                                  for sid, r in platform.resolutions.items()})
    pulumi.export("services", {sid: dict(c.outputs) for sid, c in platform.components.items()})
    pulumi.export("machine_trust", {sid: dict(c.outputs) for sid, c in platform.machine_trust.items()})
    pulumi.export("enclaves", {name: {sid: c.outputs["endpoint"] for sid, c in parts.items()}
                               for name, parts in platform.enclaves.items()})
    # What an enclave stack reads through a StackReference (hdh:platformStack).
    pulumi.export("placement", {name: getattr(placement, name) for name in placement.__dataclass_fields__})


def main() -> None:
    """Entry point of infra/__main__.py: read config once, build, export."""
    raw = pulumi.Config("hdh")
    config = parse(_namespace(raw))
    catalogue, profile = load_inputs(config)
    if config.platform_stack:
        from providers.enclave import build_enclave_stack

        build_enclave_stack(config, catalogue, profile, sizing_for(config, profile, resolve(catalogue, profile)))
        return
    build(config, catalogue, profile)


def _namespace(config: pulumi.Config) -> dict[str, object]:
    """Every `hdh:*` key of the stack, structured values decoded (lists, numbers, booleans)."""
    from pulumi.runtime.config import CONFIG, get_config_env

    values: dict[str, object] = {}
    for full_key, text in {**get_config_env(), **CONFIG.get()}.items():
        namespace, _, key = full_key.partition(":")
        if namespace != config.name:
            continue
        try:
            values[key] = json.loads(text)
        except (TypeError, ValueError):
            values[key] = text
    return values
