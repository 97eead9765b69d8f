"""The shipped specification: the catalogue and the profiles are complete, valid and sourced."""
from __future__ import annotations

from collections import Counter

import pytest

from conftest import ROOT
from hdhport import paths
from hdhport.loader import load_specification
from hdhport.registry import API_FAMILIES
from hdhport.tokens import unresolved

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
CATALOGUE = SPEC.catalogue
REQUIRED_PROFILES = {
    "azure-francecentral", "ovhcloud-public-cloud", "ovhcloud-bare-metal-pod-snc", "openstack-reference",
    "outscale", "cloud-temple", "s3ns-premi3ns", "bleu", "numspot", "scaleway",
}


def test_shipped_files_validate(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate")
    assert (result.code, result.err) == (0, ""), result.err


def test_catalogue_covers_at_least_50_services_in_10_families() -> None:
    assert len(CATALOGUE.services) >= 50
    families = Counter(s.family for s in CATALOGUE.services)
    assert len(families) >= 10
    assert set(families) == set(CATALOGUE.vocabulary.families), "a family nobody uses, or the reverse"


def test_every_service_has_an_entry_for_every_api_family() -> None:
    for service in CATALOGUE.services:
        for family in API_FAMILIES:
            assert service.implementation(family).kind in ("native", "self-hosted", "gap"), (service.id, family)


@pytest.mark.parametrize("family", API_FAMILIES)
def test_every_resource_token_names_a_class_in_the_installed_sdk(family: str) -> None:
    tokens = sorted({t for s in CATALOGUE.services for t in s.implementation(family).resources})
    assert tokens, f"no {family} tokens at all"
    assert unresolved(tokens) == []


def test_each_family_declares_tokens_of_its_own_sdk_only() -> None:
    prefixes = {"azure": "azure-native:", "openstack": "openstack:", "scaleway": "scaleway:"}
    assert set(prefixes) == set(API_FAMILIES)
    for service in CATALOGUE.services:
        for family, prefix in prefixes.items():
            assert all(t.startswith(prefix) for t in service.implementation(family).resources), (service.id, family)


def test_every_vocabulary_term_has_a_one_line_meaning() -> None:
    vocab = CATALOGUE.vocabulary
    meanings = [*vocab.families.values(), *vocab.controls.values(), *vocab.openstack_services.values(),
                *vocab.api_families.values(), *(i.meaning for i in vocab.interfaces.values())]
    assert all(m.strip() and "\n" not in m.strip() for m in meanings)


def test_data_bearing_services_require_encryption_with_a_customer_key() -> None:
    for service in CATALOGUE.services:
        if service.data_bearing:
            assert {"encryption_at_rest", "customer_managed_key"} <= set(service.controls), service.id


def test_at_least_the_ten_required_profiles_ship() -> None:
    assert REQUIRED_PROFILES <= set(SPEC.profiles)


def test_each_shipped_profile_is_named_after_its_file() -> None:
    for profile_id, source in SPEC.sources.items():
        assert source.endswith(f"{profile_id}.yaml")


def test_the_baseline_profiles_answer_every_service_the_toolkit_builds() -> None:
    for profile_id in ("azure-francecentral", "openstack-reference"):
        profile = SPEC.profiles[profile_id]
        unanswered = [s.id for s in CATALOGUE.services if profile.offers[s.id].offer == "unknown"
                      and s.implementation(profile.api_family).kind != "gap"]
        assert unanswered == [], profile_id


def test_openstack_profiles_name_only_known_openstack_services() -> None:
    for profile in SPEC.profiles.values():
        if profile.api_family == "openstack":
            assert profile.openstack is not None
            assert set(profile.openstack.services) <= set(CATALOGUE.vocabulary.openstack_services)


def test_yaml_files_point_editors_at_the_published_schemas() -> None:
    assert "$schema=schemas/catalog.schema.json" in (ROOT / "services_catalog.yaml").read_text().splitlines()[0]
    for path in paths.shipped_profiles():
        assert "$schema=../../schemas/profile.schema.json" in path.read_text().splitlines()[0], path.name
