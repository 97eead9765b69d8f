"""A plan past a provider limit is refused before anything is written, naming the limit and its source."""
from __future__ import annotations

from pathlib import Path

from conftest import Result
from hdhport.limits import LIMITS, breaches
from hdhport.planner import PlannedResource


def _resources(token: str, count: int) -> list[PlannedResource]:
    return [PlannedResource(urn=f"urn:{i}", type=token, name=f"r{i}", parent="", custom=True, protect=False,
                            retain_on_delete=False, dependencies=[], inputs={}) for i in range(count)]


def test_every_limit_names_its_source_and_date() -> None:
    assert LIMITS and all(limit.source and len(limit.date) == 10 for limit in LIMITS)


def test_counts_over_a_limit_are_breaches_and_at_the_limit_are_not() -> None:
    token = "azure-native:network:PrivateEndpoint"
    assert breaches("azure", _resources(token, 1000)) == []
    (breach,) = breaches("azure", _resources(token, 1001))
    assert breach.describe().startswith("1001 private endpoints in one virtual network planned, over Azure's limit "
                                        "of 1000 (Azure Private Link limits")
    assert breaches("openstack", _resources(token, 5000)) == []  # another family's limits do not apply


def test_a_plan_past_azures_storage_account_limit_is_refused_and_writes_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "plan"
    result: Result = cli("plan", "--profile", "azure-francecentral", "--enclaves", "130", "--out", str(out))
    assert result.code == 1
    assert "azure-francecentral cannot be deployed at this size (nothing written): 269 storage accounts per region " \
           "per subscription" in result.err
    assert not out.exists()
