"""Every implementation the registry knows, recorded once per test session on the mock engine."""
from __future__ import annotations

from functools import cache

from hdhport import registry
from hdhport.planner import PlanResult
from providers.testing import record_service


def cases() -> list[tuple[str, str, str]]:
    """(service, registry family, api family) for every registered implementation; self-hosted on both clouds."""
    found = []
    for service, family in sorted(registry.keys()):
        if family == registry.SELF_HOSTED:
            found += [(service, family, api) for api in registry.API_FAMILIES]
        else:
            found.append((service, family, family))
    return found


def case_id(case: tuple[str, str, str]) -> str:
    service, family, api = case
    return f"{service}-{family}" + (f"-on-{api}" if family != api else "")


@cache
def recorded(service: str, family: str, api: str) -> PlanResult:
    return record_service(service, family, api_family=api)
