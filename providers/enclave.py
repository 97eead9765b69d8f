"""Research-project enclaves: one isolated segment per project, built from the same implementations.

Each project gets its own subnet with a deny-by-default firewall (reachable only from the platform's
range, where the bastion and the virtual desktop gateway live; no internet egress), its
own key, its own workload identity, disk encryption, object container, file share, and CPU and GPU machines. Nothing
here names a cloud: the segment comes from the family's IaaS primitives, the rest from the registry.
Enclaves run in the platform stack, or in stacks of their own that read the platform's outputs
through a StackReference (hdh:platformStack), so no single state has to hold hundreds of projects.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from typing import Any

import pulumi

from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR
from hdhport.model import Catalogue, Profile
from hdhport.registry import iaas_for
from hdhport.resolve import Resolution, resolve
from hdhport.stack_config import StackConfig
from providers.base import ServiceComponent
from providers.build import build_service, settle_prerequisites
from providers.contract import Placement, Sizing, tags_for
from providers.selfhosted.bootstrap import machine_trust, private_names
from providers.selfhosted.iaas import Ingress

#: What a project gets of its own, in build order (the key first: everything after is encrypted with it; then the
#: identity its workloads act as, which its bucket's policy names where the store keeps its own access list).
ENCLAVE_SERVICES = ("key_management", "workload_identity", "disk_encryption", "object_storage", "file_share",
                    "cpu_vm", "gpu_vm")
#: The only ways in: SSH from the bastion and RDP from the virtual desktop gateway. Both live in the
#: platform's range (on Azure, Bastion must sit in its own AzureBastionSubnet), never in another enclave's.
ENCLAVE_INGRESS = (
    Ingress(port=22, source=PLATFORM_CIDR, description="SSH from the bastion"),
    Ingress(port=3389, source=PLATFORM_CIDR, description="RDP from the virtual desktop gateway"),
)
_ENCLAVE_NETWORK = ipaddress.ip_network(ENCLAVES_CIDR)


def enclave_cidr(index: int) -> str:
    """The /24 of the index-th project inside the enclaves' range."""
    base = int(_ENCLAVE_NETWORK.network_address) + index * 256
    network = ipaddress.ip_network(f"{ipaddress.ip_address(base)}/24")
    if not network.subnet_of(_ENCLAVE_NETWORK):  # type: ignore[arg-type]
        raise ValueError(f"enclave {index} does not fit in {ENCLAVES_CIDR}")
    return str(network)


class Enclave(pulumi.ComponentResource):
    """A research project's isolated processing environment (hdh:workspace:Enclave)."""

    def __init__(self, name: str, index: int, catalogue: Catalogue, resolutions: dict[str, Resolution],
                 placement: Placement, sizing: Sizing, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("hdh:workspace:Enclave", name, None, opts)
        tags = tags_for("enclave", name, data_bearing=True)
        segment = iaas_for(placement.api_family)(placement, tags).segment(
            self, f"{name}-segment", enclave_cidr(index), ENCLAVE_INGRESS)
        # The project's own workload identity, built below, is the only one its bucket may name (never the platform's).
        local = placement.with_(subnet_id=segment.subnet_id, workload_principal="")
        self.parts: dict[str, ServiceComponent] = {}
        for service_id in ENCLAVE_SERVICES:
            resolution = resolutions[service_id]
            if resolution.way == "gap":
                continue
            component = build_service(catalogue.service(service_id), resolution, local, sizing,
                                      enclave=name, parent=self)
            self.parts[service_id] = component
            local = local.with_(**component.provided)
        self.register_outputs({"cidr": segment.cidr,
                               **{sid: part.outputs["endpoint"] for sid, part in self.parts.items()}})


def build_enclaves(names: Sequence[str], catalogue: Catalogue, resolutions: dict[str, Resolution],
                   placement: Placement, sizing: Sizing, indexes: Sequence[int]) -> dict[str, dict[str, ServiceComponent]]:
    """One enclave per project, in the enclave network `indexes` gives it (enclave_indexes)."""
    built: dict[str, dict[str, ServiceComponent]] = {}
    for name, index in zip(names, indexes, strict=True):
        built[name] = Enclave(name, index, catalogue, resolutions, placement, sizing).parts
    return built


def enclave_indexes(config: StackConfig) -> tuple[int, ...]:
    """Each project's enclave network: the stack's mapping when it gives one (keyed by project, so adding or
    removing a project moves no other); else consecutive from the first (hdh:firstEnclaveIndex, or the number
    of a first project named project-NNN in an enclave stack, or 0 on the platform stack)."""
    if config.enclave_indexes is not None:
        return config.enclave_indexes
    first = _first_index(config) if config.platform_stack else 0
    return tuple(range(first, first + len(config.enclaves)))


def build_enclave_stack(config: StackConfig, catalogue: Catalogue, profile: Profile, sizing: Sizing) -> None:
    """An enclaves-only stack: the platform's placement comes from its stack's outputs."""
    assert config.platform_stack
    resolutions = {r.service: r for r in resolve(catalogue, profile)}
    settle_prerequisites(resolutions, list(ENCLAVE_SERVICES), enclave_stack=True)
    platform = pulumi.StackReference(config.platform_stack)
    shared = platform.get_output("placement")
    # Network, keys and the platform's logs (workspace, collection endpoint and rules: the research machines
    # here send their logs where the platform's own do).
    fields = {name: shared.apply(functools.partial(_placement_field, name=name))
              for name in ("scope", "network_id", "subnet_id", "key_ref", "key_vault_id", "identity_id",
                           "disk_encryption_ref", "log_workspace_id", "log_endpoint_id", "log_linux_rule_id",
                           "log_windows_rule_id", "oidc_issuer", "dns_zone")}
    # The platform stack's private names, known from the profile as it knew them (infra/program.py).
    names = private_names(resolutions, machine_trust(catalogue, resolutions, [*resolutions]))
    placement = Placement(api_family=profile.api_family, region=config.region,
                          admin_ssh_public_key=config.admin_ssh_public_key).with_(**fields, **names)
    built = build_enclaves(config.enclaves, catalogue, resolutions, placement, sizing, enclave_indexes(config))
    pulumi.export("enclaves", {name: {sid: c.outputs["endpoint"] for sid, c in parts.items()}
                               for name, parts in built.items()})


def _placement_field(exported: Any, name: str) -> str:
    return str((exported or {}).get(name, ""))


def _first_index(config: StackConfig) -> int:
    """hdh:firstEnclaveIndex, else projects named project-NNN keep their number's /24 whichever stack builds them."""
    if config.first_enclave_index is not None:
        return config.first_enclave_index
    first = config.enclaves[0] if config.enclaves else ""
    if first.startswith("project-") and first[len("project-"):].isdigit():
        return int(first[len("project-"):]) - 1
    return 0
