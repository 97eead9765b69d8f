"""Portability, checked: every implementation takes the same Args and exports the same outputs."""
from __future__ import annotations

from collections import defaultdict

import pytest

from hdhport import registry
from hdhport.model import OUTPUT_KEYS
from implementations import case_id, cases, recorded
from providers.testing import catalogue

CASES = cases()


def _component(case: tuple[str, str, str]):  # type: ignore[no-untyped-def]
    tops = [r for r in recorded(*case).resources if not r.custom and r.type.startswith("hdh:")
            and r.name == case[0].replace("_", "-")]
    assert len(tops) == 1, [r.name for r in recorded(*case).resources if not r.custom]
    return tops[0]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_outputs_contract_is_the_same_everywhere(case: tuple[str, str, str]) -> None:
    component = _component(case)
    assert sorted(component.outputs) == sorted(OUTPUT_KEYS)
    assert component.outputs["service"] == case[0]
    assert component.outputs["private"] is True
    # The interface the product really speaks: a native implementation's own when the catalogue states one.
    service, family, api = case
    offered = catalogue().service(service).implementation(api).interfaces
    native = family != registry.SELF_HOSTED
    expected = offered[0] if native and offered else catalogue().service(service).interfaces[0]
    assert component.outputs["interface"] == expected


def test_every_service_has_one_component_type_on_every_family() -> None:
    types: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        types[case[0]].add(_component(case).type)
    assert {service: sorted(t) for service, t in types.items() if len(t) != 1} == {}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_implementation_creates_the_types_the_catalogue_declares(case: tuple[str, str, str]) -> None:
    service, family, api = case
    impl = catalogue().service(service).implementation(api)
    if family == registry.SELF_HOSTED and impl.kind == "native":
        pytest.skip("a fallback's resources are the IaaS primitives, not the native product's")
    created = {r.type for r in recorded(*case).resources if r.custom}
    missing = sorted(set(impl.resources) - created)
    assert missing == [], f"{service} on {api} declares {missing} in services_catalog.yaml but does not create them"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_resource_is_parented_to_the_service_component(case: tuple[str, str, str]) -> None:
    result = recorded(*case)
    top = _component(case)
    by_urn = result.by_urn()
    for resource in result.resources:
        if resource.urn == top.urn:
            continue
        urn = resource.parent
        while urn in by_urn and urn != top.urn:
            urn = by_urn[urn].parent
        assert urn == top.urn, f"{resource.name} escapes the {case[0]} component"


def test_the_typed_outputs_are_the_contract() -> None:
    """The contract's keys live in the engine (hdhport.model, read by `hdhport check`), their types with the
    families (providers.contract.ServiceOutputs): the two say the same thing."""
    from providers.contract import ServiceOutputs

    assert list(ServiceOutputs.__annotations__) == list(OUTPUT_KEYS)
