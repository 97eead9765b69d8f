"""Self-hosted machines call platform services by their private names: where private_dns is native, every
self-hosted service publishes its name in the platform's zone as it is built; where not, the plan says so."""
from __future__ import annotations

from functools import cache

import pytest

from hdhport import planner
from hdhport.planner import PlanResult

RECORD_TYPES = {"azure-francecentral": "azure-native:privatedns:PrivateRecordSet",
                "openstack-reference": "openstack:dns/recordSet:RecordSet"}


@cache
def _plan(stack: str) -> PlanResult:
    config = planner.stack_config(stack)
    config["hdh:enclaves"] = 1
    return planner.run(stack, config)


def _labels(result: PlanResult, token: str) -> set[str]:
    names = set()
    for resource in result.resources:
        if resource.type == token:
            name = resource.inputs.get("relativeRecordSetName") or str(resource.inputs.get("name", ""))
            names.add(name.removesuffix(".hdh.internal."))
    return names


@pytest.mark.parametrize("stack", sorted(RECORD_TYPES))
def test_every_self_hosted_service_publishes_its_name_where_private_dns_is_native(stack: str) -> None:
    result = _plan(stack)
    resolutions = result.stack_outputs["resolutions"]
    assert resolutions["private_dns"]["way"] == "native"
    self_hosted = {sid.replace("_", "-") for sid, r in resolutions.items() if r["way"] == "self-hosted"}
    assert self_hosted, "no self-hosted service to publish"
    assert self_hosted <= _labels(result, RECORD_TYPES[stack])
    assert not any("private names" in warning for warning in result.warnings)


def test_a_self_hosted_private_dns_answers_the_names_from_the_machines_so_nothing_is_left_to_add() -> None:
    config = planner.stack_config("scaleway-fr-par")
    config["hdh:enclaves"] = 1
    result = planner.run("scaleway-fr-par", config)
    assert [w for w in result.warnings if "private names" in w] == []
    placement = result.stack_outputs["placement"]
    assert (placement["dns_resolvers"], placement["dns_aliases"]) == ("private-dns-pdns", "")
    servers = {r.name for r in result.resources if r.type == "scaleway:instance/server:Server"}
    assert {"private-dns-pdns-0", "private-dns-pdns-1", "message-queue-rabbitmq-0"} <= servers