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
    assert needs["security_groups"] == 44 and needs["security_group_rules"] == 286 and needs["server_groups"] == 13


@pytest.mark.parametrize("env,message", [
    ({}, "no OpenStack credentials: source the deploying user's openrc"),
    ({"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_USERNAME": "u"}, "OS_PASSWORD, OS_PROJECT_NAME not set"),
])
def test_missing_credentials_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(preflight.CredentialsError, match=message):
        preflight.credentials(env)


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
