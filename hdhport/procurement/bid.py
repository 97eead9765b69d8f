"""The bidder's template: a complete, commented profile to fill in, valid as generated.

Every catalogue service is listed with `offer: unknown`, and every fact with a placeholder that the
loader accepts and the scores read as unknown (country code ZZ, status unknown), so a bidder can
validate and diff the file at any stage of filling it in without a placeholder ever counting as a yes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hdhport.errors import InputError, Problem
from hdhport.model import Catalogue, Service
from hdhport.procurement.render import environment
from hdhport.evidence import UNKNOWN_COUNTRY
from hdhport.registry import API_FAMILIES

OTHER = "other"
# Keystone is the one OpenStack service every OpenStack cloud runs (it authenticates the others), so it
# is the only one the template can list without claiming anything; the bidder adds the rest.
OPENSTACK_PLACEHOLDER = ("keystone",)


@dataclass(frozen=True)
class TemplateFamily:
    """The API family the template is written for, and whether it is only a placeholder."""

    term: str
    placeholder: bool


def family_for(catalogue: Catalogue, requested: str) -> TemplateFamily:
    """`openstack`, `azure`, any API family of the catalogue, or `other`: the first family the toolkit does
    not deploy, marked as a placeholder the bidder replaces."""
    families = catalogue.vocabulary.api_families
    if requested in families:
        return TemplateFamily(requested, placeholder=False)
    others = [term for term in families if term not in API_FAMILIES]
    if requested == OTHER and others:
        return TemplateFamily(others[0], placeholder=True)
    raise InputError([Problem.argument("--family", f"unknown API family '{requested}'; expected "
                              f"{OTHER} or one of {', '.join(families)}")])


def template(catalogue: Catalogue, requested_family: str, today: dt.date) -> str:
    """The profile skeleton as YAML text, with every catalogue service to answer."""
    family = family_for(catalogue, requested_family)
    families: dict[str, list[Service]] = {}
    for service in catalogue.services:
        families.setdefault(service.family, []).append(service)
    return environment().get_template("bid.yaml.j2").render(
        catalogue=catalogue, family=family, families=families, today=today.isoformat(),
        deployed=API_FAMILIES, unknown_country=UNKNOWN_COUNTRY, openstack_placeholder=OPENSTACK_PLACEHOLDER)
