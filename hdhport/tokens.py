"""Check that a Pulumi type token names a resource class in the installed SDK.

Imports one SDK submodule per token (never the whole of pulumi_azure_native, which is very slow), so
it belongs to checks and tests, not to the fast specification commands.
"""
from __future__ import annotations

import importlib
from functools import cache

# token package -> Python package of its SDK
SDK_PACKAGES = {"azure-native": "pulumi_azure_native", "openstack": "pulumi_openstack"}


@cache
def resource_class(token: str) -> type | None:
    """The SDK class registered under `token`, or None when no installed SDK has it."""
    package, _, rest = token.partition(":")
    module_path, _, class_name = rest.rpartition(":")
    sdk = SDK_PACKAGES.get(package)
    if sdk is None or not module_path or not class_name:
        return None
    submodule = module_path.split("/", 1)[0]  # openstack:objectstorage/container:Container
    try:
        module = importlib.import_module(sdk if submodule == "index" else f"{sdk}.{submodule}")
    except ImportError:
        return None
    candidate = getattr(module, class_name, None)
    if not isinstance(candidate, type) or getattr(candidate, "pulumi_type", None) != token:
        return None
    return candidate


def unresolved(tokens: list[str]) -> list[str]:
    return [token for token in tokens if resource_class(token) is None]
