"""The machines' trust anchors (providers/selfhosted/settings.py): the platform root CA and the archive key
come from the stack, are checked before any resource, and reach every machine's first boot through
cloud-init, so a stock image can install from the artefact mirror (platform review, F1)."""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hdhport import planner
from hdhport.stack_config import ConfigError
from providers.selfhosted import settings

CLOUD_INIT = "/usr/bin/cloud-init"
NOW = datetime.datetime.now(datetime.timezone.utc)


def certificate(ca: bool = True, days: int = 3650, start_days_ago: int = 1) -> str:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HDH test root")])
    start = NOW - datetime.timedelta(days=start_days_ago)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(start)
             .not_valid_after(start + datetime.timedelta(days=days))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
             .sign(key, hashes.SHA384()))
    return built.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not shutil.which("gpg"):
        pytest.skip("gpg is not installed")
    home = tmp_path_factory.mktemp("gnupg")
    os.chmod(home, 0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", "HDH archive (test)",
                    "ed25519", "sign", "never"], env=env, check=True, capture_output=True)
    return subprocess.run(["gpg", "--armor", "--export", "HDH archive (test)"], env=env, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def root() -> str:
    return certificate()


def test_a_ca_certificate_and_an_armoured_public_key_are_taken_as_given(root: str, keyring: str) -> None:
    assert settings.root_ca(root) == root
    assert settings.archive_keyring(keyring) == keyring


@pytest.mark.parametrize("text,message", [
    (lambda: certificate(ca=False), "the certificate is not a CA (basicConstraints CA:FALSE)"),
    (lambda: certificate(days=10, start_days_ago=20), "not today"),
    (lambda: certificate() + certificate(), "expected exactly one PEM certificate"),
    (lambda: "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n", "holds a private key"),
    (lambda: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "not a readable X.509 certificate"),
    (lambda: "hdh-root.crt", "expected exactly one PEM certificate"),
])
def test_a_root_ca_that_is_not_one_valid_ca_certificate_is_refused_naming_the_key(text: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings.root_ca(text())
    assert caught.value.key == "hdh:platformRootCa" and message in str(caught.value)
    assert "PRIVATE" not in str(caught.value).split(":", 1)[1].upper().replace("PRIVATE KEY:", "")


@pytest.mark.parametrize("text,message", [
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgE\n-----END PGP PRIVATE KEY BLOCK-----\n", "holds a private key"),
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n", "ASCII-armoured"),
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nwsBcBAABCAAQ\n-----END PGP PUBLIC KEY BLOCK-----\n", "public-key packet"),
    ("/usr/share/keyrings/hdh-archive-keyring.gpg", "ASCII-armoured"),
])
def test_an_archive_key_that_is_not_an_armoured_public_key_is_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings.archive_keyring(text)
    assert caught.value.key == "hdh:archiveKeyring" and message in str(caught.value)


def _with(stack: str, **values: object) -> dict[str, Any]:
    config = planner.stack_config(stack) | {"hdh:enclaves": 0, "hdh:services": ["virtual_network", "message_queue"]}
    return config | {f"hdh:{key}": value for key, value in values.items()}


def _user_data(result: planner.PlanResult) -> list[str]:
    return [str(r.inputs["userData"]) for r in result.resources
            if r.type == "openstack:compute/instance:Instance" and r.inputs.get("userData")]


def test_given_anchors_reach_every_machines_first_boot_and_silence_the_plan(root: str, keyring: str,
                                                                            tmp_path: Path) -> None:
    result = planner.run("ovh", _with("ovhcloud-public-cloud", platformRootCa=root, archiveKeyring=keyring,
                                      artefactMirror="https://artefacts.hdh.example.eu/mirror"))
    assert not [p for p in result.prerequisites if "hdh:platformRootCa" in p.keys or "hdh:artefactMirror" in p.keys]
    documents = _user_data(result)
    assert len(documents) >= 3  # the three RabbitMQ nodes, and the machines' own OpenBao and step-ca
    for text in documents:
        config = yaml.safe_load(text)
        assert config["ca_certs"]["trusted"] == [root]
        (hdh,) = config["apt"]["sources"].values()
        assert hdh == {"source": "deb [signed-by=$KEY_FILE] https://artefacts.hdh.example.eu/mirror/hdh bookworm main",
                       "key": keyring}
        assert "hdh-archive-keyring.gpg" not in text
        assert "deb https://artefacts.hdh.example.eu/mirror/debian-snapshot/" in config["apt"]["sources_list"]
        root_file = next(f for f in config["write_files"] if f["path"] == "/usr/local/share/ca-certificates/hdh-root.crt")
        assert root_file["content"] == root
    if not Path(CLOUD_INIT).exists():
        pytest.skip("Debian's cloud-init is not installed (make system-deps)")
    path = tmp_path / "user-data.yaml"
    path.write_text(documents[0])
    checked = subprocess.run([CLOUD_INIT, "schema", "--config-file", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_without_anchors_pulumi_up_is_refused_and_the_plan_names_them() -> None:
    """A plan that would leave machines waiting is an error for a real engine, a prerequisite for an offline plan."""
    result = planner.run("ovh", _with("ovhcloud-public-cloud"))
    assert not [w for w in result.warnings if "artefact mirror" in w]
    (need,) = [p for p in result.prerequisites if "hdh:platformRootCa" in p.keys]
    assert need.keys == ("hdh:platformRootCa", "hdh:archiveKeyring", "hdh:artefactMirror") and need.blocking
    assert need.needed_by == ("the machines of 1 self-hosted service (message_queue)",)
    assert "install nothing" in need.without and need.doc == 'docs/operations.md, "Trust anchors"'
    with_ca = planner.run("ovh", _with("ovhcloud-public-cloud", artefactMirror="https://artefacts.hdh.example.eu/m"))
    (need,) = [p for p in with_ca.prerequisites if "hdh:platformRootCa" in p.keys]
    assert need.keys == ("hdh:platformRootCa", "hdh:archiveKeyring")  # only what is still missing


def test_a_bad_anchor_fails_the_plan_before_any_resource_naming_the_key() -> None:
    # Checked with the stack config (infra/config.check_against), before the program declares anything.
    with pytest.raises(ConfigError) as caught:
        planner.run("ovh", _with("ovhcloud-public-cloud", platformRootCa=certificate(ca=False)))
    assert str(caught.value) == "hdh:platformRootCa: the certificate is not a CA (basicConstraints CA:FALSE)"
    with pytest.raises(ConfigError, match=r"^hdh:artefactMirror: expected an https URL"):
        planner.run("ovh", _with("ovhcloud-public-cloud", artefactMirror="http://mirror.example/"))
    # the machines and package_mirror's relay check the mirror's certificate by its name
    with pytest.raises(ConfigError, match=r"^hdh:artefactMirror: expected the mirror's name, not an address"):
        planner.run("ovh", _with("ovhcloud-public-cloud", artefactMirror="https://93.184.216.34:8443/hdh"))


def test_an_enclaves_machine_waits_for_the_relays_platform_certificate(root: str) -> None:
    """Its apt runs once, at first boot, through package_mirror's relay, which presents a platform certificate only
    after the ceremony: it waits for one (12 h at most) before apt; a platform machine, which installs from the
    mirror itself, does not."""
    from providers.selfhosted.service import render_cloud_init
    from providers.selfhosted.settings import Trust
    from test_selfhosted import VARIANTS

    trust = Trust(root_ca=root)
    placement, enclave = VARIANTS["openstack-enclave-guest-luks"]
    commands = yaml.safe_load(render_cloud_init("disk_encryption", placement, enclave, trust=trust))["bootcmd"]
    (wait,) = [c for c in commands if isinstance(c, str) and "/run/hdh-root.pem" in c]
    assert root.strip() in wait and '"package-mirror.hdh.internal" 2>/dev/null && break' in wait
    assert "seq 1 4320" in wait and "sleep 10" in wait
    platform = yaml.safe_load(render_cloud_init("disk_encryption", VARIANTS["openstack"][0], None, trust=trust))
    assert not [c for c in platform["bootcmd"] if isinstance(c, str) and "/run/hdh-root.pem" in c]


@pytest.mark.parametrize("stack", ["ovhcloud-public-cloud", "scaleway-fr-par"])
def test_research_machines_need_the_anchors_on_every_family(stack: str) -> None:
    config = planner.stack_config(stack) | {"hdh:enclaves": 0, "hdh:services": ["disk_encryption", "cpu_vm", "gpu_vm"]}
    result = planner.run(stack, config)
    (need,) = [p for p in result.prerequisites if "hdh:platformRootCa" in p.keys]
    assert need.needed_by[-1] == "the research machines (cpu_vm, gpu_vm)"
    given = planner.run(stack, config | {"hdh:artefactMirror": "https://artefacts.hdh.example.eu/m"})
    (need,) = [p for p in given.prerequisites if "hdh:platformRootCa" in p.keys]
    assert "hdh:artefactMirror" not in need.keys
