"""The benchmark's own logic (floor replay, ratios, targets) and the speed-ups it led to, checked for
behaviour, never for time: timings belong to `make bench`."""
from __future__ import annotations

import copy
import gc
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from bench import floor, run
from bench.child import _verify
from hdhport import paths, planner, tokens
from hdhport.loader import load_catalogue

ROOT = Path(__file__).resolve().parent.parent


def _small_program() -> None:
    """A component with a protected network, a subnet depending on it, a secret, outputs and an export."""
    import pulumi
    from pulumi_openstack import networking

    group = pulumi.ComponentResource("hdh:test:Group", "group")
    network = networking.Network("net", name="net", admin_state_up=True,
                                 opts=pulumi.ResourceOptions(parent=group, protect=True, retain_on_delete=True))
    networking.Subnet("subnet", network_id=network.id, cidr="10.0.0.0/24", ip_version=4,
                      allocation_pools=[networking.SubnetAllocationPoolArgs(start="10.0.0.10", end="10.0.0.20")],
                      description=pulumi.Output.secret("not in the plan"),
                      opts=pulumi.ResourceOptions(parent=group, depends_on=[network]))
    group.register_outputs({"network": network.id})
    pulumi.export("network", network.id)


def _recording() -> dict[str, Any]:
    result = planner.record(_small_program, "bench-test", {})
    return {"stack": "bench-test", "config": {}, "stack_outputs": result.stack_outputs,
            "resources": [asdict(r) for r in result.resources]}


@pytest.mark.parametrize("mode", floor.MODES)
def test_the_floor_registers_exactly_what_the_plan_registered(mode: str) -> None:
    recording = _recording()
    assert {r["type"] for r in recording["resources"]} == {
        "hdh:test:Group", "openstack:networking/network:Network", "openstack:networking/subnet:Subnet"}
    verdict = _verify(recording, floor.program(recording, mode))
    assert verdict == {"identical": True, "registrations": 3, "differences": [], "difference_count": 0}


def test_the_floor_check_names_what_differs() -> None:
    recording = _recording()
    replayed = floor.program(recording, "sdk")
    changed = copy.deepcopy(recording)
    subnet = next(r for r in changed["resources"] if r["name"] == "subnet")
    subnet["inputs"]["cidr"] = "10.9.0.0/24"
    subnet["protect"] = True
    verdict = _verify(changed, replayed)
    assert not verdict["identical"]
    assert sorted(d.split(": ")[1] for d in verdict["differences"]) == ["inputs differs", "protect differs"]


def test_the_sdk_floor_builds_nested_inputs_as_the_sdks_typed_classes() -> None:
    from pulumi_openstack import networking

    cls = floor.sdk_class("openstack:networking/subnet:Subnet")
    assert cls is networking.Subnet
    types = __import__("pulumi")._types.input_type_types(floor._args_type(cls))
    built = floor.typed([{"start": "10.0.0.10", "end": "10.0.0.20"}], types["allocationPools"])
    assert isinstance(built[0], networking.SubnetAllocationPoolArgs)
    assert floor.typed({"unknown": 1}, types["allocationPools"]) == {"unknown": 1}
    with pytest.raises(ValueError, match="unknown floor mode"):
        floor.program({}, "fast")


def _row(stack: str, enclaves: int, resources: int, seconds: float, peak: float = 100.0) -> dict[str, Any]:
    return {"stack": stack, "enclaves": enclaves, "resources": resources,
            "plan": {"seconds": seconds, "cpu_seconds": seconds, "peak_mib": peak},
            "plan_over_floor_sdk": 1.0, "plan_over_floor_sdk_cpu": 1.0}


def test_scaling_compares_time_growth_with_resource_growth() -> None:
    rows = [_row("s", 1, 100, 2.0), _row("s", 55, 1000, 11.0), _row("s", 500, 10_000, 110.0)]
    grow = run.scaling(rows)["s"]
    assert grow["time_ratio"] == pytest.approx(10.0)
    assert grow["resource_ratio"] == pytest.approx(10.0)
    assert grow["growth_over_linear"] == pytest.approx(1.0)
    assert grow["growth_over_linear_cpu"] == pytest.approx(1.0)
    assert grow["marginal_ms_per_resource_small"] == pytest.approx(10.0)  # (11 - 2) s / 900 resources
    assert grow["marginal_ms_per_resource_large"] == pytest.approx(11.0)  # (110 - 11) s / 9000 resources
    assert run.scaling([_row("s", 55, 1000, 11.0)]) == {}


def test_targets_flag_what_is_missed() -> None:
    rows = [_row("s", 55, 1000, 10.0), _row("s", 500, 10_000, 150.0, peak=3000.0)]
    rows[1]["plan_over_floor_sdk_cpu"] = 1.31
    rows[0]["plan_over_floor_sdk"] = 1.72  # wall time stretched by a neighbour: information, not the target
    commands = {"python -c 'import yaml'": {"median": 0.05}, "hdhport validate": {"median": 0.3},
                "hdhport diff --all": {"median": 0.6}}
    found = {t["target"]: t["met"] for t in run.targets(rows, run.scaling(rows), commands, {"process_seconds": 90.0})}
    assert found == {"plan/floor s 55": True, "plan/floor s 500": False, "peak memory s 500": False,
                     "growth 55->500 over linear s": False, "hdhport validate - import yaml": True,
                     "hdhport diff --all - import yaml": False, "hdhport check --all": True}


