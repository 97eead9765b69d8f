"""The CI gate: passes on the shipped files, fails precisely on each mutation, writes valid JUnit and SARIF."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import DATA, ROOT
from hdhport.check import Report, check


@cache
def shipped() -> Report:
    return check()


def test_the_gate_passes_on_the_shipped_files() -> None:
    report = shipped()
    assert [f"{f.phase}/{f.check} {f.profile} {f.service}: {f.message}" for f in report.failures] == []
    assert set(report.phase_seconds) == {"specification", "registry", "plan", "equivalence", "policies",
                                         "consistency", "sovereignty"}
    assert any(f.phase == "consistency" and f.check == "own-azure-policy" and f.ok for f in report.findings)
    logs = [f for f in report.findings if f.check == "machine-logs"]
    assert [(f.profile, f.service) for f in logs if not f.message] == [("azure-francecentral", "log_analytics")]
    # What Azure cannot do is said where it stands, without failing the gate.
    (pool,) = [f for f in logs if f.message]
    assert pool.ok and pool.service == "batch_compute" and "node logs cannot reach the workspace" in pool.message


def test_junit_has_one_case_per_check_profile_and_service(tmp_path: Path) -> None:
    from hdhport.ci_reports import junit

    root = ET.fromstring(junit(shipped()))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(shipped().findings)
    names = {(c.get("classname"), c.get("name")) for c in cases}
    assert ("hdhport.plan.openstack-reference", "resolved[object_storage]") in names
    assert ("hdhport.policies.azure-francecentral", "all-policies[object_storage]") in names


def test_the_stacks_prerequisites_are_reported_without_failing_the_gate_and_no_warning_is_left(tmp_path: Path) -> None:
    """Issue 12: every shipped stack plans without a warning; what each must be given before `pulumi up` is a
    prerequisite (NEED), what it leaves to the operator a step (STEP), both beside the checks, never failures."""
    from hdhport.ci_reports import junit, sarif

    report = shipped()
    assert report.ok and report.warnings == []
    needs = {(f.profile, f.message) for f in report.prerequisites}
    assert len(needs) == len(report.prerequisites)  # each once per profile
    assert all(f.ok and f.rule == "plan-prerequisite" for f in report.prerequisites)
    assert any(profile == "ovhcloud-public-cloud" and message.startswith("hdh:platformRootCa, hdh:archiveKeyring, "
               "hdh:artefactMirror") for profile, message in needs)
    assert {f.check for f in report.prerequisites} == {"prerequisite", "operator-step"}
    document = json.loads(sarif(report))
    jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text())).validate(document)
    levels = {r["message"]["text"]: r["level"] for r in document["runs"][0]["results"]}
    assert len(levels) == len(report.prerequisites) and set(levels.values()) == {"note"}
    cases = [c for c in ET.fromstring(junit(report)).iter("testcase") if c.get("name", "").startswith("prerequisite[")]
    assert sorted(c.findtext("system-out") or "" for c in cases) == \
        sorted(f.message for f in report.prerequisites if f.check == "prerequisite")


def _run_gate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "hdhport.cli", "check", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    # What git ignores is left behind: the venvs, caches and .tools (a built engine, a running cloud's sockets).
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".venv", ".venv-drift", ".git", "out", "__pycache__",
                                                                  ".mypy_cache", ".pytest_cache", ".hypothesis",
                                                                  "node_modules", ".tools"))
    return target


def _mutate(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _sarif_results(path: Path) -> list[dict[str, object]]:
    document = json.loads(path.read_text())
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    return list(document["runs"][0]["results"])


def test_removing_an_openstack_implementation_fails_the_registry_check(copy: Path) -> None:
    table = copy / "providers" / "openstack" / "registry.py"
    lines = [line for line in table.read_text().splitlines() if not line.strip().startswith('"object_storage"')]
    table.write_text("\n".join(lines) + "\n")
    run = _run_gate(copy, "--profile", "openstack-reference", "--sarif", "out.sarif")
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("[registry/implemented] openstack object_storage: the catalogue promises a 'openstack' "
            "implementation; the registry has none") in run.stdout
    results = _sarif_results(copy / "out.sarif")
    assert any(r["ruleId"] == "registry-agreement" and "object_storage" in r["message"]["text"]  # type: ignore[index]
               for r in results)


def test_removing_a_scaleway_implementation_fails_the_registry_check(copy: Path) -> None:
    table = copy / "providers" / "scaleway" / "registry.py"
    lines = [line for line in table.read_text().splitlines() if not line.strip().startswith('"relational_database"')]
    table.write_text("\n".join(lines) + "\n")
    run = _run_gate(copy, "--profile", "scaleway-fr-par")
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("[registry/implemented] scaleway relational_database: the catalogue promises a 'scaleway' "
            "implementation; the registry has none") in run.stdout


def test_public_network_access_on_a_storage_account_fails_the_policies(copy: Path) -> None:
    _mutate(copy / "providers" / "azure" / "storage_account.py", "PublicNetworkAccess.DISABLED",
            "PublicNetworkAccess.ENABLED")
    run = _run_gate(copy, "--profile", "azure-francecentral")
    assert run.returncode == 1
    assert "[policies/no-public-endpoint]" in run.stdout
    assert "publicNetworkAccess is 'Enabled'; the data plane has no public endpoint (set Disabled)" in run.stdout


def test_a_vm_outside_the_eu_fails_the_policies(copy: Path) -> None:
    _mutate(copy / "providers" / "azure" / "iaas.py", "location=self.placement.region", 'location="eastus"')
    run = _run_gate(copy, "--profile", "azure-francecentral")
    assert run.returncode == 1
    assert "[policies/allowed-regions]" in run.stdout and "location 'eastus' is outside the EU" in run.stdout


def test_a_resource_the_programs_own_azure_policy_refuses_fails_the_consistency_check(copy: Path) -> None:
    # Without the stated exception, the virtual desktop's control plane in West Europe is refused by the
    # program's own residency rule: the first `pulumi up` after the assignment would stop there.
    _mutate(copy / "providers" / "azure" / "policy_governance.py",
            '{"field": "location", "in": sorted(METADATA_LOCATIONS)}', '{"field": "location", "in": []}')
    run = _run_gate(copy, "--profile", "azure-francecentral")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[consistency/own-azure-policy] azure-francecentral virtual_desktop:" in run.stdout
    assert "is refused by the platform's own Deny rule hdh-allowed-locations" in run.stdout


def test_a_machine_that_sends_no_log_fails_the_machine_logs_check(copy: Path) -> None:
    # The platform review's F15: session hosts without the Azure Monitor Agent and its associations send nothing
    # to the workspace, and no other check sees it.
    _mutate(copy / "providers" / "azure" / "virtual_desktop.py",
            '            collect_machine_logs(self, host, vm, p, self.tags, "windows")\n', "")
    run = _run_gate(copy, "--profile", "azure-francecentral", "--sarif", "out.sarif")
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("[consistency/machine-logs] azure-francecentral virtual_desktop: virtual-desktop-host-0 "
            "(azure-native:compute:VirtualMachine) sends no log to the workspace: it lacks the AzureMonitorWindowsAgent "
            "extension; an association with a Windows event-log rule sending to a Log Analytics workspace; the "
            "configurationAccessEndpoint association with the data collection endpoint") in run.stdout
    assert run.stdout.count("[consistency/machine-logs]") == 2  # both hosts, nothing else
    results = _sarif_results(copy / "out.sarif")
    assert sum(r["ruleId"] == "machine-logs" for r in results) == 2


def test_an_empty_barbican_secret_fails_the_consistency_check(copy: Path) -> None:
    # What a real Barbican refused (make e2e): a secret created without its payload.
    _mutate(copy / "providers" / "openstack" / "secrets_store.py", "        refs = []\n",
            '        refs = []\n        keymanager.SecretV1(self.role("empty"), name="x", secret_type="passphrase", '
            'opts=self.child())\n')
    run = _run_gate(copy, "--profile", "openstack-reference")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[consistency/barbican-secret-payload] openstack-reference secrets_store:" in run.stdout
    assert "Barbican refuses an empty one (415)" in run.stdout


def test_self_hosted_machines_without_their_secrets_store_fail_the_consistency_check(copy: Path) -> None:
    # The platform review's F1: machines that log in to an OpenBao nobody builds wait forever at boot.
    _mutate(copy / "providers" / "selfhosted" / "bootstrap.py",
            '        if resolutions[service_id].way == "self-hosted":\n',
            '        if resolutions[service_id].way == "self-hosted" or service_id == "secrets_store":\n')
    run = _run_gate(copy, "--profile", "ovhcloud-public-cloud")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[consistency/machine-boot] ovhcloud-public-cloud secrets_store: the machines of 36 self-hosted " \
           "service(s) call the self-hosted secrets_store at boot, and the plan builds none" in run.stdout
    assert "certificate_management" not in run.stdout.split("[consistency/machine-boot]", 1)[1].split("\n")[0]


def test_a_service_published_nowhere_fails_the_private_names_check(copy: Path) -> None:
    # Designate hands its zone on: a service that skipped its record would be called by a name nobody answers.
    _mutate(copy / "providers" / "openstack" / "iaas.py", "        if isinstance(zone, str) and not zone:\n",
            '        if isinstance(zone, str) and not zone or label == "message-queue":\n')
    run = _run_gate(copy, "--profile", "openstack-reference")
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("[consistency/private-names] openstack-reference message_queue: machines call "
            "message-queue.hdh.internal: no record message-queue-name in the native private zone") in run.stdout


def test_recursors_that_are_not_built_fail_the_private_names_check(copy: Path) -> None:
    # Where PowerDNS is self-hosted, its recursors name every service after its machine 0; renamed, they are gone.
    _mutate(copy / "providers" / "selfhosted" / "specs.py", '"private_dns": _spec("pdns",', '"private_dns": _spec("dns",')
    run = _run_gate(copy, "--profile", "scaleway-fr-par")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[consistency/private-names] scaleway message_queue: machines call message-queue.hdh.internal: " \
           "the self-hosted recursors are not built" in run.stdout


@pytest.mark.parametrize(("file", "before", "after", "profile", "expected"), [
    # Peers and the recursors find a machine by the name the network's DNS gives its port; a port left unnamed
    # answers host-<address> only.
    (("openstack", "iaas.py"), "name=host, dns_name=host,", "name=host,", "openstack-reference",
     "[consistency/machine-names] openstack-reference message-queue-rabbitmq-0: machine message-queue-rabbitmq-0: "
     "its port message-queue-rabbitmq-0-port carries dns_name None, not 'message-queue-rabbitmq-0': its peers "
     "cannot find it by name"),
    (("selfhosted", "specs.py"), '"private_dns": _spec("pdns",', '"private_dns": _spec("P_DNS",', "scaleway-fr-par",
     "[consistency/machine-names] scaleway private-dns-P_DNS-0: machine private-dns-P_DNS-0: its name "
     "'private-dns-P_DNS-0' is not one DNS label"),
], ids=["port-without-the-name", "name-no-hostname"])
def test_a_machine_the_network_cannot_name_fails_the_machine_names_check(
        copy: Path, file: tuple[str, str], before: str, after: str, profile: str, expected: str) -> None:
    _mutate(copy / "providers" / file[0] / file[1], before, after)
    run = _run_gate(copy, "--profile", profile)
    assert run.returncode == 1, run.stdout + run.stderr
    assert expected in run.stdout


@pytest.mark.parametrize(("before", "after", "expected"), [
    # Scaleway's bucket policies allow only whom they name: one that only refuses plain HTTP keeps the bucket
    # from its own deployment.
    ('{"Sid": "deployment", "Effect": "Allow"', '{"Sid": "deployment", "Effect": "Deny"',
     "[consistency/bucket-access] scaleway object_storage: bucket policy object-storage-objects-policy: it does not "
     "allow the deploying principal every action: the bucket is lost to the deployment"),
    ("    if workload:\n", "    if False:\n",
     "[consistency/bucket-access] scaleway object_storage: bucket policy project-001-object-storage-objects-policy: "
     "it does not name the workload identity of project-001: its workloads cannot reach their bucket"),
], ids=["deployer-locked-out", "workload-locked-out"])
def test_a_bucket_policy_that_locks_out_its_users_fails_the_bucket_access_check(
        copy: Path, before: str, after: str, expected: str) -> None:
    _mutate(copy / "providers" / "scaleway" / "object_storage.py", before, after)
    run = _run_gate(copy, "--profile", "scaleway-fr-par")
    assert run.returncode == 1, run.stdout + run.stderr
    assert expected in run.stdout


def test_a_secret_in_a_cloud_init_template_fails_the_policies(copy: Path) -> None:
    _mutate(copy / "providers" / "selfhosted" / "templates" / "message_queue.yaml.j2",
            "      loopback_users.guest = true", "      loopback_users.guest = true\n      default_pass = Wq8zR3tLm9Vx2Kp7")
    run = _run_gate(copy, "--profile", "openstack-reference")
    assert run.returncode == 1
    assert "[policies/no-secret-in-clear]" in run.stdout and "message_queue" in run.stdout


def test_a_malformed_qualification_date_fails_the_specification(copy: Path) -> None:
    profile = copy / "providers" / "profiles" / "outscale.yaml"
    text = profile.read_text()
    import re

    mutated = re.sub(r"qualified_on: \d{4}-\d{2}-\d{2}", "qualified_on: 2025-13-45", text, count=1)
    if mutated == text:
        mutated = text.replace("qualified_on: null", "qualified_on: 2025-13-45", 1)
    assert mutated != text
    profile.write_text(mutated)
    run = _run_gate(copy, "--profile", "openstack-reference", "--junit", "out.xml")
    assert run.returncode == 1
    assert "providers/profiles/outscale.yaml:" in run.stdout
    assert ("qualifications.secnumcloud.qualified_on: expected a date written YYYY-MM-DD, or YYYY-MM when the "
            "source gives only the month (got '2025-13-45')") in run.stdout
    failures = ET.parse(copy / "out.xml").getroot().findall(".//failure")
    assert any("2025-13-45" in (f.get("message") or "") for f in failures)


def test_unknown_profile_is_bad_input() -> None:
    run = subprocess.run([sys.executable, "-m", "hdhport.cli", "check", "--profile", "nowhere"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no stack file Pulumi.nowhere.yaml" in run.stderr


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_example_pipelines_are_valid_yaml_running_the_gate_and_keeping_both_reports(name: str) -> None:
    text = (ROOT / "docs" / "ci" / name).read_text()
    pipeline = yaml.safe_load(text)
    assert isinstance(pipeline, dict)
    assert "hdhport check --all --junit out/check/junit.xml --sarif out/check/hdhport.sarif" in text
    assert "out/check/" in text
    assert "make bench" in text and "bench/results.json" in text  # the scheduled benchmark keeps its figures
    assert "make drift" in text  # the scheduled run on the newest releases, beside the locked gate


def test_ci_entry_point_runs_the_tests_then_the_gate() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert script.index("make test") < script.index("hdhport check --all")
