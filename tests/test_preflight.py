"""`hdhport preflight`: the stack's cloud prerequisites asked of a real OpenStack, read-only, as the deployer.

The checks against a cloud need one: `make cloud` starts the local OpenStack shaped like OVHcloud and
`make cloud-test` runs the tests marked `cloud` against it. The rest needs no cloud.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from hdhport import planner, preflight

CLOUD_RC = ROOT / ".tools" / "cloud" / "hdh-openrc"


def test_the_needs_of_a_one_enclave_ovhcloud_stack_are_counted_from_its_plan() -> None:
    config = planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": 1}
    resources = planner.run("ovhcloud-public-cloud", config).resources
    flavors = {"b3-8": {"vcpus": 2, "ram": 8192}, "a100-180": {"vcpus": 15, "ram": 184320}}
    needs = preflight.needs(resources, flavors)
    instances = [r for r in resources if r.type == "openstack:compute/instance:Instance"]
    # The platform review's count (F11), 53, plus the machines' own OpenBao (3) and step-ca (1) beside Barbican.
    assert needs["instances"] == len(instances) == 57
    gpu = sum(1 for r in instances if r.inputs["flavorName"] == "a100-180")
    assert needs["cores"] == 2 * (len(instances) - gpu) + 15 * gpu
    # Research machines (one each of cpu_vm and gpu_vm, platform and enclave) carry the research base's rules (ACME,
    # metrics) and no server group of their own: one machine per group spread nothing.
    assert needs["security_groups"] == 44 and needs["security_group_rules"] == 292 and needs["server_groups"] == 9


@pytest.mark.parametrize("env,message", [
    ({}, "no OpenStack credentials: source the deploying user's openrc"),
    ({"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_USERNAME": "u"}, "OS_PASSWORD, OS_PROJECT_NAME not set"),
])
def test_missing_credentials_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(preflight.CredentialsError, match=message):
        preflight.credentials(env)
    with pytest.raises(preflight.CredentialsError, match=message):  # before any look-up of a variable
        preflight.login(env, "GRA11")


def _preflight(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OS_")} | env
    return subprocess.run([sys.executable, "-m", "hdhport.cli", "preflight", *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True)


def test_an_unreachable_keystone_is_bad_input_in_one_line() -> None:
    run = _preflight("--stack", "ovhcloud-public-cloud", "--enclaves", "0",
                     env={"OS_AUTH_URL": "http://127.0.0.1:9/v3", "OS_USERNAME": "u", "OS_PASSWORD": "s3cret-pw",
                          "OS_PROJECT_NAME": "hdh"})
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("hdhport preflight: cannot reach Keystone at http://127.0.0.1:9/v3")
    assert len(run.stderr.splitlines()) == 1 and "s3cret-pw" not in run.stderr


def test_an_azure_stack_is_refused_as_bad_input() -> None:
    run = _preflight("--stack", "azure-francecentral", env={})
    assert run.returncode == 2 and "is not an OpenStack profile" in run.stderr and "Traceback" not in run.stderr


def _cloud_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in CLOUD_RC.read_text(encoding="utf-8").splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line.removeprefix("export ").split("=", 1)
            env[key] = value.strip("'\"")
    return env


@pytest.mark.cloud
def test_the_local_cloud_finds_what_would_stop_the_shipped_ovhcloud_stack() -> None:
    """Against `make cloud` (OpenStack Zed shaped like OVHcloud, as its non-admin user): the region, services,
    roles, flavors, image, external network and quotas hold; the default volume type `LUKS` and Swift policy
    `archive` do not exist there, as the platform review said of OVHcloud (F3)."""
    assert CLOUD_RC.exists(), "start the local cloud first: make cloud"
    run = _preflight("--stack", "ovhcloud-public-cloud", "--enclaves", "1", "--format", "json", env=_cloud_env())
    assert run.returncode == 1, run.stderr
    import json

    checks = {c["name"]: c for c in json.loads(run.stdout)["checks"]}
    failed = sorted(name for name, c in checks.items() if not c["ok"])
    assert failed == ["archive storage policy", "encrypted volume type"], checks
    assert "classic-luks" in checks["encrypted volume type"]["answered"]
    assert checks["region"]["asked"] == "GRA11" and checks["quota instances"]["asked"] == "53"


class _Network(preflight.Session):
    """A session whose network endpoint answers from a table (no cloud): only the checks asking Neutron run."""

    def __init__(self, answers: dict[str, object]) -> None:
        super().__init__("token", "GRA11", [{"type": "network", "endpoints": [
            {"interface": "public", "region_id": "GRA11", "url": "https://neutron.test"}]}], [], "project")
        self.answers = answers

    def get(self, url: str) -> object:
        self.calls.append(f"GET {url}")
        for suffix, answer in self.answers.items():
            if url.startswith(f"https://neutron.test/v2.0/{suffix}"):
                return answer
        raise preflight.Unanswered(f"{url}: 404")


def _machine_names(extensions: list[str], fqdns: list[str]) -> preflight.Check:
    ports = [{"dns_assignment": [{"hostname": f.split(".", 1)[0], "fqdn": f}]} for f in fqdns]
    session = _Network({"extensions": {"extensions": [{"alias": a} for a in extensions]}, "ports": {"ports": ports},
                        "networks": {"networks": [{"name": "Ext-Net"}]}})
    (check,) = [c for c in preflight.run(session, {"workload_roles": []}, [], None, [], None, None)
                if c.name == "machine names"]
    return check


def test_machine_names_need_neutron_dns_integration_and_a_domain_of_the_cloud_s_own() -> None:
    missing = _machine_names(["router", "port-security"], [])
    assert not missing.ok and "not among the network's 2 extensions" in missing.answered
    default = _machine_names(["dns-integration"], ["host-10-0-0-5.openstacklocal."])
    assert not default.ok and "Neutron's default 'openstacklocal'" in default.answered
    named = _machine_names(["dns-integration"], ["bastion-guacamole-0.gra11.example.", "host-10-0-0-9.gra11.example."])
    assert named.ok and named.answered == "offered, DNS domain gra11.example"
    fresh = _machine_names(["dns-integration"], [])
    assert fresh.ok and "none in this project yet" in fresh.answered

