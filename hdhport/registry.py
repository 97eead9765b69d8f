"""The one registry from (service id, implementation family) to the class that builds it.

Each API family keeps a plain table in providers/<family>/registry.py ("service": "module:Class");
this module merges them and imports a class only when it is first asked for, so nothing here pulls
in a cloud SDK. `selfhosted` is the provider-neutral family used on any IaaS.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from hdhport.model import Catalogue

SELF_HOSTED = "selfhosted"
#: The API families this toolkit deploys. A family is a folder providers/<family>/ whose registry.py holds its
#: table (IMPLEMENTATIONS), its IaaS primitives (IAAS), what it builds before any service (LANDING_ZONE) and
#: the module of its stack settings (SETTINGS): adding one is this line and that folder.
API_FAMILIES = ("azure", "openstack", "scaleway")
TABLES: dict[str, str] = {family: f"providers.{family}.registry" for family in (*API_FAMILIES, SELF_HOSTED)}


def _declared(family: str, name: str) -> str | None:
    """A family's declaration in its registry.py (plain strings: importing it imports no SDK)."""
    value = getattr(importlib.import_module(TABLES[family]), name, None)
    return str(value) if value is not None else None


# The IaaS primitives each API family offers the provider-neutral code (self-hosted services, enclaves).
IAAS: dict[str, str] = {family: str(_declared(family, "IAAS")) for family in API_FAMILIES}
# What an API family builds before any service (Azure: resource group and the identity that uses keys).
LANDING_ZONES: dict[str, str | None] = {family: _declared(family, "LANDING_ZONE") for family in API_FAMILIES}
# Stack settings each API family reads beyond the core hdh:* keys: a module with CONFIG_KEYS and validate().
# The self-hosted layer's own (the machines' trust anchors) are read on every family.
SETTINGS: dict[str, str] = {family: str(_declared(family, "SETTINGS")) for family in (*API_FAMILIES, SELF_HOSTED)
                            if _declared(family, "SETTINGS")}


@cache
def table(family: str) -> dict[str, str]:
    module = importlib.import_module(TABLES[family])
    return dict(module.IMPLEMENTATIONS)


def keys() -> set[tuple[str, str]]:
    return {(service, family) for family in TABLES for service in table(family)}


def implementation(service: str, family: str) -> type:
    """The class implementing `service` on `family`, imported on first use."""
    target = table(family).get(service) if family in TABLES else None
    if target is None:
        available = sorted(f for f in TABLES if service in table(f))
        listed = ", ".join(available) if available else "none"
        raise LookupError(f"{service} has no '{family}' implementation; available: {listed}")
    return _load(target)


def _load(target: str) -> type:
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)  # type: ignore[no-any-return]


def iaas_for(family: str) -> type:
    """The class giving `family`'s IaaS primitives (see providers/selfhosted/iaas.py)."""
    if family not in IAAS:
        raise LookupError(f"no IaaS primitives for '{family}'; available: {', '.join(sorted(IAAS))}")
    return _load(IAAS[family])


def landing_zone(family: str) -> type | None:
    target = LANDING_ZONES.get(family)
    return _load(target) if target else None


def expected_keys(catalogue: Catalogue) -> set[tuple[str, str]]:
    """The (service, family) pairs the catalogue promises code for."""
    expected: set[tuple[str, str]] = set()
    for service in catalogue.services:
        for family in API_FAMILIES:
            impl = service.implementation(family)
            if impl.kind == "native":
                expected.add((service.id, family))
            if impl.kind == "self-hosted" or impl.fallback:
                expected.add((service.id, SELF_HOSTED))
    return expected


@dataclass(frozen=True)
class Agreement:
    missing: list[tuple[str, str]]     # promised by the catalogue, absent from the registry
    unexpected: list[tuple[str, str]]  # in the registry, not promised by the catalogue

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def describe(self) -> list[str]:
        lines = [f"{service}: catalogue promises a '{family}' implementation; the registry has none"
                 for service, family in self.missing]
        lines += [f"{service}: registry has a '{family}' implementation the catalogue does not declare"
                  for service, family in self.unexpected]
        return lines


def agreement(catalogue: Catalogue) -> Agreement:
    expected, actual = expected_keys(catalogue), keys()
    return Agreement(sorted(expected - actual), sorted(actual - expected))
