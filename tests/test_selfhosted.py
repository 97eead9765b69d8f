"""The provider-neutral self-hosted fallbacks: one spec, one cloud-init template and one registry entry
per catalogue service that needs one, and every rendered template valid, pinned and sovereign.

Templates are rendered for both API families (and once more as an enclave's machine encrypting its own
disk), checked by Debian's `cloud-init schema` in one batch, and the files they write are checked in
their own language (shell, Python, JSON, YAML, nftables) after the boot-time placeholders are filled.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from hdhport import paths, registry
from hdhport.addresses import PLATFORM_CIDR
from hdhport.loader import load_catalogue
from providers.contract import Placement
from providers.selfhosted import registry as selfhosted_registry
from providers.selfhosted.iaas import sources
from providers.selfhosted.service import TEMPLATES_DIR, guest_disk_encryption, render_cloud_init
from providers.selfhosted.specs import DEBIAN, MIRROR, PRIVATE_ZONE, PRODUCTS, RESEARCH_MACHINE, SITE, SPECS
from providers.testing import PLACEMENTS

CATALOGUE = load_catalogue(paths.CATALOGUE)
CLOUD_INIT = "/usr/bin/cloud-init"
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter Debian's cloud-init is installed for

#: The variants every template is rendered in: both API families, and a research project's machine
#: on a cloud without provider-side disk encryption (guest LUKS bound to Tang, enclave-local rules).
VARIANTS: dict[str, tuple[Placement, str | None]] = {
    "azure": (PLACEMENTS["azure"], None),
    "openstack": (PLACEMENTS["openstack"], None),
    "openstack-enclave-guest-luks": (dataclasses.replace(PLACEMENTS["openstack"], disk_encryption_ref=""), "proj-a"),
}

#: What hdh-node would find at boot, to fill the @HDH_*@ placeholders before checking the files.
#: This machine and its peers live under SELF_DOMAIN, which the URL check accepts as "this cluster".
SELF_DOMAIN = "node.hdh-self.invalid"
PEERS = [f"svc-role-{i}" for i in range(3)]
FACTS = {
    "HDH_PRIVATE_IP": "10.20.1.10", "HDH_SUBNET": "10.20.1.0/24", "HDH_HOSTNAME": PEERS[0],
    "HDH_FQDN": f"{PEERS[0]}.{SELF_DOMAIN}", "HDH_DOMAIN": SELF_DOMAIN, "HDH_NODE_INDEX": "0",
    "HDH_SEED": PEERS[0], "HDH_SEED_FQDN": f"{PEERS[0]}.{SELF_DOMAIN}", "HDH_IS_SEED": "1",
    "HDH_PEERS": " ".join(PEERS), "HDH_PEERS_CSV": ",".join(PEERS), "HDH_PEERS_JSON": json.dumps(PEERS),
    "HDH_PEER_FQDNS": " ".join(f"{p}.{SELF_DOMAIN}" for p in PEERS),
    "HDH_PEER_FQDNS_CSV": ",".join(f"{p}.{SELF_DOMAIN}" for p in PEERS),
    "HDH_PEER_FQDNS_JSON": json.dumps([f"{p}.{SELF_DOMAIN}" for p in PEERS]),
    "HDH_RESOLVER": "10.20.0.2",
    **{f"HDH_PEER_{i}": p for i, p in enumerate(PEERS)},
    **{f"HDH_PEER_FQDN_{i}": f"{p}.{SELF_DOMAIN}" for i, p in enumerate(PEERS)},
}
PLACEHOLDER = re.compile(r"@(HDH_[A-Z0-9_]+)@")
SUBST_ROOTS = ("/etc/", "/opt/", "/var/ossec/etc/", "/var/ossec/api/configuration/")


def fill(text: str) -> str:
    """What hdh-subst does at boot (service.env facts are never placeholders)."""
    return PLACEHOLDER.sub(lambda match: FACTS[match[1]], text)


def expected_services() -> set[str]:
    """Every service whose azure or openstack kind is self-hosted, or whose native one names a fallback."""
    return {service for service, family in registry.expected_keys(CATALOGUE) if family == registry.SELF_HOSTED}


@cache
def rendered(service: str, variant: str) -> str:
    placement, enclave = VARIANTS[variant]
    return render_cloud_init(service, placement, enclave)


@cache
def document(service: str, variant: str) -> dict[str, Any]:
    loaded = yaml.safe_load(rendered(service, variant))
    assert isinstance(loaded, dict), f"{service} ({variant}) is not a YAML mapping"
    return loaded


def source(variant: str) -> str:
    """Where a machine of `variant` installs from: the artefact mirror, or in an enclave package_mirror's relay of it."""
    return SITE.relay if VARIANTS[variant][1] else MIRROR


