"""Every policy can fail: for each, a resource that violates it (exact message) and one that satisfies it."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from hdhport.planner import PlannedResource
from hdhport.policy_runner import evaluate
from policies import hdh_policies as P

TAGS = {"hdh-service": "object_storage", "hdh-enclave": "platform", "data-classification": "health-pseudonymised"}
TAG_LIST = [f"{k}={v}" for k, v in TAGS.items()]
AZ_ACCOUNT = "azure-native:storage:StorageAccount"
GOOD_ACCOUNT = {"location": "francecentral", "kind": "StorageV2", "tags": TAGS, "publicNetworkAccess": "Disabled",
                "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2",
                "networkRuleSet": {"defaultAction": "Deny"},
                "encryption": {"keySource": "Microsoft.Keyvault", "keyVaultProperties": {"keyName": "k"}}}


def resource(type_: str, inputs: dict[str, Any], name: str = "r", protect: bool = True,
             parent: str = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s") -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:s::p::{type_}::{name}", type=type_, name=name, parent=parent,
                           custom=True, protect=protect, retain_on_delete=protect, dependencies=[], inputs=inputs)


def messages(policy: Any, *resources: PlannedResource) -> list[str]:
    return [v.message for v in evaluate(list(resources), [policy])]


def test_allowed_regions() -> None:
    assert messages(P.allowed_regions, resource(AZ_ACCOUNT, {**GOOD_ACCOUNT, "location": "eastus"})) == [
        "location 'eastus' is outside the EU; allowed: " + ", ".join(sorted(P.EU_AZURE_LOCATIONS))]
    assert messages(P.allowed_regions, resource(AZ_ACCOUNT, GOOD_ACCOUNT)) == []


def test_encryption_at_rest() -> None:
    volume = "openstack:blockstorage/volume:Volume"
    assert messages(P.encryption_at_rest, resource(volume, {"size": 10, "metadata": TAGS})) == [
        "openstack:blockstorage/volume:Volume is not encrypted at rest"]
    assert messages(P.encryption_at_rest, resource(volume, {"size": 10, "volumeType": "LUKS", "metadata": TAGS})) == []


def test_customer_managed_key() -> None:
    platform_managed = {**GOOD_ACCOUNT, "encryption": {"keySource": "Microsoft.Storage"}}
    assert messages(P.customer_managed_key, resource(AZ_ACCOUNT, platform_managed)) == [
        f"data-bearing {AZ_ACCOUNT} is not encrypted with the customer-managed key"]
    assert messages(P.customer_managed_key, resource(AZ_ACCOUNT, GOOD_ACCOUNT)) == []
    internal = {**platform_managed, "tags": {**TAGS, "data-classification": "internal"}}
    assert messages(P.customer_managed_key, resource(AZ_ACCOUNT, internal)) == []


def test_no_public_endpoint() -> None:
    public = {**GOOD_ACCOUNT, "publicNetworkAccess": "Enabled"}
    assert messages(P.no_public_endpoint, resource(AZ_ACCOUNT, public)) == [
        "publicNetworkAccess is 'Enabled'; the data plane has no public endpoint (set Disabled)"]
    ip = "azure-native:network:PublicIPAddress"
    assert messages(P.no_public_endpoint, resource(ip, {"tags": TAGS})) == [
        "public IP outside the platform's edge services (bastion, ddos_protection, nat_egress, perimeter_firewall, "
        "site_to_site_vpn, waf_gateway)"]
    assert messages(P.no_public_endpoint, resource(ip, {"tags": {**TAGS, "hdh-service": "bastion"}})) == []
    assert messages(P.no_public_endpoint, resource(AZ_ACCOUNT, GOOD_ACCOUNT)) == []


def test_deny_by_default_ingress() -> None:
    rule = "openstack:networking/secGroupRule:SecGroupRule"
    ssh_anywhere = {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "portRangeMin": 22,
                    "portRangeMax": 22, "remoteIpPrefix": "0.0.0.0/0"}
    assert messages(P.deny_by_default_ingress, resource(rule, ssh_anywhere)) == [
        "ingress from 0.0.0.0/0 to 22: management ports are reachable only through the bastion"]
    no_prefix = {k: v for k, v in ssh_anywhere.items() if k != "remoteIpPrefix"}
    assert len(messages(P.deny_by_default_ingress, resource(rule, no_prefix))) == 1
    assert messages(P.deny_by_default_ingress, resource(rule, {**ssh_anywhere, "remoteIpPrefix": "10.20.0.0/20"})) == []
    nsg = "azure-native:network:NetworkSecurityGroup"
    rdp = {"tags": TAGS, "securityRules": [{"direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "*",
                                            "destinationPortRange": "3389", "protocol": "Tcp"}]}
    assert messages(P.deny_by_default_ingress, resource(nsg, rdp)) == [
        "ingress from * to 3389: management ports are reachable only through the bastion"]
    group = "openstack:networking/secGroup:SecGroup"
    assert messages(P.deny_by_default_ingress, resource(group, {"tags": TAG_LIST})) == [
        "security group keeps OpenStack's default rules (all egress open); set deleteDefaultRules true"]
    assert messages(P.deny_by_default_ingress, resource(group, {"tags": TAG_LIST, "deleteDefaultRules": True})) == []


def test_tls_minimum() -> None:
    assert messages(P.tls_minimum, resource(AZ_ACCOUNT, {**GOOD_ACCOUNT, "minimumTlsVersion": "TLS1_0"})) == [
        "minimumTlsVersion is TLS1_0; TLS 1.2 is the minimum"]
    unset = {k: v for k, v in GOOD_ACCOUNT.items() if k != "minimumTlsVersion"}
    assert messages(P.tls_minimum, resource(AZ_ACCOUNT, unset)) == [
        "minimumTlsVersion is not set (the service's default still accepts TLS 1.0); set TLS1_2"]
    assert messages(P.tls_minimum, resource(AZ_ACCOUNT, GOOD_ACCOUNT)) == []


def test_versioning_or_soft_delete() -> None:
    container = "openstack:objectstorage/container:Container"
    assert messages(P.versioning_or_soft_delete, resource(container, {"metadata": TAGS}, name="c")) == [
        "Swift container c has no versioning"]
    assert messages(P.versioning_or_soft_delete, resource(container, {"metadata": TAGS, "versioning": True})) == []
    component = "urn:pulumi:s::p::hdh:storage:ObjectStorage::objects"
    account = resource(AZ_ACCOUNT, GOOD_ACCOUNT, name="acct", parent=component)
    assert messages(P.versioning_or_soft_delete, account) == [
        "storage account acct has no blob versioning or soft delete (BlobServiceProperties in the same component)"]
    owner = PlannedResource(urn=component, type="hdh:storage:ObjectStorage", name="objects", parent="", custom=False,
                            protect=False, retain_on_delete=False, dependencies=[], inputs={})
    blob = resource("azure-native:storage:BlobServiceProperties", {"isVersioningEnabled": True}, name="b",
                    parent=component)
    assert messages(P.versioning_or_soft_delete, owner, account, blob) == []


def test_protect_data_bearing() -> None:
    assert messages(P.protect_data_bearing, resource(AZ_ACCOUNT, GOOD_ACCOUNT, protect=False)) == [
        f"data-bearing {AZ_ACCOUNT} is not protected: a destroy or refactor could lose data"]
    assert messages(P.protect_data_bearing, resource(AZ_ACCOUNT, GOOD_ACCOUNT)) == []


def test_mandatory_tags() -> None:
    assert messages(P.mandatory_tags, resource(AZ_ACCOUNT, {**GOOD_ACCOUNT, "tags": {"hdh-service": "x"}})) == [
        "missing tags: hdh-enclave, data-classification"]
    assert messages(P.mandatory_tags, resource("openstack:networking/port:Port", {"tags": TAG_LIST})) == []
    # a type whose SDK class takes no tags is not concerned
    assert messages(P.mandatory_tags, resource("openstack:networking/secGroupRule:SecGroupRule", {})) == []


@pytest.mark.parametrize("text,label", [
    ("runcmd:\n  - echo password=Sup3rS3cret!\n", "a credential assignment"),
    ("      default_pass = Wq8zR3tLm9Vx2Kp7\n", "a credential assignment"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", "a private key"),
    ("url: https://admin:hunter22@db.internal/", "credentials in a URL"),
    ("token: " + "q8Zr2LwX9vKp4TnB7yHs3JdF6mGc1QaE", "a credential assignment"),
    ("x: Zx9Qp2Lr7Kw4Tn8Bv3Hs6Jd1Fm5Gc0Qa", "a high-entropy string (Zx9Qp2...)"),
])
def test_no_secret_in_clear(text: str, label: str) -> None:
    instance = "openstack:compute/instance:Instance"
    found = messages(P.no_secret_in_clear, resource(instance, {"userData": text, "tags": TAG_LIST}))
    assert f"userData holds {label} in clear; use a Pulumi secret or fetch it at boot" in found
    encoded = base64.b64encode(text.encode()).decode()
    assert messages(P.no_secret_in_clear, resource("azure-native:compute:VirtualMachine",
                                                   {"osProfile": {"customData": encoded}, "tags": TAGS}))


def test_no_secret_in_clear_passes_clean_inputs() -> None:
    clean = {"userData": "#cloud-config\nruncmd:\n  - [sh, -c, 'x=\"$(/usr/local/sbin/hdh-secret db)\"']\n",
             "keyPair": "ops", "password": "[secret]",
             "publicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN48w5pJpDH4EVS19ywhCcNqPqvkbTCO6n93vYWAqEfr x",
             "id": "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-hdh-platform"}
    assert messages(P.no_secret_in_clear, resource("openstack:compute/instance:Instance", clean)) == []


def test_enclave_isolation() -> None:
    group_urn = "urn:pulumi:s::p::openstack:networking/secGroup:SecGroup::project-001-segment-sg"
    group = PlannedResource(urn=group_urn, type="openstack:networking/secGroup:SecGroup", name="project-001-segment-sg",
                            parent="", custom=True, protect=False, retain_on_delete=False, dependencies=[],
                            inputs={"tags": ["hdh-enclave=project-001"], "deleteDefaultRules": True})
    rule = "openstack:networking/secGroupRule:SecGroupRule"
    from_other = resource(rule, {"direction": "ingress", "ethertype": "IPv4", "remoteIpPrefix": "10.64.1.0/24",
                                 "portRangeMin": 22, "portRangeMax": 22}, name="open", parent=group_urn)
    assert messages(P.enclave_isolation, group, from_other) == [
        "open lets 10.64.1.0/24 into enclave project-001: enclaves are reachable only from the platform services "
        "(bastion, virtual desktop)"]
    from_bastion = resource(rule, {"direction": "ingress", "ethertype": "IPv4", "remoteIpPrefix": "10.20.0.0/20",
                                   "portRangeMin": 22, "portRangeMax": 22}, name="ok", parent=group_urn)
    assert messages(P.enclave_isolation, group, from_bastion) == []


def test_every_policy_names_its_controls_and_a_remediation() -> None:
    for policy in P.ALL_POLICIES:
        assert policy.remediation_steps and policy.framework is not None and policy.tags, policy.name
        assert all(":" in tag and not any(ch.isdigit() for ch in tag.split(":", 1)[1].split()[0]) for tag in policy.tags)


def test_policy_pack_entry_point_is_importable_without_starting_it() -> None:
    import ast
    from pathlib import Path

    source = (Path(P.__file__).parent / "__main__.py").read_text()
    tree = ast.parse(source)
    assert any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "PolicyPack" for n in ast.walk(tree))


# ---------------------------------------------------------------------------------------------- Scaleway

SCW_SERVER = "scaleway:instance/server:Server"
SCW_GROUP = "scaleway:instance/securityGroup:SecurityGroup"
SCW_BUCKET = "scaleway:object/bucket:Bucket"
SCW_SSE = "scaleway:object/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def test_scaleway_regions_and_zones_stay_in_the_eu() -> None:
    assert messages(P.allowed_regions, resource(SCW_SERVER, {"zone": "fr-par-2", "tags": TAG_LIST})) == []
    assert messages(P.allowed_regions, resource(SCW_BUCKET, {"region": "nl-ams", "tags": TAGS})) == []
    assert messages(P.allowed_regions, resource(SCW_SERVER, {"zone": "us-east-1", "tags": TAG_LIST})) == [
        "zone 'us-east-1' is outside the EU; allowed regions: fr-par, it-mil, nl-ams, pl-waw"]


def test_scaleway_instances_get_no_public_address() -> None:
    private = {"type": "POP2-2C-8G", "enableDynamicIp": False, "tags": TAG_LIST}
    assert messages(P.no_public_endpoint, resource(SCW_SERVER, private)) == []
    for exposed in ({**private, "enableDynamicIp": True}, {**private, "ipId": "fr-par-1/ip"},
                    {k: v for k, v in private.items() if k != "enableDynamicIp"}):
        assert messages(P.no_public_endpoint, resource(SCW_SERVER, exposed)) == [
            "the Instance may get a public address: give it no ipId/ipIds and set enableDynamicIp false"]
    database = {"nodeType": "DB-DEV-S", "encryptionAtRest": True, "loadBalancer": {}, "tags": TAG_LIST}
    assert messages(P.no_public_endpoint, resource("scaleway:databases/instance:Instance", database)) == []
    database["loadBalancer"] = {"endpointId": "x"}
    assert messages(P.no_public_endpoint, resource("scaleway:databases/instance:Instance", database)) == [
        "the database declares a load-balancer (public) endpoint; keep its Private Network endpoint only"]


def test_scaleway_security_groups_drop_by_default_and_never_open_ssh_to_anyone() -> None:
    good = {"inboundDefaultPolicy": "drop", "outboundDefaultPolicy": "drop", "tags": TAG_LIST,
            "inboundRules": [{"action": "accept", "protocol": "TCP", "port": 22, "ipRange": "10.20.0.0/20"}]}
    assert messages(P.deny_by_default_ingress, resource(SCW_GROUP, good)) == []
    open_ssh = {**good, "inboundRules": [{"action": "accept", "protocol": "TCP", "port": 22}]}
    assert messages(P.deny_by_default_ingress, resource(SCW_GROUP, open_ssh)) == [
        "ingress from 0.0.0.0/0 to 22: management ports are reachable only through the bastion"]
    accepting = {**good, "inboundDefaultPolicy": "accept"}
    assert messages(P.deny_by_default_ingress, resource(SCW_GROUP, accepting)) == [
        "security group's inbound default policy is not drop; set inbound_default_policy 'drop'"]


def test_scaleway_volumes_hold_the_customer_key_in_the_guest_only_when_they_say_so() -> None:
    volume = "scaleway:block/volume:Volume"
    assert messages(P.customer_managed_key, resource(volume, {"iops": 5000, "tags": TAG_LIST})) == [
        f"data-bearing {volume} is not encrypted with the customer-managed key"]
    guest = {"iops": 5000, "tags": [*TAG_LIST, "hdh-disk-encryption=guest-luks-tang"]}
    assert messages(P.customer_managed_key, resource(volume, guest)) == []
    database = "scaleway:databases/instance:Instance"
    assert messages(P.encryption_at_rest, resource(database, {"encryptionAtRest": False, "tags": TAG_LIST})) == [
        f"{database} is not encrypted at rest"]


def test_scaleway_buckets_are_versioned_and_encrypted_with_the_customer_key() -> None:
    bucket = resource(SCW_BUCKET, {"name": "hdh-platform-objects-1", "versioning": {"enabled": True}, "tags": TAGS})
    sse = resource(SCW_SSE, {"bucket": "hdh-platform-objects-1", "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "fr-par/key"}}]},
        name="sse")
    assert messages(P.bucket_default_encryption, bucket, sse) == []
    assert messages(P.bucket_default_encryption, bucket) == [
        "bucket r is not encrypted by default with the customer-managed key (a BucketServerSideEncryptionConfiguration "
        "with aws:kms and the Key Manager key)"]
    unversioned = resource(SCW_BUCKET, {"name": "b", "versioning": {"enabled": False}, "tags": TAGS})
    assert messages(P.versioning_or_soft_delete, unversioned) == ["bucket r has no versioning"]


def test_scaleway_buckets_are_never_public() -> None:
    bucket = {"name": "b", "versioning": {"enabled": True}, "tags": TAGS}
    assert messages(P.no_public_endpoint, resource(SCW_BUCKET, bucket)) == []
    assert messages(P.no_public_endpoint, resource(SCW_BUCKET, {**bucket, "acl": "public-read"})) == [
        "bucket ACL 'public-read' opens objects beyond the project; keep the ACL private"]
    policy = "scaleway:object/bucketPolicy:BucketPolicy"
    anyone = {"Version": "2023-04-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                      "Resource": "b/*"}]}
    assert messages(P.no_public_endpoint, resource(policy, {"bucket": "b", "policy": json.dumps(anyone)})) == [
        'bucket policy allows anyone (Principal "*"); allow named principals only']
    tls_only = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["b", "b/*"],
                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    assert messages(P.no_public_endpoint, resource(policy, {"bucket": "b", "policy": json.dumps(tls_only)})) == []
