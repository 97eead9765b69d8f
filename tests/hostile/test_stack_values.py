"""Hostile input, stack values: a bad value fails before any resource, naming the key; a secret in clear fails
the gate; the gate and the plan never ignore --catalog (review 2026-12-02, rows 11, 16, 18, 26)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import own_project
from hdhport import paths, planner, stackfile
from hdhport.stack_config import ConfigError

PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcPlainPemKeyBody\n-----END PRIVATE KEY-----\n"


def _registrations_before_error(config: dict[str, Any], stack: str = "ev-values") -> tuple[int, ConfigError]:
    """Run the program on the mock engine; count the resources registered before its ConfigError."""
    from pulumi.runtime import mocks

    from infra.program import main

    count = [0]
    engine = planner.answering_engine(lambda inputs: count.__setitem__(0, count[0] + 1))
    with pytest.raises(ConfigError) as raised:
        planner.run_on_mocks(main, stack, config, engine, mocks.MockMonitor(engine))
    return count[0], raised.value


def _ovh(**extra: Any) -> dict[str, Any]:
    return planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": 1} | extra


@pytest.mark.parametrize(("extra", "key"), [
    ({"hdh:tlsPrivateKey": PEM_KEY}, "hdh:tlsCertificate"),
    ({"hdh:enclaves": ["proj-a\n", "proj-b"]}, "hdh:enclaves"),
    ({"hdh:postgresVersion": "16\n"}, "hdh:postgresVersion"),
    ({"hdh:imageSourceUrl": "https://mirror.example/debian.qcow2\n"}, "hdh:imageSourceUrl"),
    ({"hdh:tlsContainerRef": "https://barbican.example/v1/containers/x\n"}, "hdh:tlsContainerRef"),
    ({"hdh:adminSshPublicKey": planner.EXAMPLE_SSH_KEY + "\n"}, "hdh:adminSshPublicKey"),
    ({"hdh:workloadCredentialExpiry": "2027-13-45T99:99:99Z"}, "hdh:workloadCredentialExpiry"),
    ({"hdh:workloadCredentialExpiry": "2027-02-30T00:00:00Z"}, "hdh:workloadCredentialExpiry"),
    ({"hdh:workloadCredentialExpiry": "2027-06-30T23:59:59Z\n"}, "hdh:workloadCredentialExpiry"),
    ({"hdh:platformStack": "../../../etc"}, "hdh:platformStack"),
    ({"hdh:services": []}, "hdh:services"),
    ({"hdh:cpuFlavor": "b2-7\n"}, "hdh:cpuFlavor"),
    ({"hdh:enclaves": 5, "hdh:platformStack": "organization/hdhport/ovhcloud-public-cloud",
      "hdh:firstEnclaveIndex": 16382}, "hdh:firstEnclaveIndex"),
])
def test_a_bad_value_fails_before_any_resource_naming_its_key(extra: dict[str, Any], key: str) -> None:
    """Rows 11 and 16: a TLS key without its certificate failed after 346 resources; `re.match(...$)` let a
    trailing newline into 40 resource names and a cloud-init file; an impossible date, a path as platformStack
    and `services: []` planned; firstEnclaveIndex 16382 with 5 enclaves was an internal ValueError."""
    registered, error = _registrations_before_error(_ovh(**extra))
    assert (registered, error.key) == (0, key), str(error)


def test_good_values_still_plan() -> None:
    """Rows 11 and 16, what still holds: the same keys, well formed, are accepted."""
    from hdhport.stack_config import parse

    parsed = parse({"profile": "p", "region": "r", "adminSshPublicKey": planner.EXAMPLE_SSH_KEY,
                    "enclaves": ["proj-a", "proj-b"], "platformStack": "organization/hdhport/ovhcloud-public-cloud",
                    "firstEnclaveIndex": 16382, "services": ["object_storage"]})
    assert parsed.enclaves == ("proj-a", "proj-b") and parsed.first_enclave_index == 16382


CLEAR = {"hdh:vpnSharedKey": "PlainVpnPsk-7f3a9c", "hdh:databaseOwnerPassword": "PlainDbPass99",
         "openstack:token": "gAAAAABPlainKeystoneToken123",
         "openstack:authUrl": "https://user:PlainUrlPass@auth.example:5000/v3"}


def test_the_gate_fails_a_secret_in_clear_in_a_stack_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 18: `hdhport check` passed a stack file holding the PSK, a private key, the DB password, a token and a
    URL password in clear. Each must be a Pulumi secret (`secure: v1:...`); a certificate is public."""
    from hdhport.check import Gate

    lines = (paths.ROOT / "Pulumi.ovhcloud-public-cloud.yaml").read_text(encoding="utf-8").splitlines()
    lines += [f"  {key}: {value}" for key, value in CLEAR.items()]
    lines += ["  hdh:tlsPrivateKey: |", *(f"    {line}" for line in PEM_KEY.splitlines()),
              "  hdh:tlsCertificate: |", "    -----BEGIN CERTIFICATE-----", "    MIIBpublic", "    -----END CERTIFICATE-----",
              "  hdh:vpnPeer: {secure: v1:ciphertextOnly}"]
    own_project(monkeypatch, tmp_path)
    (tmp_path / "Pulumi.ev-clear.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = stackfile.read("ev-clear")
    gate = Gate(["ev-clear"])
    gate.check_stack_secrets(source, "ovhcloud-public-cloud")
    failed = {f.message.split(" ")[0]: f for f in gate.report.failures}
    assert set(failed) == {*CLEAR, "hdh:tlsPrivateKey"} and not gate.report.ok
    token = failed["openstack:token"]
    assert (token.file, token.line, token.rule) == ("Pulumi.ev-clear.yaml", source.where("openstack:token")[0],
                                                   "no-secret-in-clear")
    assert "pulumi config set --secret openstack:token" in token.remediation
    assert "PlainKeystoneToken" not in token.message + token.remediation


def test_the_shipped_stacks_hold_no_secret_in_clear() -> None:
    """Row 18, what still holds: the stack files of the repository pass the new check."""
    from hdhport.check import DEPLOYABLE_STACKS, Gate

    gate = Gate(list(DEPLOYABLE_STACKS))
    for stack in DEPLOYABLE_STACKS:
        gate.check_stack_secrets(stackfile.read(stack), stack)
    assert gate.report.ok, [f.message for f in gate.report.failures]


@pytest.mark.parametrize("command", [["plan", "--profile", "ovhcloud-public-cloud"],
                                     ["check", "--profile", "ovhcloud-public-cloud"]])
@pytest.mark.parametrize("flag", ["--catalog", "--profiles-dir"])
def test_plan_and_check_refuse_a_catalogue_they_would_not_read(cli: Any, tmp_path: Path, command: list[str],
                                                               flag: str) -> None:
    """Row 26: `hdhport --catalog /nonexistent check` passed on the embedded catalogue (a gate that ignores
    the file it is given)."""
    result = cli(flag, str(tmp_path / "elsewhere"), *command)
    assert result.code == 2 and result.out == "" and len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith(f"{flag}: `hdhport {command[0]}` runs the Pulumi program, which reads the embedded")