def all_documents() -> list[tuple[str, str]]:
    return [(service, variant) for service in sorted(SPECS) for variant in VARIANTS]


def written_files(service: str, variant: str) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = document(service, variant).get("write_files", [])
    return files


# ----------------------------------------------------------------------------- (1) complete, nothing extra

def test_every_service_needing_a_self_hosted_implementation_has_spec_template_and_registry_entry() -> None:
    expected = expected_services()
    assert len(expected) > 40, "the catalogue should promise about 45 self-hosted implementations"
    # Besides the services' templates: the research machine a family may build from the same base.
    templates = {p.name.removesuffix(".yaml.j2") for p in Path(TEMPLATES_DIR).glob("*.yaml.j2")
                 if not p.name.startswith("_") and p.name != RESEARCH_MACHINE.template}
    assert set(SPECS) == expected, f"specs: missing {sorted(expected - set(SPECS))}, extra {sorted(set(SPECS) - expected)}"
    assert templates == expected, f"templates: missing {sorted(expected - templates)}, extra {sorted(templates - expected)}"
    table = selfhosted_registry.IMPLEMENTATIONS
    assert set(table) == expected, f"registry: missing {sorted(expected - set(table))}, extra {sorted(set(table) - expected)}"
    assert list(table) == sorted(table), "registry entries are kept sorted by service id"
    assert set(table.values()) == {"providers.selfhosted.service:SelfHostedService"}
    assert all(spec.template == f"{service}.yaml.j2" for service, spec in SPECS.items())


#: Where each API family's administrative sessions come from (what ADMIN_SOURCE stands for there).
_ADMIN_SOURCES = [registry.iaas_for(family).admin_sources for family in registry.API_FAMILIES]


def test_specs_open_private_ranges_only_and_quorum_systems_run_three() -> None:
    for service, spec in SPECS.items():
        for rule in spec.ingress:
            for cidr in {c for admin in _ADMIN_SOURCES for c in sources(rule, admin)}:
                network = ipaddress.ip_network(cidr)
                assert network.is_private and network.prefixlen > 0, f"{service}: ingress from {cidr}"
            assert 0 < rule.port < 65536 and rule.protocol in ("tcp", "udp"), f"{service}: {rule}"
        assert spec.data_disk_gb > 0 and spec.count >= 1, service
        assert spec.endpoint.count("{host}") == 1, f"{service}: endpoint {spec.endpoint!r} names no host"
    for quorum in ("key_management", "secrets_store", "log_analytics", "message_queue", "kubernetes"):
        assert SPECS[quorum].count == 3, f"{quorum} needs three machines for a quorum"
    assert not any(spec.gpu for spec in SPECS.values()), "no fallback needs a GPU"


def test_foundation_fallbacks_provide_what_the_platform_needs() -> None:
    assert SPECS["key_management"].provides == {"key_ref": "{endpoint}/v1/transit/keys/hdh-platform"}
    assert "virtual_network" not in SPECS, "there is no fallback for the network itself"
    provided = {field for spec in SPECS.values() for field in spec.provides}
    assert provided <= {f.name for f in dataclasses.fields(Placement)}


def test_guest_disk_encryption_only_without_a_provider_key() -> None:
    assert not guest_disk_encryption("relational_database", PLACEMENTS["azure"])
    assert not guest_disk_encryption("relational_database", PLACEMENTS["openstack"])
    bare = dataclasses.replace(PLACEMENTS["openstack"], disk_encryption_ref="")
    assert guest_disk_encryption("relational_database", bare)
    assert not guest_disk_encryption("disk_encryption", bare), "the Tang servers cannot depend on themselves"
    assert "HDH_GUEST_DISK_ENCRYPTION=auto" in rendered("relational_database", "openstack-enclave-guest-luks")
    assert "HDH_GUEST_DISK_ENCRYPTION=off" in rendered("relational_database", "azure")


