"""The platform program: config validated before any resource, resolution, whole-platform plans."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from hdhport import paths, planner
from hdhport.loader import load_specification
from hdhport.planner import PlanResult
from hdhport.resolve import GapError, resolve
from hdhport.stack_config import ConfigError, parse

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
    ({"hdh:enclaves": "many"}, "hdh:enclaves", "expected a number of projects, a list of project ids, or a mapping"),
    ({"hdh:enclaves": ["Bad_Name"]}, "hdh:enclaves", "project ids are lowercase"),
    ({"hdh:enclaves": ["a1", "a1"]}, "hdh:enclaves", "must be unique"),
    ({"hdh:allowGaps": "perhaps"}, "hdh:allowGaps", "expected true or false"),
    ({"hdh:colour": "blue"}, "hdh:colour", "unknown key"),
    ({"hdh:adminSshPublicKey": "hunter2"}, "hdh:adminSshPublicKey", "OpenSSH public key"),
    ({"hdh:services": ["object_storage", "teleporter"]}, "hdh:services", "unknown service 'teleporter'"),
    ({"hdh:gpuFlavor": None}, "hdh:gpuFlavor", "declares no default"),
    ({"hdh:firstEnclaveIndex": -1}, "hdh:firstEnclaveIndex", "expected 0 to"),
    ({"hdh:workloadRoles": ["member", "admin"]}, "hdh:workloadRoles", "never carries the admin role"),
    ({"hdh:workloadCredentialExpiry": "2027-12-31"}, "hdh:workloadCredentialExpiry", "expected a UTC time"),
    ({"hdh:imageId": "Debian 12"}, "hdh:imageId", "expected an image id"),
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
    credentials = {r.name: r for r in result.resources
                   if r.type == "azure-native:managedidentity:FederatedIdentityCredential"}
    credential = credentials.pop("workload-identity-federated")
    assert credential.inputs["issuer"] == planner.COMPUTED  # the cluster's issuer URL, known once it exists
    assert credential.inputs["subject"] == "system:serviceaccount:hdh-platform:workload"
    # Each research project's own identity trusts its own namespace's service account only.
    assert credentials and all(
        r.inputs["subject"] == f"system:serviceaccount:{name.removesuffix('-workload-identity-federated')}:workload"
        and name.startswith("project-") for name, r in credentials.items())
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


def _enclave_cidrs(enclaves: object, **extra: object) -> dict[str, str]:
    config = planner.stack_config("ovhcloud-public-cloud") | {
        "hdh:enclaves": enclaves, "hdh:services": ["virtual_network"], **extra}
    return {r.name.removesuffix("-segment-subnet"): r.inputs["cidr"] for r in planner.run("ovh", config).resources
            if r.type == "openstack:networking/subnet:Subnet" and r.name.endswith("-segment-subnet")}


def test_an_enclaves_network_is_keyed_by_its_project_so_removing_another_moves_nothing() -> None:
    # The platform review's F10: with a list, removing `alpha` would move `gamma` to alpha's /24 (a subnet
    # replacement with machines attached). The mapping form keeps every project on its own network.
    before = _enclave_cidrs({"alpha": 0, "beta": 7, "gamma": 2})
    assert before == {"alpha": "10.64.0.0/24", "beta": "10.64.7.0/24", "gamma": "10.64.2.0/24"}
    assert _enclave_cidrs({"beta": 7, "gamma": 2}) == {"beta": "10.64.7.0/24", "gamma": "10.64.2.0/24"}
    assert _enclave_cidrs(["alpha", "gamma"])["gamma"] == "10.64.1.0/24"  # the list form is positional


def test_an_enclave_mapping_split_into_enclave_stacks_keeps_each_projects_network() -> None:
    from hdhport.plan_cli import _runs

    config = planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": {"alpha": 9, "beta": 3, "gamma": 4}}
    runs = _runs("ovh", config, 2)
    assert [(run["hdh:enclaves"], run.get("hdh:firstEnclaveIndex")) for _, run in runs[1:]] == [
        ({"alpha": 9, "beta": 3}, None), ({"gamma": 4}, None)]


@pytest.mark.parametrize("enclaves,extra,message", [
    ({"alpha": 1, "beta": 1}, {}, "hdh:enclaves.beta: network 1 is already alpha's"),
    ({"alpha": 16384}, {}, "hdh:enclaves.alpha: expected an enclave network number from 0 to 16383, got 16384"),
    ({"alpha": "1"}, {}, "hdh:enclaves.alpha: expected an enclave network number from 0 to 16383, got '1'"),
    ({"Alpha": 1}, {}, "hdh:enclaves: project ids are lowercase letters"),
    ({"alpha": 1}, {"hdh:firstEnclaveIndex": 3}, "hdh:firstEnclaveIndex: hdh:enclaves maps each project to its network"),
])
def test_a_bad_enclave_mapping_is_refused_naming_the_project(enclaves: object, extra: dict[str, object],
                                                              message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        planner.run("bad", _config(**{"hdh:enclaves": enclaves, **extra}))
    assert str(caught.value).startswith(message)


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


def test_plan_command_shows_the_stacks_prerequisites_apart_from_warnings(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    result = cli("plan", "--profile", "ovhcloud-public-cloud", "--enclaves", "2", "--out", str(tmp_path))
    assert result.code == 0, result.err
    document = json.loads((tmp_path / "plan.json").read_text())
    assert document["warnings"] == []
    needs = {tuple(p["keys"]): p for p in document["prerequisites"]}
    assert needs[("hdh:platformRootCa", "hdh:archiveKeyring", "hdh:artefactMirror")]["blocking"] is True
    assert needs[("hdh:identityAdmin",)]["blocking"] is False
    shown = result.err.splitlines()
    assert shown == [f"ovhcloud-public-cloud: {'before pulumi up, give' if p['blocking'] else 'left to the operator'}: "
                     f"{p['message']}" for p in document["prerequisites"]]  # each once, though two enclaves need it
    markdown = (tmp_path / "plan.md").read_text()
    assert "## Before `pulumi up`: what the stack must give" in markdown and "## Left to the operator" in markdown
    assert "## Warnings from the program" not in markdown


def test_plan_command_reports_bad_stack_config_as_bad_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--profile", "openstack-reference", "--enclaves", "99999", "--out", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith("--enclaves: hdh:enclaves: expected 0 to 16384 projects")  # the flag, not the file
    assert not (tmp_path / "plan.json").exists()


def test_plan_command_fails_on_gaps_listing_them(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--stack", "ovhcloud-bare-metal-pod-snc", "--out", str(tmp_path))
    assert result.code == 0, result.err  # its stack file allows the gaps
    document = __import__("json").loads((tmp_path / "plan.json").read_text())
    gaps = [s for s in document["services"] if s["resolution"] == "gap"]
    assert gaps and all("lacks" in s["reason"] or "needs" in s["reason"] for s in gaps)


def _ovh(**overrides: object) -> dict[str, object]:
    config = planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": 0, "hdh:services": ["workload_identity"]}
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


@pytest.mark.parametrize("region,fragment", [
    ("GRA", "'GRA' is not a name ovhcloud-public-cloud gives region gra; expected one of GRA5, GRA7, GRA9, GRA11"),
    (None, "is not set a name ovhcloud-public-cloud gives region gra"),
])
def test_the_providers_region_must_be_a_name_the_cloud_gives_the_stacks_region(region: str | None,
                                                                               fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        planner.run("ovh", _ovh(**{"openstack:region": region}))
    assert caught.value.key == "openstack:region" and fragment in str(caught.value)


def test_a_region_whose_api_names_nobody_published_is_not_checked() -> None:
    result = planner.run("ovh", _ovh(**{"hdh:region": "rbx", "openstack:region": "anything"}))
    assert "workload_identity" in result.stack_outputs["services"]


def _credential(result: PlanResult) -> dict[str, object]:
    (credential,) = [r for r in result.resources if r.type == "openstack:identity/applicationCredential:ApplicationCredential"]
    return {"roles": credential.inputs["roles"], "expiresAt": credential.inputs["expiresAt"],
            "ignore": credential.ignore_changes}


def test_a_workload_credential_expires_a_year_after_creation_and_keeps_that_date() -> None:
    # SOURCE_DATE_EPOCH is 2026-01-01 in the tests (conftest); no literal date lives in the program.
    assert _credential(planner.run("ovh", _ovh())) == {
        "roles": ["member"], "expiresAt": "2027-01-01T23:59:59Z", "ignore": ["expiresAt"]}
    fixed = planner.run("ovh", _ovh(**{"hdh:workloadCredentialExpiry": "2026-09-30T23:59:59Z",
                                       "hdh:workloadRoles": ["objectstore_operator"]}))
    assert _credential(fixed) == {"roles": ["objectstore_operator"], "expiresAt": "2026-09-30T23:59:59Z", "ignore": []}


def _scope(region: str, roles: list[str], endpoints: list[tuple[str, str, str]]) -> Any:
    from pulumi_openstack.identity import GetAuthScopeResult, outputs

    catalogue = [outputs.GetAuthScopeServiceCatalogResult(
        id="swift", name="swift", type="object-store",
        endpoints=[outputs.GetAuthScopeServiceCatalogEndpointResult(id=f"e{i}", interface=interface, region=where,
                                                                    region_id=where, url=url)
                   for i, (where, interface, url) in enumerate(endpoints)])]
    return GetAuthScopeResult(
        domain_id="", domain_name="", id="hdh", name="hdh", project_domain_id="default", project_domain_name="Default",
        project_id="p", project_name="hdh", region=region, service_catalogs=catalogue, set_token_id=None,
        token_id="", user_domain_id="default", user_domain_name="Default", user_id="u", user_name="deployer",
        roles=[outputs.GetAuthScopeRoleResult(role_id=f"{name}-id", role_name=name) for name in roles])


def test_a_workload_role_the_deploying_user_does_not_hold_stops_the_run_naming_the_roles_it_holds() -> None:
    from providers.openstack.common import roles_held

    scope = _scope("GRA11", ["objectstore_operator", "reader"], [])
    assert roles_held(("objectstore_operator",), scope) == ["objectstore_operator"]
    with pytest.raises(ValueError, match=r"does not hold member in its project \(it holds objectstore_operator, reader\)"):
        roles_held(("member",), scope)


def test_the_s3_endpoint_comes_from_the_credentials_catalogue_in_their_region() -> None:
    from providers.openstack.common import object_store_root

    endpoints = [("SBG5", "public", "https://storage.sbg.example/v1/AUTH_p"),
                 ("GRA11", "internal", "http://10.0.0.1:8080/v1/AUTH_p"),
                 ("GRA11", "public", "https://storage.gra.example/v1/AUTH_p")]
    assert object_store_root(_scope("GRA11", [], endpoints)) == "https://storage.gra.example"
    with pytest.raises(ValueError, match="no public object-store endpoint in region 'RBX-A'"):
        object_store_root(_scope("RBX-A", [], endpoints))


def test_every_self_hosted_disk_that_holds_state_is_protected_not_only_health_data() -> None:
    volumes = {r.name: r for r in planned("ovhcloud-public-cloud").resources
               if r.type == "openstack:blockstorage/volume:Volume"}
    for kept in ("audit-log-wazuh-0-data", "directory-keycloak-0-data", "message-queue-rabbitmq-2-data",
                 "siem-wazuh-0-data", "managed-ad-samba-1-data"):
        assert volumes[kept].protect and volumes[kept].retain_on_delete, kept
    for cache in ("antimalware-clamav-0-data", "waf-gateway-waf-1-data", "ddos-protection-edge-0-data"):
        assert not volumes[cache].protect, cache


def test_the_machines_secrets_store_and_ca_are_built_and_named_where_the_profile_serves_them_natively() -> None:
    result = planned("ovhcloud-public-cloud")
    servers = {r.name for r in result.resources if r.type == "openstack:compute/instance:Instance"}
    assert {"machine-secrets-store-openbao-0", "machine-secrets-store-openbao-2",
            "machine-certificate-management-stepca-0"} <= servers
    assert set(result.stack_outputs["machine_trust"]) == {"secrets_store", "certificate_management"}
    assert result.stack_outputs["services"]["secrets_store"]["product"] == "OpenStack Barbican (secrets)"
    # Their data (raft store, CA key) is kept like any other state.
    volumes = {r.name: r for r in result.resources if r.type == "openstack:blockstorage/volume:Volume"}
    assert volumes["machine-secrets-store-openbao-0-data"].protect
    assert volumes["machine-certificate-management-stepca-0-data"].retain_on_delete
    assert not [w for w in result.warnings if "will wait for it" in w]


def test_without_a_pinned_image_a_newer_image_never_replaces_a_running_machine() -> None:
    (vm,) = [r for r in planned("ovhcloud-public-cloud").resources
             if r.type == "openstack:compute/instance:Instance" and r.name == "cpu-vm-vm-0"]
    assert sorted(vm.ignore_changes) == ["blockDevices[0].uuid", "imageName", "userData"]
    assert vm.protect and vm.retain_on_delete
    config = planner.stack_config("ovhcloud-public-cloud") | {
        "hdh:enclaves": 0, "hdh:services": ["disk_encryption", "cpu_vm"],
        "hdh:imageId": "0b7f5a3e-8c1d-4e2f-9a6b-3c4d5e6f7a8b"}
    (pinned,) = [r for r in planner.run("ovh", config).resources if r.type == "openstack:compute/instance:Instance"]
    # Pinned, the image is the stack's to change (a replacement, refused while protected); the cloud-config never.
    assert sorted(pinned.ignore_changes) == ["imageName", "userData"]
    assert pinned.inputs["blockDevices"][0]["uuid"] == "0b7f5a3e-8c1d-4e2f-9a6b-3c4d5e6f7a8b"


def test_an_openstack_research_machine_installs_from_the_mirror_on_encrypted_volumes_open_to_its_project() -> None:
    resources = planned("ovhcloud-public-cloud").resources
    (vm,) = [r for r in resources if r.type == "openstack:compute/instance:Instance"
             and r.name == "project-001-cpu-vm-vm-0"]
    config = yaml.safe_load(vm.inputs["userData"])
    assert "auditd" in [name for name, _ in config["packages"]] and config["apt"]["preserve_sources_list"] is False
    assert "HDH_GUEST_DISK_ENCRYPTION=off" in next(f["content"] for f in config["write_files"]
                                                    if f["path"] == "/etc/hdh/service.env")
    (boot,) = vm.inputs["blockDevices"]
    (data,) = [r for r in resources if r.name == "project-001-cpu-vm-vm-0-data"]
    assert boot["volumeType"] == data.inputs["volumeType"] != "" and not boot["deleteOnTermination"]
    assert data.protect and data.retain_on_delete
    (port,) = [r for r in resources if r.name == "project-001-cpu-vm-vm-0-port"]
    assert port.inputs["dnsName"] == vm.inputs["name"] and port.inputs["portSecurityEnabled"]
    rules = {r.name: r.inputs for r in resources if r.type == "openstack:networking/secGroupRule:SecGroupRule"
             and r.parent.endswith("project-001-cpu-vm-sg")}
    # Out to the project's own subnet (its share), never in from it: the enclave-isolation policy refuses that.
    assert rules["project-001-cpu-vm-out-own-subnet"]["direction"] == "egress"
    assert not [name for name in rules if "-in-own" in name]
    assert not [r for r in rules.values() if r.get("remoteIpPrefix", "0.0.0.0/0") == "0.0.0.0/0"]


def test_a_self_hosted_machine_is_named_on_its_network_and_kept_through_a_new_image() -> None:
    resources = planned("ovhcloud-public-cloud").resources
    (server,) = [r for r in resources if r.type == "openstack:compute/instance:Instance"
                 and r.name == "message-queue-rabbitmq-0"]
    (port,) = [r for r in resources if r.name == "message-queue-rabbitmq-0-port"]
    assert port.inputs["dnsName"] == server.inputs["name"] == "message-queue-rabbitmq-0"
    assert sorted(server.ignore_changes) == ["imageName", "userData"]


def test_what_the_deploying_user_owns_is_named_after_the_stack() -> None:
    # Key pairs and application credentials belong to the user, across projects: two stacks must not collide.
    resources = planned("ovhcloud-public-cloud").resources
    owned = [r for r in resources if r.type in ("openstack:compute/keypair:Keypair",
                                                 "openstack:identity/applicationCredential:ApplicationCredential")]
    assert owned and all(str(r.inputs["name"]).startswith("ovhcloud-public-cloud-") for r in owned), \
        sorted(str(r.inputs["name"]) for r in owned if not str(r.inputs["name"]).startswith("ovhcloud-public-cloud-"))


def test_an_openstack_enclave_is_routed_from_the_platform_but_lets_nothing_out() -> None:
    resources = planned("ovhcloud-public-cloud").resources
    (subnet,) = [r for r in resources if r.type == "openstack:networking/subnet:Subnet"
                 and r.name == "project-001-segment-subnet"]
    (routed,) = [r for r in resources if r.type == "openstack:networking/routerInterface:RouterInterface"
                 and r.name == "project-001-segment-router"]
    assert subnet.inputs["gatewayIp"] == "10.64.0.1" and not subnet.inputs.get("noGateway")
    assert routed.inputs["routerId"] == "platform-router-id"  # the platform router, where the bastion's subnet is
    egress = [r.inputs for r in resources if r.type == "openstack:networking/secGroupRule:SecGroupRule"
              and r.parent.endswith("project-001-segment-sg") and r.inputs["direction"] == "egress"]
    assert [rule["remoteIpPrefix"] for rule in egress] == [subnet.inputs["cidr"]]
