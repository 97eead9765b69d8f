"""What a first `pulumi up` on a clean Azure subscription needs from the plan (review 2026-12-02, F4-F9 and the
further findings on AML and Entra): ways in from the bastion, a way out through the firewall, subnets one at a
time, names unique per deployment, the program's own policy not refusing its own resources, certificates the
gateway and the firewall can read, research machines that install from the mirror, AML's secrets apart from
the customer-managed keys."""
from __future__ import annotations

import base64
import datetime
import ipaddress
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from hdhport import paths, planner
from hdhport.planner import PlanResult
from hdhport.stack_config import ConfigError
from providers.azure.arm import SECRETS_USER
from providers.azure.subnets import RESERVED
from providers.selfhosted.specs import DEBIAN

STACK = "azure-francecentral"


def _plan(subscription: str | None = None) -> PlanResult:
    config = planner.stack_config(STACK)
    config["hdh:enclaves"] = 2
    return planner.run(STACK, config)


@cache
def shipped() -> PlanResult:
    return _plan()


def _of_type(result: PlanResult, token: str) -> list[planner.PlannedResource]:
    return [r for r in result.resources if r.type == token]


def test_research_machines_admit_ssh_and_rdp_from_the_bastion_subnet() -> None:
    bastion = ipaddress.ip_network(RESERVED["bastion"].cidr)
    groups = [g for g in _of_type(shipped(), "azure-native:network:NetworkSecurityGroup") if "cpu-vm" in g.name]
    assert groups, "no research machine firewall planned"
    for group in groups:
        for port in ("22", "3389"):
            sources = [ipaddress.ip_network(prefix)
                       for rule in group.inputs["securityRules"]
                       if rule["access"] == "Allow" and rule["direction"] == "Inbound"
                       and rule.get("destinationPortRange") == port
                       for prefix in [rule.get("sourceAddressPrefix"), *(rule.get("sourceAddressPrefixes") or [])]
                       if prefix]
            assert any(bastion.subnet_of(source) for source in sources), (group.name, port, sources)


def test_the_services_subnet_goes_out_through_the_firewall_and_nowhere_else() -> None:
    routes = _of_type(shipped(), "azure-native:network:Route")
    by_prefix = {r.inputs["addressPrefix"]: r.inputs for r in routes}
    assert by_prefix["0.0.0.0/0"]["nextHopType"] == "None"
    firewall = [r for r in _of_type(shipped(), "azure-native:network:AzureFirewall")]
    assert len(firewall) == 1
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        assert by_prefix[half]["nextHopType"] == "VirtualAppliance"
        assert ipaddress.ip_address(by_prefix[half]["nextHopIpAddress"]) in ipaddress.ip_network(
            RESERVED["firewall"].cidr)
    tables = {r.inputs["routeTableName"] for r in routes} - {"<computed>"}  # the table's own route names it by output
    assert tables == {t.inputs["routeTableName"] for t in _of_type(shipped(), "azure-native:network:RouteTable")}
    assert all("routes" not in t.inputs for t in _of_type(shipped(), "azure-native:network:RouteTable"))


def test_every_subnet_of_the_vnet_waits_for_the_one_before() -> None:
    result = shipped()
    subnets = _of_type(result, "azure-native:network:Subnet")
    assert len(subnets) > 5
    urns = {s.urn for s in subnets}
    # One chain: every subnet but the first depends on exactly one earlier subnet, and none is waited on twice.
    waited_on = [dep for s in subnets for dep in s.dependencies if dep in urns]
    assert len(waited_on) == len(subnets) - 1 and len(set(waited_on)) == len(waited_on)


def test_globally_unique_names_differ_between_subscriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    def names(result: PlanResult) -> set[str]:
        return {r.inputs["accountName"] for r in _of_type(result, "azure-native:storage:StorageAccount")}

    first = names(shipped())
    token = "azure-native:authorization:getClientConfig"
    other = {**planner.MOCK_CALLS[token], "subscriptionId": "11111111-2222-3333-4444-555555555555"}  # type: ignore[dict-item]
    monkeypatch.setitem(planner.MOCK_CALLS, token, other)
    second = names(_plan())
    assert first and len(second) == len(first) and not first & second
    roles = {r.inputs["roleName"] for r in _of_type(shipped(), "azure-native:authorization:RoleDefinition")}
    assert all(name.endswith(f"[{STACK}/00000000]") for name in roles)


def test_the_programs_own_azure_policy_refuses_none_of_its_resources() -> None:
    from hdhport.azure_policy import refusals

    refused, unknown = refusals(shipped().resources)
    assert [(r.policy, r.resource.name) for r in refused] == [] and unknown == []