# ----------------------------------------------------------------------------- (2) every template renders

@pytest.mark.parametrize("service,variant", all_documents())
def test_template_renders_strictly_as_cloud_config(service: str, variant: str) -> None:
    text = rendered(service, variant)  # StrictUndefined: an unknown variable raises here
    assert text.startswith("#cloud-config\n")
    doc = document(service, variant)
    for key in ("apt", "packages", "write_files", "runcmd"):
        assert doc.get(key), f"{service}: no {key}"
    env = next(f["content"] for f in doc["write_files"] if f["path"] == "/etc/hdh/service.env")
    assert f"HDH_SERVICE={service}\n" in env and f"HDH_COUNT={SPECS[service].count}\n" in env
    for path, count in Counter(f["path"] for f in doc["write_files"]).items():
        assert count == 1, f"{service}: {path} written {count} times"
    for item in doc["write_files"]:
        names = set(PLACEHOLDER.findall(item["content"]))
        assert names <= set(FACTS), f"{service}: {item['path']} names unknown facts {names - set(FACTS)}"
        if names:  # hdh-subst fills placeholders under its roots only
            assert item["path"].startswith(SUBST_ROOTS), f"{service}: {item['path']} is not under {SUBST_ROOTS}"


# ----------------------------------------------------------------------------- (3) cloud-init schema

_SCHEMA_BATCH = textwrap.dedent("""
    import sys
    from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
    schema = get_schema()  # what `cloud-init schema --config-file` validates against, loaded once
    failed = []
    for path in sys.argv[1:]:
        try:
            validate_cloudconfig_file(path, schema)
        except (SchemaValidationError, RuntimeError) as error:
            print(f"{path}: {error}")
            failed.append(path)
    print("INVALID:", " ".join(failed))
""")