def test_the_object_move_figures_are_carried_with_their_targets(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`make bench` carries bench/objects-results.json (make bench-objects) under "objects", its ratios checked
    as floors and the 1,000,000-object peak memory as a ceiling; --objects-only refreshes them alone."""
    row = {"verified": {"ratio_to_raw": 0.4}, "target_ratio": 0.333}
    large = {"verified": {"ratio_to_raw": 0.45}, "target_ratio": 0.5}
    figures = {"date": "d", "pairs": {"local": {"datasets": {"small": row, "large": large}}},
               "manifest_memory": {"runs": {"10000": {}, "1000000": {}}, "target_ratio": 1.5, "target_met": False,
                                   "peak_ratio_to_smallest": {"10000": {"build": 1.0, "resume": 1.0},
                                                              "1000000": {"build": 11.1, "resume": 16.5}}}}
    found = {t["target"]: (t["value"], t["met"]) for t in run.objects_targets(figures)}
    assert found == {"verified move / raw copy local small": (0.4, True),
                     "verified move / raw copy local large": (0.45, False),
                     "peak memory 1,000,000 / 10,000 objects": (16.5, False)}
    assert run.objects_targets(None) == []
    source, out = tmp_path / "objects-results.json", tmp_path / "results.json"
    source.write_text(json.dumps(figures), encoding="utf-8")
    out.write_text(json.dumps({"plans": [], "targets": [{"target": "plan/floor s 55", "met": True}]}), encoding="utf-8")
    monkeypatch.setattr(run, "OBJECTS_RESULTS", source)
    monkeypatch.setattr(run, "objects_figures", lambda path=source: json.loads(path.read_text(encoding="utf-8")))
    assert run.main(["--objects-only", "--out", str(out)]) == 1
    assert run.main(["--objects-only", "--out", str(out)]) == 1  # twice: the objects targets replaced, not added
    carried = json.loads(out.read_text(encoding="utf-8"))
    assert carried["objects"]["pairs"] == figures["pairs"] and len(carried["targets"]) == 4


def test_bench_runs_end_to_end_and_writes_its_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    code = run.main(["--sizes", "1", "--stacks", "openstack-reference", "--repeat", "1", "--command-repeat", "1",
                     "--skip", "check", "--out", str(out)])
    results = json.loads(out.read_text(encoding="utf-8"))
    (row,) = results["plans"]
    assert row["floor_identical"] is True and row["floor_differences"] == []
    assert row["resources"] > 500 and row["registrations"] > row["resources"]
    assert row["plan"]["seconds"] > 0 and row["floor_sdk"]["seconds"] > 0 and row["plan"]["peak_mib"] > 0
    assert set(results["commands"]) == set(run.COMMANDS)
    assert code == (0 if all(t["met"] for t in results["targets"]) else 1)
    printed = capsys.readouterr().out
    assert "openstack-reference" in printed and "hdhport diff --all" in printed and "written" in printed


# ------------------------------------------------------------------ what the benchmark led to

def test_token_table_answers_without_importing_the_submodule() -> None:
    probe = ("import sys; from hdhport import tokens; "
             "print(tokens.declared('azure-native:keyvault:Vault'), tokens.declared('azure-native:keyvault:Nope'), "
             "tokens.declared('openstack:compute/instance:Instance'), tokens.declared('nocloud:x:Y'), "
             "'pulumi_azure_native.keyvault.vault' in sys.modules)")  # the SDK registers submodules lazily
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "True", "False", "False"]
    assert tokens.unresolved(["azure-native:keyvault:Vault", "azure-native:keyvault:Nope"]) == [
        "azure-native:keyvault:Nope"]


def test_the_catalogue_is_parsed_once_until_its_file_changes(tmp_path: Path) -> None:
    copy_ = tmp_path / "services_catalog.yaml"
    shutil.copy(paths.CATALOGUE, copy_)
    first = load_catalogue(copy_)
    assert load_catalogue(copy_) is first
    with copy_.open("a", encoding="utf-8") as edited:
        edited.write("# edited\n")
    os.utime(copy_, ns=(1, 1))  # even with an mtime the filesystem's clock could repeat, the size differs
    assert load_catalogue(copy_) is not first


#: Per stack: the look-ups every service and enclave shares, and how many different answers they need.
SHARED_LOOK_UPS = {
    "openstack-reference": {"openstack:images/getImage:getImage": 2,  # one per distinct image name, at most
                            "openstack:identity/getAuthScope:getAuthScope": 1,
                            "openstack:networking/getPort:getPort": 1},
    "azure-francecentral": {"azure-native:authorization:getClientConfig": 1},
}


@pytest.mark.parametrize("stack", sorted(SHARED_LOOK_UPS))
def test_shared_look_ups_are_made_once_per_run_whatever_the_number_of_enclaves(
        stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Counting(dict[str, dict[str, Any]]):
        def get(self, token: str, default: Any = None) -> Any:  # type: ignore[override]
            asked.append(token)
            return super().get(token, default)

    monkeypatch.setattr(planner, "MOCK_CALLS", Counting(planner.MOCK_CALLS))
    for enclaves in (1, 4):
        asked.clear()
        config = planner.stack_config(stack)
        config["hdh:enclaves"] = enclaves
        planner.run(stack, config)
        for token, most in SHARED_LOOK_UPS[stack].items():
            assert 1 <= asked.count(token) <= most, (token, enclaves, asked.count(token))


def test_the_engine_settings_are_restored_after_a_plan() -> None:
    from pulumi.runtime import resource as sdk_resource

    before = (gc.get_threshold(), gc.get_freeze_count(), sdk_resource._get_stack_trace)
    with planner.offline_engine():
        assert gc.get_threshold() == planner.GC_THRESHOLDS
        assert sdk_resource._get_stack_trace is not before[2]
    assert (gc.get_threshold(), gc.get_freeze_count(), sdk_resource._get_stack_trace) == before
