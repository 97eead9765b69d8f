"""Check that a Pulumi type token names a resource class in the installed SDK.

Asks the table each SDK's top-level package registers (`declared`); `resource_class` imports the one
submodule of a token (never the whole of pulumi_azure_native, which is very slow) for whoever needs
the class itself. Either way it belongs to checks and tests, not to the fast specification commands.
"""
from __future__ import annotations

import importlib
from functools import cache

# token package -> Python package of its SDK
SDK_PACKAGES = {"azure-native": "pulumi_azure_native", "openstack": "pulumi_openstack",
                "scaleway": "pulumiverse_scaleway"}


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


def declared(token: str) -> bool:
    """Whether the installed SDK declares a resource class for `token`, without importing its submodule.

    Each SDK's top-level package registers, for every submodule, the tokens of its resource classes
    (the table the SDK itself uses to rebuild resources from their type), and imports the submodule
    only when a class is used. Asking that table keeps the CI gate's registry phase from importing
    some forty cloud submodules just to check names: importing is the plan's business.
    """
    package, _, rest = token.partition(":")
    module_path, _, _ = rest.rpartition(":")
    sdk = SDK_PACKAGES.get(package)
    if sdk is None or not module_path:
        return False
    try:
        importlib.import_module(sdk)
    except ImportError:
        return False
    from pulumi.runtime.rpc import get_resource_module

    module = get_resource_module(package, module_path, "")
    return token in (getattr(module, "mod_info", None) or {}).get("classes", {})


def unresolved(tokens: list[str]) -> list[str]:
    """The tokens no installed SDK has; only a token its SDK's table lacks is looked for by importing."""
    return [token for token in tokens if not declared(token) and resource_class(token) is None]
