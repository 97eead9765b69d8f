"""JSON Schemas for the catalogue and the profiles, with the catalogue's vocabularies as enums.

Editors (yaml-language-server, VS Code, JetBrains) then complete and check terms as they are typed.
The enums come from the shipped catalogue, so the schema always matches the specification.
"""
from __future__ import annotations

from typing import Any

from hdhport.model import Catalogue, Profile

_SCHEMA_ID = "https://hdhport.example/schemas/{kind}.schema.json"

# (definition, property) -> the vocabulary whose terms the property takes
_CATALOGUE_TERMS = {
    ("Service", "family"): "families",
    ("Service", "interfaces"): "open_interfaces",
    ("Service", "controls"): "controls",
    ("Implementation", "needs"): "openstack_services",
    ("Implementation", "interfaces"): "interfaces",
}
_PROFILE_TERMS = {
    ("Profile", "api_family"): "api_families",
    ("OpenStackApis", "services"): "openstack_services",
    ("Offer", "interfaces"): "interfaces",
    ("Offer", "controls"): "controls",
}


def _terms(catalogue: Catalogue) -> dict[str, list[str]]:
    vocab = catalogue.vocabulary
    return {
        "families": sorted(vocab.families),
        "open_interfaces": sorted(t for t, i in vocab.interfaces.items() if i.open),
        "interfaces": sorted(vocab.interfaces),
        "controls": sorted(vocab.controls),
        "openstack_services": sorted(vocab.openstack_services),
        "api_families": sorted(vocab.api_families),
    }


def _enum_into(node: dict[str, Any], enum: list[str]) -> None:
    """Put the enum on the string schema, wherever it sits (plain, array items, or nullable)."""
    if node.get("type") == "string":
        node["enum"] = enum
    for key in ("items",):
        if isinstance(node.get(key), dict):
            _enum_into(node[key], enum)
    for arm in node.get("anyOf", []):
        _enum_into(arm, enum)


def _apply(schema: dict[str, Any], mapping: dict[tuple[str, str], str], terms: dict[str, list[str]]) -> None:
    for (definition, prop), vocabulary in mapping.items():
        owner = schema if schema.get("title") == definition else schema["$defs"][definition]
        _enum_into(owner["properties"][prop], terms[vocabulary])


def catalogue_schema(catalogue: Catalogue) -> dict[str, Any]:
    schema = Catalogue.model_json_schema()
    _apply(schema, _CATALOGUE_TERMS, _terms(catalogue))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _SCHEMA_ID.format(kind="catalog"), **schema}


def profile_schema(catalogue: Catalogue) -> dict[str, Any]:
    schema = Profile.model_json_schema()
    _apply(schema, _PROFILE_TERMS, _terms(catalogue))
    service_ids = [service.id for service in catalogue.services]
    offers = schema["properties"]["offers"]
    offers["propertyNames"] = {"enum": service_ids}
    offers["required"] = service_ids
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _SCHEMA_ID.format(kind="profile"), **schema}