def test_every_rendered_template_passes_cloud_init_schema(tmp_path: Path) -> None:
    if not Path(CLOUD_INIT).exists():
        pytest.skip("Debian's cloud-init is not installed (make system-deps)")
    files = []
    for service, variant in all_documents():
        path = tmp_path / f"{service}.{variant}.yaml"
        path.write_text(rendered(service, variant))
        files.append(str(path))
    # Two batches side by side (the machines have two cores): one interpreter start each.
    batches = [subprocess.Popen([SYSTEM_PYTHON, "-c", _SCHEMA_BATCH, *files[half::2]], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for half in (0, 1)]
    outputs = [batch.communicate(timeout=300)[0] for batch in batches]
    output = "".join(outputs)
    assert all(batch.returncode == 0 for batch in batches), output
    invalid = [path for text in outputs for path in text.rsplit("INVALID:", 1)[-1].split()]
    assert not invalid, f"cloud-init schema refused {len(invalid)} document(s):\n{output}"
    # Spot-check the batch against the real command line on one document.
    single = subprocess.run([CLOUD_INIT, "schema", "--config-file", files[0]], capture_output=True, text=True)
    assert single.returncode == 0, single.stdout + single.stderr


# ----------------------------------------------------------------------------- (4) nothing from outside

URL = re.compile(r"""\b(?:https?|rsync|amqps|ldaps)://[^\s"'<>()\[\]{}|\\,;`]+""")


def _allowed_host(host: str) -> bool:
    if host in ("localhost", SITE.mirror_host) or host == PRIVATE_ZONE or host.endswith("." + PRIVATE_ZONE):
        return True
    if host.endswith("." + SELF_DOMAIN) or host.startswith(("$HDH_", "${HDH_")):
        return True  # this machine or its peers, named at boot
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def test_no_url_outside_the_mirror_and_private_addresses() -> None:
    offending: dict[str, set[str]] = {}
    for service, variant in all_documents():
        for url in URL.findall(fill(rendered(service, variant))):
            netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
            host = netloc.split(":", 1)[0] if not netloc.startswith("[") else netloc[1:].split("]")[0]
            if not _allowed_host(host.rstrip(".")):
                offending.setdefault(service, set()).add(url)
    assert not offending, f"URLs outside the platform: {offending}"
    assert MIRROR == SITE.mirror and SITE.mirror_host.endswith("." + PRIVATE_ZONE)


def test_apt_uses_the_platform_mirror_only() -> None:
    for service, variant in all_documents():
        apt = document(service, variant)["apt"]
        assert apt["preserve_sources_list"] is False, service
        sources = [line.split() for line in apt["sources_list"].splitlines() if line.strip()]
        assert sources and all(f" {source(variant)}/" in " ".join(line) for line in sources), service


# ----------------------------------------------------------------------------- (5) pinned versions

def test_every_debian_package_is_pinned() -> None:
    for service, variant in all_documents():
        for item in document(service, variant)["packages"]:
            if isinstance(item, str):
                name, _, version = item.partition("=")
            else:
                assert isinstance(item, list) and len(item) == 2, f"{service}: {item!r}"
                name, version = item
            assert version and re.fullmatch(r"[0-9][A-Za-z0-9.+~:-]*", str(version)), f"{service}: {name} not pinned"
            assert version == (DEBIAN.get(name) or PRODUCTS.get(name)), f"{service}: {name} {version}"


def test_python_and_npm_installs_are_pinned_and_come_from_the_mirror() -> None:
    for service, variant in all_documents():
        for command in document(service, variant)["runcmd"]:
            if not isinstance(command, list):
                continue
            words = [str(word) for word in command]
            if words[0].endswith("/pip") and words[1] == "install":
                assert f"{source(variant)}/pypi/simple/" in words, f"{service}: pip without the mirror's index"
                requirements = [w for i, w in enumerate(words[2:], 2)
                                if not w.startswith("-") and not words[i - 1] in ("--index-url", "--constraint")]
                assert requirements and all(re.search(r"==[0-9]", r) for r in requirements), f"{service}: {words}"
            if words[0] == "npm" and words[1] == "install":
                packages = [w for w in words[2:] if not w.startswith("-")]
                assert packages and all(re.fullmatch(r"[a-z0-9@/._-]+@[0-9][0-9.]*", p) for p in packages), words
        npmrc = [f for f in written_files(service, variant) if f["path"] == "/etc/npmrc"]
        assert all(f"registry={source(variant)}/npm/" in f["content"] for f in npmrc)


def test_release_archives_are_pinned_and_checked() -> None:
    fetches = 0
    for service, variant in all_documents():
        for command in document(service, variant)["runcmd"]:
            if isinstance(command, list) and command[0] == "/usr/local/sbin/hdh-fetch":
                product, version = command[1], command[2]
                assert PRODUCTS[product] == version and "{version}" not in command[3], command
                fetches += 1
    assert fetches
    fetch = next(f["content"] for f in written_files("bastion", "azure") if f["path"] == "/usr/local/sbin/hdh-fetch")
    assert "sha256sum -c --strict" in fetch


# ----------------------------------------------------------------------------- secrets and the files written

def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def test_no_secret_in_any_rendered_template() -> None:
    from policies.hdh_policies import find_secrets  # the policy pack's own rule (no-secret-in-clear)

    token = re.compile(r"[A-Za-z0-9+_-]{24,}={0,2}")
    for service, variant in all_documents():
        text = rendered(service, variant)
        assert find_secrets(text) == [], f"{service} ({variant}): {find_secrets(text)}"
        assert "PRIVATE KEY-----" not in text, service
        suspicious = [t for t in token.findall(text)
                      if _entropy(t) > 4.3 and re.search(r"[0-9]", t) and re.search(r"[a-z]", t) and re.search(r"[A-Z]", t)]
        assert not suspicious, f"{service}: high-entropy strings {suspicious}"


def _checkable(service: str, variant: str) -> list[tuple[str, str]]:
    return [(f["path"], fill(f["content"])) for f in written_files(service, variant)]


def test_scripts_and_configuration_files_parse(tmp_path: Path) -> None:
    problems = []
    seen: set[str] = set()  # the base's scripts are the same in every document: check each text once
    for service, variant in all_documents():
        for path, content in _checkable(service, variant):
            if path + content in seen:
                continue
            seen.add(path + content)
            where = f"{service} ({variant}) {path}"
            first = content.splitlines()[0] if content else ""
            try:
                if first.startswith("#!/bin/sh"):
                    script = tmp_path / "script.sh"
                    script.write_text(content)
                    check = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
                    if check.returncode:
                        problems.append(f"{where}: {check.stderr.strip()}")
                elif first.startswith("#!/usr/bin/python3") or path.endswith(".py"):
                    compile(content, path, "exec")
                elif path.endswith(".json"):
                    json.loads(content)
                elif re.search(r"\.ya?ml(\.template)?$", path):
                    list(yaml.safe_load_all(content))
            except (SyntaxError, ValueError, yaml.YAMLError) as error:
                problems.append(f"{where}: {error}")
    assert not problems, "\n".join(problems)


def _nft_usable() -> bool:
    return shutil.which("nft") is not None and os.geteuid() == 0


@pytest.mark.skipif(not _nft_usable(), reason="nft -c needs the nftables package and root")
def test_host_firewalls_are_valid_nftables(tmp_path: Path) -> None:
    problems = []
    checked: set[str] = set()
    for service, variant in all_documents():
        files = dict(_checkable(service, variant))
        ruleset = files["/etc/nftables.conf"].replace('include "/etc/nftables.d/*.nft"', "")
        extra = [content for path, content in files.items() if path.startswith("/etc/nftables.d/") and path.endswith(".nft")]
        extra += [content for path, content in files.items() if path.startswith("/etc/hdh/rules/")]
        text = ruleset + "\n" + "\n".join(extra)
        if text in checked:
            continue
        checked.add(text)
        conf = tmp_path / f"{service}.{variant}.nft"
        conf.write_text(text)
        check = subprocess.run(["nft", "-c", "-f", str(conf)], capture_output=True, text=True)
        if check.returncode:
            problems.append(f"{service} ({variant}): {check.stderr.strip()}")
    assert not problems, "\n".join(problems)


def test_host_firewall_admits_only_the_spec_ingress() -> None:
    for service, spec in SPECS.items():
        files = dict(_checkable(service, "openstack"))
        accepted = re.findall(r"ip saddr (\S+) (tcp|udp) dport (\d+) accept", files["/etc/nftables.conf"])
        admin = registry.iaas_for("openstack").admin_sources
        assert sorted(accepted) == sorted((source, r.protocol, str(r.port))
                                          for r in spec.ingress for source in sources(r, admin)), service
        enclave = dict(_checkable(service, "openstack-enclave-guest-luks"))["/etc/nftables.conf"]
        assert SITE.enclaves_cidr not in enclave, f"{service}: an enclave's machine admits every enclave"
    assert PLATFORM_CIDR in dict(_checkable("message_queue", "azure"))["/etc/nftables.conf"]


def test_services_listen_with_tls_on_the_private_address() -> None:
    # Spot checks of the brief's contract for the main services.
    def files(service: str) -> dict[str, str]:
        return dict(_checkable(service, "openstack"))

    postgres = files("relational_database")
    settings = postgres["/etc/postgresql/15/main/conf.d/hdh.conf"]
    assert "ssl = on" in settings and "ssl_min_protocol_version = 'TLSv1.2'" in settings
    assert "password_encryption = 'scram-sha-256'" in settings and FACTS["HDH_PRIVATE_IP"] in settings
    hba = postgres["/etc/hdh/postgresql/pg_hba.conf"]
    assert "hostnossl all       all       0.0.0.0/0                  reject" in hba and " trust" not in hba
    exports = files("file_share")["/etc/exports"]
    assert "sec=sys" in exports and "root_squash" in exports and "no_root_squash" not in exports
    assert "0.0.0.0" not in exports and "*" not in exports
    enclave_exports = dict(_checkable("file_share", "openstack-enclave-guest-luks"))["/etc/exports"]
    assert FACTS["HDH_SUBNET"] in enclave_exports
    bao = files("key_management")["/etc/openbao/openbao.hcl"]
    assert 'tls_min_version = "tls12"' in bao and 'path = "/srv/openbao/raft"' in bao
    assert "transit" in files("key_management")["/usr/local/sbin/hdh-openbao-configure"]
    waf = files("waf_gateway")
    assert "filter spoe engine coraza" in waf["/etc/haproxy/haproxy.cfg"]
    assert "coreruleset/rules/*.conf" in waf["/etc/coraza-spoa/config.yaml"]
    edge = files("ddos_protection")["/etc/nftables.conf"]
    assert "syn_rate" in edge and "ct count over" in edge and "limit rate over" in edge
    swan = files("site_to_site_vpn")["/etc/swanctl/conf.d/hdh.conf"]
    assert "version = 2" in swan and "aes256gcm16" in swan
    for service, variant in all_documents():
        for path, content in _checkable(service, variant):
            assert not re.search(r"(?m)^\s*(listen|bind)\s+(0\.0\.0\.0|\*|\[::\])[:\s]", content), f"{service} {path}"
            assert "ssl_protocols TLSv1 " not in content and "TLSv1.1" not in content.replace("NO_TLSv1_1", ""), path


def test_the_mirror_and_the_cidrs_reach_every_template_through_render_cloud_init() -> None:
    text = rendered("message_queue", "azure")
    assert f"{MIRROR}/debian-snapshot/" in text and "HDH_API_FAMILY=azure" in text
    assert sys.version_info >= (3, 11)


# ------------------------------------------------------------------ what the machines need at boot

def _resolutions(profile_id: str) -> dict[str, Any]:
    from hdhport.loader import load_specification
    from hdhport.resolve import resolve

    spec = load_specification(paths.CATALOGUE, paths.shipped_profiles())
    return {r.service: r for r in resolve(spec.catalogue, spec.profiles[profile_id])}


def test_where_secrets_and_certificates_are_native_the_machines_get_their_own_openbao_and_step_ca() -> None:
    from hdhport.loader import load_catalogue
    from providers.selfhosted.bootstrap import machine_trust, unmet

    catalogue = load_catalogue(paths.CATALOGUE)
    resolutions = _resolutions("ovhcloud-public-cloud")
    trust = machine_trust(catalogue, resolutions, list(resolutions))
    assert {sid: (r.way, r.product) for sid, r in trust.items()} == {
        "secrets_store": ("self-hosted", "OpenBao"),
        "certificate_management": ("self-hosted", "step-ca (ACME) with certificates stored in OpenBao")}
    assert "beside OpenStack Barbican (secrets) for applications" in trust["secrets_store"].reason
    assert machine_trust(catalogue, resolutions, ["object_storage", "key_management"]) == {}  # no machine
    assert unmet(resolutions, list(resolutions)) == []  # nothing left for the machines to wait for
    # Azure: one self-hosted service (the package mirror) is enough for the machines to need both.
    assert set(machine_trust(catalogue, _resolutions("azure-francecentral"), ["package_mirror"])) == \
        {"secrets_store", "certificate_management"}
    # Where both are self-hosted already (Scaleway), they serve the machines too: nothing more is built.
    assert machine_trust(catalogue, _resolutions("scaleway"), list(_resolutions("scaleway"))) == {}


def test_only_a_private_dns_gap_leaves_the_names_unanswered() -> None:
    from hdhport.resolve import Resolution
    from providers.selfhosted.bootstrap import private_names, unmet

    resolutions = {sid: Resolution(sid, "self-hosted", "selfhosted", "PowerDNS", "test")
                   for sid in ("waf_gateway", "secrets_store", "certificate_management", "private_dns")}
    assert unmet(resolutions, ["waf_gateway"]) == []
    assert private_names(resolutions, []) == {"dns_resolvers": "private-dns-pdns", "dns_aliases": ""}
    resolutions["private_dns"] = Resolution("private_dns", "native", "openstack", "OpenStack Designate", "test")
    assert unmet(resolutions, ["waf_gateway"]) == [] and private_names(resolutions, []) == {}
    resolutions["private_dns"] = Resolution("private_dns", "gap", None, None, "test")
    (message,) = unmet(resolutions, ["waf_gateway"])
    assert message.startswith("the machines of 1 self-hosted service (waf_gateway) call platform services")
    assert "private_dns is a gap on this profile: nothing answers them" in message


def _self_hosted_dns(aliases: str = "") -> Placement:
    return dataclasses.replace(PLACEMENTS["openstack"], dns_resolvers="private-dns-pdns", dns_aliases=aliases)


def test_with_a_self_hosted_private_dns_every_machine_resolves_through_its_recursors_before_apt(
        tmp_path: Path) -> None:
    text = render_cloud_init("message_queue", _self_hosted_dns())
    config = yaml.safe_load(text)
    script = config["bootcmd"][1]
    assert 'getent ahostsv4 "private-dns-pdns-$i"' in script and "nameserver $ip" in script
    assert "make_resolv_conf() { :; }" in script  # DHCP renewals keep them
    # Its own recursors use the network's resolver until they run, then themselves.
    dns = yaml.safe_load(render_cloud_init("private_dns", _self_hosted_dns()))
    assert len(dns["bootcmd"]) == 1
    assert any("nameserver %s" in " ".join(map(str, cmd)) for cmd in dns["runcmd"])
    # A native private_dns (Designate, Azure) hands its zone on: no resolver to find.
    assert len(yaml.safe_load(render_cloud_init("message_queue", PLACEMENTS["openstack"]))["bootcmd"]) == 1
    if Path(CLOUD_INIT).exists():
        for name, document in (("machine", text), ("recursor", render_cloud_init("private_dns", _self_hosted_dns()))):
            (tmp_path / name).write_text(document)
            checked = subprocess.run([CLOUD_INIT, "schema", "--config-file", str(tmp_path / name)],
                                     capture_output=True, text=True)
            assert checked.returncode == 0, checked.stdout + checked.stderr


def _lua(aliases: str = "") -> str:
    dns = yaml.safe_load(render_cloud_init("private_dns", _self_hosted_dns(aliases)))
    text: str = next(f["content"] for f in dns["write_files"] if f["path"] == "/etc/powerdns/hdh-names.lua")
    return text.replace("@HDH_DOMAIN@", "net.example")


def test_the_recursors_name_every_service_after_its_machine_0() -> None:
    lua = _lua("secrets-store=machine-secrets-store")
    assert '["secrets-store"] = "openbao",' in lua and '["message-queue"] = "rabbitmq",' in lua
    assert '["secrets-store"] = "machine-secrets-store",' in lua
    for label, role in ((sid.replace("_", "-"), spec.role) for sid, spec in SPECS.items()):
        assert f'["{label}"] = "{role}",' in lua, label
    lua_binary = shutil.which("lua5.4") or shutil.which("lua5.3") or shutil.which("lua")
    if not lua_binary:
        pytest.skip("no Lua interpreter here to run the recursor's script")
    probe = lua + textwrap.dedent("""
        for _, name in ipairs({"secrets-store.hdh.internal", "message-queue.hdh.internal",
                               "proj-a-disk-encryption.hdh.internal", "ns1.hdh.internal", "example.org"}) do
          print(name, target(name) or "-")
        end
    """)
    out = subprocess.run([lua_binary, "-"], input=probe, capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:5] == ["secrets-store.hdh.internal\tmachine-secrets-store-openbao-0.net.example",
                                    "message-queue.hdh.internal\tmessage-queue-rabbitmq-0.net.example",
                                    "proj-a-disk-encryption.hdh.internal\tproj-a-disk-encryption-tang-0.net.example",
                                    "ns1.hdh.internal\t-", "example.org\t-"]


def test_the_vpn_gateway_forwards_the_premises_into_the_platform_from_its_own_address() -> None:
    from providers.selfhosted.service import render_cloud_init
    from providers.testing import PLACEMENTS

    config = render_cloud_init("site_to_site_vpn", PLACEMENTS["openstack"])
    premises = "172.16.0.0/12, 192.168.0.0/16"
    assert f"remote_ts = {premises}" in config  # what the tunnel carries...
    # ...is what gets this gateway's address as its source on the way in, and nothing else.
    assert re.findall(r"ip saddr \{ ([^}]*) \} ip daddr (\S+) masquerade", config) == [(premises, "10.20.0.0/16")]
