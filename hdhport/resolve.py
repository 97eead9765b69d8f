"""Decide, per catalogue service, how a profile gets it: native, self-hosted fallback, or gap, and why.

Pure data (no SDK): the planner builds from these decisions, the diff reports them as deployability.
Rules: the API family's native implementation when the profile offers every OpenStack service it
`needs`; otherwise the provider-neutral self-hosted implementation, when one exists and the profile
has the IaaS it runs on; otherwise a gap.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hdhport.model import Catalogue, Profile, Service
from hdhport.registry import API_FAMILIES, SELF_HOSTED

Way = Literal["native", "self-hosted", "gap"]

# What a self-hosted service runs on: VMs, their network and their disks.
SELF_HOSTED_NEEDS = {"openstack": ("nova", "neutron", "cinder"), "azure": (), "scaleway": ()}


@dataclass(frozen=True)
class Resolution:
    service: str
    way: Way
    family: str | None   # registry family that builds it: the API family, `selfhosted`, or None for a gap
    product: str | None
    reason: str

    @property
    def deployable(self) -> bool:
        return self.way != "gap"


class GapError(Exception):
    """Services the profile cannot provide; all listed at once. Raised by the program when it is asked to build
    them (unless hdh:allowGaps), caught by the offline commands that run it."""

    def __init__(self, profile: str, gaps: list[Resolution]) -> None:
        self.gaps = gaps
        lines = "; ".join(f"{g.service}: {g.reason}" for g in gaps)
        super().__init__(f"profile {profile} leaves {len(gaps)} service(s) without an implementation "
                         f"(set hdh:allowGaps true to plan anyway): {lines}")


def _offered(profile: Profile) -> set[str]:
    return set(profile.openstack.services) if profile.openstack else set()


def _self_hosted(service: Service, profile: Profile, product: str | None, why: str) -> Resolution:
    lacking = [n for n in SELF_HOSTED_NEEDS[profile.api_family] if n not in _offered(profile)]
    if lacking:
        return Resolution(service.id, "gap", None, None,
                          f"{why}; the self-hosted {product} needs {', '.join(lacking)}, which the profile lacks")
    return Resolution(service.id, "self-hosted", SELF_HOSTED, product, why)


def resolve_service(service: Service, profile: Profile) -> Resolution:
    family = profile.api_family
    if family not in API_FAMILIES:
        return Resolution(service.id, "gap", None, None,
                          f"api family '{family}' is not deployed by this toolkit (deployable: "
                          f"{', '.join(API_FAMILIES)})")
    impl = service.implementation(family)
    if impl.kind == "gap":
        return Resolution(service.id, "gap", None, None, impl.reason or "declared a gap in the catalogue")
    if impl.kind == "self-hosted":
        return _self_hosted(service, profile, impl.product, f"no managed {family} service; self-hosted {impl.product}")
    lacking = [n for n in impl.needs if n not in _offered(profile)] if family == "openstack" else []
    if not lacking:
        return Resolution(service.id, "native", family, impl.product, f"native {impl.product}")
    why = f"profile lacks {', '.join(lacking)} needed by native {impl.product}"
    if impl.fallback:
        return _self_hosted(service, profile, impl.fallback, f"{why}; falls back to self-hosted {impl.fallback}")
    return Resolution(service.id, "gap", None, None, f"{why}, and no self-hosted fallback exists")


def resolve(catalogue: Catalogue, profile: Profile) -> list[Resolution]:
    """One decision per catalogue service, in catalogue order."""
    return [resolve_service(service, profile) for service in catalogue.services]
