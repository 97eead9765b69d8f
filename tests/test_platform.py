"""The platform program: config validated before any resource, resolution, whole-platform plans."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from hdhport import paths, planner
from hdhport.loader import load_specification
from hdhport.planner import PlanResult
from hdhport.resolve import resolve
from infra.config import ConfigError, parse
from infra.program import GapError

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
KEY = planner.EXAMPLE_SSH_KEY
DEPLOYABLE = ("azure-francecentral", "ovhcloud-public-cloud", "ovhcloud-bare-metal-pod-snc", "openstack-reference")


def _config(**overrides: object) -> dict[str, object]:
    config: dict[str, object] = {"hdh:profile": "openstack-reference", "hdh:region": "operator-declared",
                                 "hdh:adminSshPublicKey": KEY, "hdh:gpuFlavor": "g1", "hdh:enclaves": 0}
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


@pytest.mark.parametrize("overrides,key,fragment", [
    ({"hdh:profile": None}, "hdh:profile", "is required"),
    ({"hdh:region": "us-east-1"}, "hdh:region", "is not a region of profile openstack-reference"),
    ({"hdh:enclaves": "many"}, "hdh:enclaves", "expected a number of projects or a list"),
    ({"hdh:enclaves": ["Bad_Name"]}, "hdh:enclaves", "project ids are lowercase"),
    ({"hdh:enclaves": ["a1", "a1"]}, "hdh:enclaves", "must be unique"),
    ({"hdh:allowGaps": "perhaps"}, "hdh:allowGaps", "expected true or false"),
    ({"hdh:colour": "blue"}, "hdh:colour", "unknown key"),
    ({"hdh:adminSshPublicKey": "hunter2"}, "hdh:adminSshPublicKey", "OpenSSH public key"),
    ({"hdh:services": ["object_storage", "teleporter"]}, "hdh:services", "unknown service 'teleporter'"),
    ({"hdh:gpuFlavor": None}, "hdh:gpuFlavor", "declares no default"),
    ({"hdh:firstEnclaveIndex": -1}, "hdh:firstEnclaveIndex", "expected 0 to"),
])
def test_bad_stack_config_fails_before_any_resource_naming_the_key(
        overrides: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        result = planner.run("bad", _config(**overrides))
        pytest.fail(f"planned {len(result.resources)} resources")
    assert caught.value.key == key
    assert fragment in str(caught.value)


def test_a_region_outside_the_eu_is_refused(tmp_path: Path) -> None:
    text = (paths.PROFILES_DIR / "openstack-reference.yaml").read_text()
    text = text.replace("country: FR", "country: US", 1)
    profile = tmp_path / "abroad.yaml"
    profile.write_text(text)
    with pytest.raises(ConfigError, match="outside the EU"):
        planner.run("abroad", _config(**{"hdh:profile": str(profile)}))


def test_gaps_fail_the_run_listing_every_one() -> None:
    with pytest.raises(GapError) as caught:
        planner.run("bmp", {"hdh:profile": "ovhcloud-bare-metal-pod-snc", "hdh:region": "fr-unnamed",
                            "hdh:adminSshPublicKey": KEY})
    gaps = [r for r in resolve(SPEC.catalogue, SPEC.profiles["ovhcloud-bare-metal-pod-snc"]) if r.way == "gap"]
    assert len(caught.value.gaps) == len(gaps) > 1
    assert all(g.service in str(caught.value) for g in gaps)


def test_config_parse_accepts_a_count_or_a_list_of_projects() -> None:
    assert parse({"profile": "p", "region": "r", "adminSshPublicKey": KEY, "enclaves": 2}).enclaves == (
        "project-001", "project-002")
    assert parse({"profile": "p", "region": "r", "adminSshPublicKey": KEY, "enclaves": ["genomics"]}).enclaves == (
        "genomics",)


@pytest.mark.parametrize("profile", ["azure-francecentral", "openstack-reference"])
def test_baseline_profiles_resolve_every_service_without_a_gap(profile: str) -> None:
    assert [r.service for r in resolve(SPEC.catalogue, SPEC.profiles[profile]) if r.way == "gap"] == []


@cache
def planned(stack: str, enclaves: int = 1) -> PlanResult:
    config = planner.stack_config(stack)
    config["hdh:enclaves"] = enclaves
    return planner.run(stack, config)


@pytest.mark.parametrize("stack", DEPLOYABLE)
def test_every_deployable_profile_plans(stack: str) -> None:
    result = planned(stack)
    resolutions = result.stack_outputs["resolutions"]
    assert set(resolutions) == {s.id for s in SPEC.catalogue.services}
    built = set(result.stack_outputs["services"])
    assert built == {sid for sid, r in resolutions.items() if r["way"] != "gap"}
    assert set(result.stack_outputs["enclaves"]) == {"project-001"}


def test_azure_workload_identity_trusts_the_aks_clusters_service_account_tokens() -> None:
    result = planned("azure-francecentral")
    (cluster,) = [r for r in result.resources if r.type == "azure-native:containerservice:ManagedCluster"]
    (identity,) = [r for r in result.resources if r.type == "azure-native:managedidentity:UserAssignedIdentity"
                   and r.name == "workload-identity-identity"]
    (credential,) = [r for r in result.resources
                     if r.type == "azure-native:managedidentity:FederatedIdentityCredential"]
    assert credential.inputs["issuer"] == planner.COMPUTED  # the cluster's issuer URL, known once it exists
    assert credential.inputs["subject"] == "system:serviceaccount:hdh-platform:workload"
    assert credential.inputs["audiences"] == ["api://AzureADTokenExchange"]
    assert credential.inputs["resourceName"] == identity.inputs["resourceName"]
    assert {cluster.urn, identity.urn} <= set(credential.dependencies)


@pytest.mark.parametrize("stack", DEPLOYABLE)
def test_every_resource_is_tagged_or_inside_a_tagged_component(stack: str) -> None:
    result = planned(stack)
    untagged = [r.name for r in result.resources if r.custom and "tags" in r.inputs
                and isinstance(r.inputs["tags"], dict) and "hdh-service" not in r.inputs["tags"]]
    assert untagged == []


def test_enclave_stacks_split_the_projects() -> None:
    from hdhport.plan_cli import _runs

    runs = _runs("ovhcloud-public-cloud", planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": 5}, 2)
    assert [name for name, _ in runs] == ["ovhcloud-public-cloud", "ovhcloud-public-cloud-enclaves-01",
                                          "ovhcloud-public-cloud-enclaves-02", "ovhcloud-public-cloud-enclaves-03"]
    platform = planner.run(*runs[0])
    assert platform.stack_outputs["enclaves"] == {}
    enclaves = planner.run(*runs[2])
    assert set(enclaves.stack_outputs["enclaves"]) == {"project-003", "project-004"}
    assert any(r.type == "pulumi:pulumi:StackReference" for r in enclaves.resources)


@pytest.mark.parametrize("stack", DEPLOYABLE)
def test_no_data_bearing_resource_without_protect_and_customer_key_nor_public_endpoint(stack: str) -> None:
    from hdhport.policy_runner import evaluate
    from policies import hdh_policies as policies

    result = planned(stack)
    chosen = [policies.protect_data_bearing, policies.customer_managed_key, policies.encryption_at_rest,
              policies.no_public_endpoint, policies.allowed_regions]
    assert [f"{v.policy}: {v.name}: {v.message}" for v in evaluate(result.resources, chosen)] == []
    data_bearing = [r for r in result.resources if r.custom and policies.is_data_bearing(r.type, r.inputs)]
    assert all(r.protect and r.retain_on_delete for r in data_bearing)
    # the bare-metal pod exposes no storage API: its data services are all gaps, so it holds no data
    assert bool(data_bearing) == (stack != "ovhcloud-bare-metal-pod-snc")


def test_plan_command_writes_json_markdown_and_graph(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    result = cli("plan", "--profile", "openstack-reference", "--enclaves", "2", "--out", str(tmp_path))
    assert result.code == 0, result.err
    document = json.loads((tmp_path / "plan.json").read_text())
    assert document["profile"] == "openstack-reference"
    assert document["summary"]["enclaves"] == ["project-001", "project-002"]
    assert {s["resolution"] for s in document["services"]} <= {"native", "self-hosted"}
    assert all(s["reason"] for s in document["services"])
    resource = next(r for r in document["resources"] if r["type"] == "openstack:objectstorage/container:Container")
    assert resource["protect"] and resource["retain_on_delete"] and resource["parent"]
    markdown = (tmp_path / "plan.md").read_text()
    assert "```mermaid" in markdown and "## Services" in markdown
    assert (tmp_path / "plan.dot").read_text().startswith("digraph plan {")
    assert (tmp_path / "plan.svg").exists()
    assert "no cloud call was made" in result.out


def test_plan_command_shows_the_programs_warnings_once_each(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    result = cli("plan", "--profile", "ovhcloud-public-cloud", "--enclaves", "2", "--out", str(tmp_path))
    assert result.code == 0, result.err
    warnings = json.loads((tmp_path / "plan.json").read_text())["warnings"]
    assert any("secrets_store is OpenStack Barbican" in w for w in warnings)
    shown = [line.removeprefix("ovhcloud-public-cloud: warning: ") for line in result.err.splitlines()]
    assert shown == list(dict.fromkeys(warnings))  # every warning, in order, each once


def test_plan_command_reports_bad_stack_config_as_bad_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--profile", "openstack-reference", "--enclaves", "99999", "--out", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith("Pulumi.openstack-reference.yaml:1:1: hdh:enclaves: expected 0 to 16384 projects")
    assert not (tmp_path / "plan.json").exists()


def test_plan_command_fails_on_gaps_listing_them(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--stack", "ovhcloud-bare-metal-pod-snc", "--out", str(tmp_path))
    assert result.code == 0, result.err  # its stack file allows the gaps
    document = __import__("json").loads((tmp_path / "plan.json").read_text())
    gaps = [s for s in document["services"] if s["resolution"] == "gap"]
    assert gaps and all("lacks" in s["reason"] or "needs" in s["reason"] for s in gaps)
