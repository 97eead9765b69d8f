"""The stack's configuration checked against what this run loaded: the catalogue, the profile, the provider's
own settings and each API family's `hdh:*` keys, before any resource is declared.

The composition root's part only: the `hdh:*` model, its parsing and its ConfigError are the engine's
(hdhport/stack_config.py), shared with the API families and the offline commands.
"""
from __future__ import annotations

import pulumi

from hdhport.eu import EU_MEMBER_STATES
from hdhport.model import Catalogue, Profile
from hdhport.registry import SELF_HOSTED
from hdhport.stack_config import ConfigError, StackConfig, provider_region_key, settings_module


def check_against(config: StackConfig, catalogue: Catalogue, profile: Profile) -> None:
    """Checks that need the catalogue and the profile: region, services, sizes."""
    regions = {r.id: r for r in profile.regions}
    region = regions.get(config.region)
    if region is None:
        raise ConfigError("hdh:region", f"'{config.region}' is not a region of profile {profile.id}; "
                                        f"expected one of {', '.join(sorted(regions))}")
    if region.country not in EU_MEMBER_STATES:
        raise ConfigError("hdh:region", f"'{config.region}' is in {region.country}, outside the EU; "
                                        "health data stays in EU regions")
    if config.services is not None:
        known = {s.id for s in catalogue.services}
        unknown = [s for s in config.services if s not in known]
        if unknown:
            raise ConfigError("hdh:services", f"unknown service '{unknown[0]}'; see `hdhport catalog list`")
    settings = settings_module(profile.api_family)
    provider_region = provider_region_key(profile.api_family)
    if provider_region is not None and region.api_names:
        namespace, key = provider_region.split(":")
        given = pulumi.Config(namespace).get(key)
        if given not in region.api_names:
            raise ConfigError(provider_region, f"{'is not set' if given is None else repr(given) + ' is not'} "
                                               f"a name {profile.id} gives region {region.id}; expected one of "
                                               f"{', '.join(region.api_names)}")
    for module in (settings, settings_module(SELF_HOSTED)):
        if module is not None and hasattr(module, "validate"):
            module.validate()  # the family's own keys and the machines' trust anchors, before any resource too
    if config.platform_stack and config.enclave_stacks:
        raise ConfigError("hdh:platformStack", "an enclave stack cannot also delegate its enclaves")
