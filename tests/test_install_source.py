"""hdhport/install_source.py (consistency/install-source): every machine reaches the one source it installs from.
Platform machines reach the artefact mirror through the platform's egress, enclave machines through package_mirror's
relay; each way a machine would boot and install nothing fails, on a plan and on a mutated copy of the program."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from hdhport import paths, planner
from hdhport.install_source import sources, user_data, verdicts
from hdhport.loader import load_catalogue
from hdhport.planner import PlanResult
from test_check import _mutate, _run_gate, copy  # noqa: F401 - the fixture is used by name

MIRROR = "https://artefacts.hdh.example.eu/hdh"
OVH = "ovhcloud-public-cloud"


def _plan(stack: str, **config: object) -> PlanResult:
    return planner.run(stack, planner.stack_config(stack) | {"hdh:enclaves": 1} | {f"hdh:{k}": v for k, v in config.items()})


def _problems(result: PlanResult, family: str) -> dict[str, str]:
    return {v.machine.name: v.problem for v in verdicts(result.resources, family, result.stack_outputs, result.config)
            if v.problem}


def test_platform_machines_install_from_the_mirror_and_enclave_machines_through_the_relay() -> None:
    result = _plan(OVH, artefactMirror=MIRROR)
    found = verdicts(result.resources, "openstack", result.stack_outputs, result.config)
    by_source: dict[str, set[str]] = {}
    for verdict in found:
        assert verdict.problem == "", verdict
        by_source.setdefault(verdict.source, set()).add(verdict.machine.name)
    assert set(by_source) == {"artefacts.hdh.example.eu", "package-mirror.hdh.internal"}
    assert by_source["package-mirror.hdh.internal"] == {"project-001-cpu-vm-vm-0", "project-001-gpu-vm-vm-0"}
    assert "package-mirror-mirror-0" in by_source["artefacts.hdh.example.eu"]


def test_a_stack_without_its_mirror_is_left_to_its_prerequisite() -> None:
    result = _plan(OVH)
    assert _problems(result, "openstack") == {}
    assert any("hdh:artefactMirror" in p.keys for p in result.prerequisites)


def test_without_package_mirror_the_enclaves_machines_reach_nothing() -> None:
    services = [s.id for s in load_catalogue(paths.CATALOGUE).services if s.id != "package_mirror"]
    result = _plan(OVH, artefactMirror=MIRROR, services=services)
    problems = _problems(result, "openstack")
    assert problems == {name: "nothing the plan builds answers package-mirror.hdh.internal"
                        for name in ("project-001-cpu-vm-vm-0", "project-001-gpu-vm-vm-0")}
    (need,) = [p for p in result.prerequisites if p.keys == ("hdh:services",)]
    assert need.blocking and need.needed_by == ("the enclaves' machines (cpu_vm, gpu_vm)",)


def test_a_platform_machine_without_egress_to_an_outside_mirror_fails() -> None:
    result = _plan(OVH, artefactMirror=MIRROR, services=["virtual_network", "private_dns", "package_mirror"])
    assert set(_problems(result, "openstack").values()) == {
        "artefacts.hdh.example.eu is outside the platform, and the plan builds no nat_egress to reach it"}
    with_egress = _plan(OVH, artefactMirror=MIRROR, services=["virtual_network", "private_dns", "nat_egress",
                                                               "package_mirror"])
    assert _problems(with_egress, "openstack") == {}


def test_an_enclave_machine_told_to_install_from_outside_fails() -> None:
    result = _plan(OVH, artefactMirror=MIRROR)
    machine = next(r for r in result.resources if r.name == "project-001-cpu-vm-vm-0")
    text = user_data(machine)
    assert text and sources(text) == [("package-mirror.hdh.internal", 443)]
    inputs = {**machine.inputs, "userData": text.replace("https://package-mirror.hdh.internal/artefacts", MIRROR)}
    mutated = dataclasses.replace(result, resources=[dataclasses.replace(machine, inputs=inputs) if r is machine else r
                                                     for r in result.resources])
    assert _problems(mutated, "openstack") == {"project-001-cpu-vm-vm-0": (
        "artefacts.hdh.example.eu is outside the platform, and an enclave's subnet reaches nothing outside it "
        "(its machines install through package_mirror's relay)")}


def test_azure_machines_need_the_firewalls_rule_for_an_outside_mirror() -> None:
    result = _plan("azure-francecentral", artefactMirror=MIRROR)
    assert _problems(result, "azure") == {}
    assert {v.source for v in verdicts(result.resources, "azure", result.stack_outputs, result.config)} == {
        "artefacts.hdh.example.eu", "package-mirror.hdh.internal"}
    rules = next(r for r in result.resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup")
    inputs = {**rules.inputs, "ruleCollections": [c for c in rules.inputs["ruleCollections"]
                                                  if c["name"] != "artefact-mirror"]}
    mutated = dataclasses.replace(result, resources=[dataclasses.replace(rules, inputs=inputs) if r is rules else r
                                                     for r in result.resources])
    assert set(_problems(mutated, "azure").values()) == {
        "no rule of the perimeter firewall lets the platform's range reach artefacts.hdh.example.eu on 443"}
    # a rule for another port, or from the enclaves' range only, is no way there either
    port_only = _plan("azure-francecentral", artefactMirror="https://artefacts.hdh.example.eu:8443/hdh")
    rules = next(r for r in port_only.resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup")
    (mirror,) = [c for c in rules.inputs["ruleCollections"] if c["name"] == "artefact-mirror"]
    assert mirror["rules"][0]["protocols"] == [{"protocolType": "Https", "port": 8443}]
    assert _problems(port_only, "azure") == {}
    mirror["rules"][0]["protocols"] = [{"protocolType": "Https", "port": 443}]
    assert set(_problems(port_only, "azure").values()) == {
        "no rule of the perimeter firewall lets the platform's range reach artefacts.hdh.example.eu on 8443"}


def test_a_program_that_sends_enclave_machines_to_the_mirror_fails_the_gate(copy: Path) -> None:
    stack = copy / f"Pulumi.{OVH}.yaml"
    stack.write_text(stack.read_text() + f"  hdh:artefactMirror: {MIRROR}\n")
    _mutate(copy / "providers" / "selfhosted" / "service.py", "mirror=trust.mirror if enclave is None else SITE.relay",
            "mirror=trust.mirror")
    run = _run_gate(copy, "--profile", OVH)
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("[consistency/install-source] ovhcloud-public-cloud project-001-cpu-vm-vm-0: project-001-cpu-vm-vm-0 "
            "installs from artefacts.hdh.example.eu: artefacts.hdh.example.eu is outside the platform, and an "
            "enclave's subnet reaches nothing outside it") in run.stdout


def test_inside_the_platform_means_its_zone_and_its_own_ranges() -> None:
    from hdhport.names import inside_platform

    assert inside_platform("package-mirror.hdh.internal") and inside_platform("10.20.3.4")
    assert inside_platform("10.64.0.9")  # an enclave's address (10.64.0.0/10)
    # other private ranges are reached through the platform's egress like any other host
    assert not inside_platform("192.168.50.10") and not inside_platform("10.30.0.5")
    assert not inside_platform("artefacts.hdh.example.eu") and not inside_platform("hdh.internal.example.eu")


def test_an_enclave_stacks_relay_is_its_platform_stacks_to_prove() -> None:
    result = _plan(OVH, platformStack="organization/hdhport/ovhcloud-public-cloud", enclaves=["project-009"],
                   artefactMirror=MIRROR)
    found = verdicts(result.resources, "openstack", result.stack_outputs, result.config)
    assert {v.source for v in found} == {"package-mirror.hdh.internal"} and not [v for v in found if v.problem]