# ---------------------------------------------------------------------------- F4: the TLS certificates

NOW = datetime.datetime.now(datetime.timezone.utc)
#: The foundation, the certificates and their two consumers: what F4 is about, planned in a few seconds.
TLS_SERVICES = ["virtual_network", "key_management", "disk_encryption", "private_dns", "private_endpoints",
                "log_analytics", "certificate_management", "perimeter_firewall", "waf_gateway"]


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: Any) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _issue(key: Any, name: str, days: int, ca: bool = False, signer: Any = None, issuer: str | None = None) -> Any:
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=days)))
    if ca:
        builder = (builder.add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), critical=True))
    return builder.sign(signer or key, hashes.SHA256())


@cache
def _server() -> tuple[str, str, str]:
    """The portal's certificate (issued by an intermediate), its key and the intermediate."""
    issuer_key = ec.generate_private_key(ec.SECP384R1())
    intermediate = _issue(issuer_key, "HDH issuing CA (test)", 400, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _issue(key, "portal.hdh.internal", 90, signer=issuer_key, issuer="HDH issuing CA (test)")
    return _pem(leaf), _key_pem(key), _pem(intermediate)


@cache
def _inspection_ca() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    return _pem(_issue(key, "HDH TLS inspection CA (test)", 800, ca=True)), _key_pem(key)


def _tls_config(**overrides: str) -> dict[str, Any]:
    certificate, key, chain = _server()
    ca, ca_key = _inspection_ca()
    values = {"tlsCertificate": certificate, "tlsPrivateKey": key, "tlsIntermediates": chain,
              "tlsInspectionCertificate": ca, "tlsInspectionPrivateKey": ca_key, **overrides}
    return planner.stack_config(STACK) | {"hdh:enclaves": 0, "hdh:services": TLS_SERVICES} | {
        f"hdh:{name}": value for name, value in values.items() if value}


@cache
def with_certificates() -> PlanResult:
    return planner.run(STACK, _tls_config())


def test_the_certificates_live_in_the_certificate_vault_and_each_reader_holds_its_own_secret_there() -> None:
    """F4: both references pointed at the customer-managed-key vault, which holds keys, where nothing created them,
    for an identity that could only wrap keys there: Azure refused the firewall policy and the gateway."""
    result = with_certificates()
    by_name = {r.name: r for r in result.resources}
    secrets = {s.inputs["secretName"]: s for s in _of_type(result, "azure-native:keyvault:Secret")}
    assert set(secrets) == {"hdh-gateway-tls", "hdh-firewall-tls-inspection-ca"}
    for secret in secrets.values():
        assert by_name["certificate-management-vault"].urn in secret.dependencies
        assert by_name["key-management-vault"].urn not in secret.dependencies
        assert secret.inputs["properties"] == planner.REDACTED and secret.protect
    (gateway,) = _of_type(result, "azure-native:network:ApplicationGateway")
    (policy,) = _of_type(result, "azure-native:network:FirewallPolicy")
    for consumer, secret_name, owner in ((gateway, "hdh-gateway-tls", "waf-gateway"),
                                         (policy, "hdh-firewall-tls-inspection-ca", "perimeter-firewall")):
        identity, reader = by_name[f"{owner}-tls-identity"], by_name[f"{owner}-tls-reader"]
        secret = secrets[secret_name]
        # Key Vault Secrets User on that one secret of that vault, for an identity of the consumer's own.
        assert reader.inputs["scope"] == f"certificate-management-vault-id/secrets/{secret_name}"
        assert reader.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{SECRETS_USER}")
        assert reader.inputs["principalType"] == "ServicePrincipal"
        assert {identity.urn, secret.urn} <= set(reader.dependencies)
        assert consumer.inputs["identity"]["userAssignedIdentities"] == [f"{owner}-tls-identity-id"]
        # Azure reads the secret when it creates the consumer: the secret and the grant come first.
        assert {reader.urn, secret.urn} <= set(consumer.dependencies)
    assert gateway.inputs["sslCertificates"][0]["keyVaultSecretId"] == planner.COMPUTED  # the secret's own id
    assert policy.inputs["transportSecurity"]["certificateAuthority"]["keyVaultSecretId"] == planner.COMPUTED
    readers = [g.name for g in _of_type(result, "azure-native:authorization:RoleAssignment")
               if g.inputs["roleDefinitionId"].endswith(SECRETS_USER)]
    assert sorted(readers) == ["perimeter-firewall-tls-reader", "waf-gateway-tls-reader"]
    (rules,) = _of_type(result, "azure-native:network:FirewallPolicyRuleCollectionGroup")
    egress = next(c for c in rules.inputs["ruleCollections"] if c["name"] == "internet-egress")
    assert egress["rules"] and all(rule["terminateTLS"] is True for rule in egress["rules"])
    assert not [w for w in result.warnings if "TLS" in w]
    assert not [p for p in result.prerequisites if "hdh:tlsCertificate" in p.keys or "perimeter_firewall" in p.needed_by]


def test_without_certificates_the_plan_names_the_keys_and_builds_nothing_azure_would_refuse() -> None:
    """F4, the first `pulumi up` of the shipped stack: no certificate can exist before the vault does. Both are
    prerequisites `pulumi up` refuses the stack without; the offline plan draws neither the gateway nor the
    firewall's decryption, and names the keys and where to give them."""
    result = shipped()
    assert _of_type(result, "azure-native:keyvault:Secret") == []
    assert _of_type(result, "azure-native:network:ApplicationGateway") == []
    assert len(_of_type(result, "azure-native:network:WebApplicationFirewallPolicy")) == 1
    (policy,) = _of_type(result, "azure-native:network:FirewallPolicy")
    assert "transportSecurity" not in policy.inputs and "identity" not in policy.inputs
    (rules,) = _of_type(result, "azure-native:network:FirewallPolicyRuleCollectionGroup")
    egress = next(c for c in rules.inputs["ruleCollections"] if c["name"] == "internet-egress")
    assert all(rule["terminateTLS"] is False for rule in egress["rules"])
    operations = (paths.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for service, keys in (("waf_gateway", "hdh:tlsCertificate and hdh:tlsPrivateKey"),
                          ("perimeter_firewall", "hdh:tlsInspectionCertificate and hdh:tlsInspectionPrivateKey")):
        (need,) = [p for p in result.prerequisites if p.needed_by == (service,)]
        assert need.blocking and " and ".join(need.keys) == keys
        assert need.doc == 'docs/operations.md, "TLS certificates on Azure"'
    assert not [w for w in result.warnings if "TLS" in w]
    assert "\n## TLS certificates on Azure\n" in operations


def test_the_pfx_holds_the_certificate_its_key_and_chain_and_is_the_same_every_run() -> None:
    """What Application Gateway and Azure Firewall read: a password-less PKCS#12, base64; one certificate gives
    one value, so a second `pulumi up` writes no new secret version."""
    from providers.azure import tls

    config = _tls_config()
    seen: list[tuple[str, int | None]] = []

    def capture() -> None:
        pfx = tls.server_certificate()
        assert pfx is not None
        pfx.value.apply(lambda value: seen.append((value, pfx.expires)))

    for _ in range(2):
        planner.record(capture, "tls-pfx", config)
    (value, expires), again = seen
    assert again == (value, expires)
    key, certificate, chain = pkcs12.load_key_and_certificates(base64.b64decode(value), b"")
    leaf, leaf_key, intermediate = _server()
    assert certificate is not None and certificate.public_bytes(serialization.Encoding.PEM).decode() == leaf
    assert key is not None and _key_pem(key) == leaf_key
    assert [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain] == [intermediate]
    # The secret expires with the certificate (policy_governance's hdh-secrets-expire refuses a secret without).
    assert expires == int(x509.load_pem_x509_certificate(leaf.encode()).not_valid_after_utc.timestamp())


def _refused(config: dict[str, Any]) -> tuple[int, ConfigError]:
    """Run the program on the mock engine; the resources registered before its ConfigError, and the error."""
    from pulumi.runtime import mocks

    from infra.program import main

    count = [0]
    engine = planner.answering_engine(lambda inputs: count.__setitem__(0, count[0] + 1))
    with pytest.raises(ConfigError) as raised:
        planner.run_on_mocks(main, "ev-tls", config, engine, mocks.MockMonitor(engine))
    return count[0], raised.value


@pytest.mark.parametrize(("overrides", "key", "message"), [
    (lambda: {"tlsPrivateKey": ""}, "hdh:tlsPrivateKey", "set together"),
    (lambda: {"tlsPrivateKey": _inspection_ca()[1]}, "hdh:tlsPrivateKey", "is not the key of the certificate"),
    (lambda: {"tlsPrivateKey": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCLeakedBody\n"
                               "-----END PRIVATE KEY-----\n"}, "hdh:tlsPrivateKey", "not a readable"),
    (lambda: {"tlsCertificate": _server()[0] + _server()[2]}, "hdh:tlsCertificate", "exactly one PEM certificate"),
    (lambda: {"tlsInspectionCertificate": _server()[0], "tlsInspectionPrivateKey": _server()[1]},
     "hdh:tlsInspectionCertificate", "RSA key of 4096 bits"),
    (lambda: {"tlsInspectionPrivateKey": _server()[1]}, "hdh:tlsInspectionPrivateKey", "is not the key"),
])
def test_a_certificate_azure_would_refuse_fails_before_any_resource_naming_its_key(
        overrides: Callable[[], dict[str, str]], key: str, message: str) -> None:
    registered, error = _refused(_tls_config(**overrides()))
    assert (registered, error.key) == (0, key) and message in str(error), str(error)
    assert "LeakedBody" not in str(error) and "PRIVATE KEY-----" not in str(error)


# ---------------------------------------------------------------------------- F7: research machines' software

def _cloud_config(vm: planner.PlannedResource) -> dict[str, Any]:
    text = base64.b64decode(vm.inputs["osProfile"]["customData"]).decode()
    assert "deb.debian.org" not in text and "security.debian.org" not in text
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _research_machines(result: PlanResult) -> list[planner.PlannedResource]:
    return [vm for vm in _of_type(result, "azure-native:compute:VirtualMachine") if "-cpu-vm-" in vm.name
            or "-gpu-vm-" in vm.name]


def test_research_machines_install_auditd_from_the_artefact_mirror_alone() -> None:
    """F7: the research machines' cloud-config apt-installed auditd from the image's Debian sources, which an
    enclave (no internet egress) cannot reach, so auditd never ran. They now boot the platform's base."""
    machines = _research_machines(shipped())
    assert len(machines) == 4  # cpu and gpu of both enclaves
    for vm in machines:
        config = _cloud_config(vm)
        assert config["apt"]["preserve_sources_list"] is False
        assert ["rm", "-f", "/etc/apt/sources.list.d/debian.sources"] in config["bootcmd"]
        sources = [line for line in config["apt"]["sources_list"].splitlines() if line.strip()]
        # in an enclave, through the platform's package_mirror (an enclave reaches nothing outside the platform)
        assert sources and all(" https://package-mirror.hdh.internal/artefacts/" in line for line in sources)
        assert ["auditd", DEBIAN["auditd"]] in config["packages"]  # pinned, from the dated snapshot
        assert ["systemctl", "enable", "--now", "auditd"] in config["runcmd"]
    (need,) = [p for p in shipped().prerequisites if "the research machines (cpu_vm, gpu_vm)" in p.needed_by]
    assert need.blocking and "hdh:platformRootCa" in need.keys and need.doc == 'docs/operations.md, "Trust anchors"'


def test_research_machines_trust_the_stacks_anchors_and_mirror() -> None:
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = _pem(_issue(root_key, "HDH platform root CA (test)", 3650, ca=True))
    keyring = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQAA\n-----END PGP PUBLIC KEY BLOCK-----\n"
    config = planner.stack_config(STACK) | {
        "hdh:enclaves": 1, "hdh:services": TLS_SERVICES[:6], "hdh:platformRootCa": root, "hdh:archiveKeyring": keyring,
        "hdh:artefactMirror": "https://artefacts.hdh.example.eu/mirror"}
    result = planner.run(STACK, config)
    machines = _research_machines(result)
    assert len(machines) == 2
    for vm in machines:
        config = _cloud_config(vm)
        assert config["ca_certs"]["trusted"] == [root]
        # the stack's mirror, relayed by package_mirror to the enclave the machine is in
        assert "deb https://package-mirror.hdh.internal/artefacts/debian-snapshot/" in config["apt"]["sources_list"]
        (hdh,) = config["apt"]["sources"].values()
        assert hdh["source"] == "deb [signed-by=$KEY_FILE] https://package-mirror.hdh.internal/artefacts/hdh bookworm main"
    assert not [p for p in result.prerequisites if "the research machines (cpu_vm, gpu_vm)" in p.needed_by]


@pytest.mark.parametrize(("mirror", "expected"), [
    ("https://artefacts.hdh.example.eu/mirror", {"ruleType": "ApplicationRule", "targetFqdns": ["artefacts.hdh.example.eu"],
                                                 "protocols": [{"protocolType": "Https", "port": 443}],
                                                 "terminateTLS": False}),
    ("https://artefacts.hdh.example.eu:8443/hdh", {"ruleType": "ApplicationRule",
                                                   "protocols": [{"protocolType": "Https", "port": 8443}]}),
    ("https://artefacts.hdh.internal", None)])
def test_the_firewall_lets_the_platform_reach_the_stacks_mirror_when_it_is_outside(mirror: str,
                                                                                  expected: dict[str, Any] | None) -> None:
    """Every self-hosted machine installs from the artefact mirror, package_mirror relays it to the enclaves: a mirror
    outside the platform is reached through the firewall, from the platform's range only, not decrypted (the machines
    authenticate it with the platform root CA end to end); one inside needs no rule."""
    config = planner.stack_config(STACK) | {"hdh:enclaves": 0, "hdh:services": [*TLS_SERVICES[:6], "perimeter_firewall"],
                                            "hdh:artefactMirror": mirror}
    (rules,) = _of_type(planner.run(STACK, config), "azure-native:network:FirewallPolicyRuleCollectionGroup")
    found = [c for c in rules.inputs["ruleCollections"] if c["name"] == "artefact-mirror"]
    if expected is None:
        assert found == []
        return
    (collection,) = found
    assert collection["action"] == {"type": "Allow"} and collection["priority"] == 150
    (rule,) = collection["rules"]
    assert rule["sourceAddresses"] == ["10.20.0.0/16"] and rule["name"] == "artefact-mirror"
    assert {key: rule[key] for key in expected} == expected


# ---------------------------------------------------------------------------- AML: its secrets apart from the keys

def test_aml_workspaces_keep_their_secrets_in_a_vault_of_their_own_and_their_key_in_key_management() -> None:
    """Further finding: the workspaces used the customer-managed-key vault as their secret store."""
    from providers.testing import PLACEMENTS, record_service

    cmk_vault = PLACEMENTS["azure"].key_vault_id
    for service in ("ml_workspace", "notebook_server"):
        result = record_service(service, "azure")
        (workspace,) = _of_type(result, "azure-native:machinelearningservices:Workspace")
        (vault,) = _of_type(result, "azure-native:keyvault:Vault")
        assert workspace.inputs["keyVault"] == f"{vault.name}-id" != cmk_vault
        assert workspace.inputs["encryption"]["keyVaultProperties"]["keyVaultArmId"] == cmk_vault
        properties = vault.inputs["properties"]
        assert properties["enableRbacAuthorization"] is True and properties["enablePurgeProtection"] is True
        assert properties["publicNetworkAccess"] == "Disabled"
        # Azure Machine Learning is a trusted service of Key Vault; nothing else comes in but the private endpoint.
        assert properties["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
        assert any(e.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] == f"{vault.name}-id"
                   for e in _of_type(result, "azure-native:network:PrivateEndpoint"))


# ---------------------------------------------------------------------------- F9: Entra diagnostic settings

def test_entra_diagnostic_settings_are_named_per_stack_and_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    """F9: `hdh-directory-audit` and `hdh-sign-ins` were one name per tenant, so a second platform stack of the tenant
    took the first one's export over."""
    from hdhport.resolve import Resolution
    from providers.build import build_service
    from providers.testing import PLACEMENTS, SIZINGS, catalogue

    def names(stack: str) -> list[str]:
        found = []
        for service_id in ("directory", "sso_mfa"):
            service = catalogue().service(service_id)
            resolution = Resolution(service.id, "native", "azure", "Microsoft Entra ID", "test")
            result = planner.record(lambda: build_service(service, resolution, PLACEMENTS["azure"], SIZINGS["azure"]),
                                    stack, {})
            found += [r.inputs["name"] for r in _of_type(result, "azure-native:aadiam:DiagnosticSetting")]
        return found

    assert names("azure-francecentral") == ["hdh-directory-audit-azure-francecentral-00000000",
                                            "hdh-sign-ins-azure-francecentral-00000000"]
    assert names("hdh-prod.2") == ["hdh-directory-audit-hdh-prod-2-00000000", "hdh-sign-ins-hdh-prod-2-00000000"]
    token = "azure-native:authorization:getClientConfig"
    other = {**planner.MOCK_CALLS[token],  # type: ignore[dict-item]
             "subscriptionId": "11111111-2222-3333-4444-555555555555"}
    monkeypatch.setitem(planner.MOCK_CALLS, token, other)
    assert names("azure-francecentral") == ["hdh-directory-audit-azure-francecentral-11111111",
                                            "hdh-sign-ins-azure-francecentral-11111111"]
    assert all(len(name) <= 64 for name in names("a" * 100))
