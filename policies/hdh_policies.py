"""The hdhport CrossGuard policies, importable without starting a policy pack.

`pulumi preview --policy-pack policies/` runs them against a real preview (policies/__main__.py builds
the pack); `hdhport check` runs the very same objects offline on the mock plan (hdhport.policy_runner).
Properties arrive with the engine's camelCase names in both cases. Each policy names the controls it
serves (HDS, SecNumCloud, ISO/IEC 27001 Annex A, by name: no clause number is invented) and says how to fix.
"""
from __future__ import annotations

import base64
import binascii
import inspect
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.facts import (
    DATA_BEARING_TYPES,
    EDGE_SERVICES,
    ENCLAVES_CIDR,
    EU_AZURE_LOCATIONS,
    EU_SCALEWAY_REGIONS,
    MANAGEMENT_PORTS,
    REQUIRED_TAGS,
)

REDACTED = "[secret]"
COMPUTED = "<computed>"
_ANYWHERE = {"*", "0.0.0.0/0", "::/0", "internet", "any"}


@dataclass(frozen=True)
class Control:
    framework: str
    version: str
    control: str


def _framework(controls: tuple[Control, ...]) -> PolicyComplianceFramework:
    first = controls[0]
    return PolicyComplianceFramework(name=first.framework, version=first.version, reference=first.control,
                                     specification="; ".join(f"{c.framework} {c.version}: {c.control}"
                                                             for c in controls))


def _tags(controls: tuple[Control, ...]) -> list[str]:
    return [f"{c.framework}: {c.control}" for c in controls]


def _resource_policy(name: str, description: str, validate: Callable[[ResourceValidationArgs, ReportViolation], None],
                     severity: Severity, controls: tuple[Control, ...], remediation: str) -> ResourceValidationPolicy:
    """Every hdhport policy is mandatory and names its controls (first as the framework, all as tags)."""
    return ResourceValidationPolicy(name=name, description=description, validate=validate,
                                    enforcement_level=EnforcementLevel.MANDATORY, severity=severity,
                                    framework=_framework(controls), tags=_tags(controls),
                                    remediation_steps=remediation)


def _stack_policy(name: str, description: str, validate: Callable[[StackValidationArgs, ReportViolation], None],
                  severity: Severity, controls: tuple[Control, ...], remediation: str) -> StackValidationPolicy:
    return StackValidationPolicy(name=name, description=description, validate=validate,
                                 enforcement_level=EnforcementLevel.MANDATORY, severity=severity,
                                 framework=_framework(controls), tags=_tags(controls), remediation_steps=remediation)


SNC = "SecNumCloud"
SNC_V = "3.2"
HDS = "HDS"
HDS_V = "2018 referential"
ISO = "ISO/IEC 27001"
ISO_V = "2022 Annex A"

# ------------------------------------------------------------------ property helpers


def classification(props: dict[str, Any]) -> str | None:
    tags = props.get("tags")
    if isinstance(tags, dict):
        value = tags.get("data-classification")
        return value if isinstance(value, str) else None
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, str) and tag.startswith("data-classification="):
                return tag.split("=", 1)[1]
    metadata = props.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("data-classification"), str):
        return str(metadata["data-classification"])
    return None


def is_data_bearing(resource_type: str, props: dict[str, Any]) -> bool:
    """A data-bearing type holds health data unless its tags say `internal`."""
    return resource_type in DATA_BEARING_TYPES and classification(props) != "internal"


def service_of(props: dict[str, Any]) -> str | None:
    tags = props.get("tags")
    if isinstance(tags, dict):
        return tags.get("hdh-service") if isinstance(tags.get("hdh-service"), str) else None
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, str) and tag.startswith("hdh-service="):
                return tag.split("=", 1)[1]
    return None


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{index}]")
    else:
        yield path, value


def _lower(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def _is_azure(resource_type: str) -> bool:
    return resource_type.startswith("azure-native:")


# ------------------------------------------------------------------ 1. regions


def _validate_regions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type.startswith("scaleway:"):
        for key in ("region", "zone"):
            place = args.props.get(key)
            if isinstance(place, str) and place != COMPUTED and re.sub(r"-\d+$", "", place) not in EU_SCALEWAY_REGIONS:
                report(f"{key} '{place}' is outside the EU; allowed regions: {', '.join(sorted(EU_SCALEWAY_REGIONS))}",
                       None)
        return
    location = args.props.get("location")
    if not _is_azure(args.resource_type) or not isinstance(location, str) or location == COMPUTED:
        return
    normalised = location.replace(" ", "").lower()
    if normalised not in EU_AZURE_LOCATIONS:
        report(f"location '{location}' is outside the EU; allowed: {', '.join(sorted(EU_AZURE_LOCATIONS))}", None)


ALLOWED_REGIONS_CONTROLS = (Control(SNC, SNC_V, "data location and processing within the European Union"),
                            Control(HDS, HDS_V, "hosting of health data with a certified host"))
allowed_regions = _resource_policy(
    "allowed-regions", "Resources are created in EU regions only (health data must not leave the EU).",
    _validate_regions, Severity.CRITICAL, ALLOWED_REGIONS_CONTROLS,
    "Set the stack's hdh:region to an EU region of the profile; never override `location`.",
)

# ------------------------------------------------------------------ 2-3. encryption and customer keys

#: type -> (encrypted?, customer-managed key?) read from the engine properties.
EncryptionCheck = Callable[[dict[str, Any]], tuple[bool, bool]]


def _storage_account(p: dict[str, Any]) -> tuple[bool, bool]:
    encryption = p.get("encryption") or {}
    return isinstance(encryption, dict), _lower(encryption.get("keySource")) == "microsoft.keyvault"


def _managed_disk(p: dict[str, Any]) -> tuple[bool, bool]:
    encryption = p.get("encryption") or {}
    kind = _lower(encryption.get("type"))
    return bool(kind), "customerkey" in kind and bool(encryption.get("diskEncryptionSetId"))


def _status_enabled(path: tuple[str, ...], key_field: str) -> EncryptionCheck:
    def check(p: dict[str, Any]) -> tuple[bool, bool]:
        node: Any = p
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        cmk = isinstance(node, dict) and bool(node.get(key_field)) and _lower(node.get("status", "enabled")) != "disabled"
        return True, cmk  # the service always encrypts at rest; the question is whose key
    return check


def _postgres(p: dict[str, Any]) -> tuple[bool, bool]:
    data = p.get("dataEncryption") or {}
    return True, _lower(data.get("type")) == "azurekeyvault"


def _servicebus(p: dict[str, Any]) -> tuple[bool, bool]:
    encryption = p.get("encryption") or {}
    return True, _lower(encryption.get("keySource")) == "microsoft.keyvault"


def _recovery_vault(p: dict[str, Any]) -> tuple[bool, bool]:
    encryption = (p.get("properties") or {}).get("encryption") or {}
    return True, bool((encryption.get("keyVaultProperties") or {}).get("keyUri"))


def _cinder_volume(p: dict[str, Any]) -> tuple[bool, bool]:
    # Cinder encrypts (LUKS, keys in Barbican) only through an encrypted volume type.
    encrypted = bool(p.get("volumeType"))
    return encrypted, encrypted


def _key_store(p: dict[str, Any]) -> tuple[bool, bool]:
    return True, True  # a key manager holds the customer's keys by definition


def _scaleway_volume(p: dict[str, Any]) -> tuple[bool, bool]:
    # Scaleway encrypts its disks with keys it manages (its storage shared-responsibility model, 2025-11-12);
    # a customer key exists only in the guest: the machine's LUKS2 bound to the platform's Tang servers,
    # which its IaaS primitives state on the volume (providers/scaleway/iaas.py GUEST_ENCRYPTED).
    tags = [t for t in p.get("tags") or [] if isinstance(t, str)]
    return True, "hdh-disk-encryption=guest-luks-tang" in tags


def _scaleway_database(p: dict[str, Any]) -> tuple[bool, bool]:
    # Managed Database takes no customer key (no setting in pulumiverse-scaleway 1.60.0): like Trove's, its
    # key custody is the provider's and the profile says so; what the plan can enforce is encryption at rest.
    return p.get("encryptionAtRest") is True, True


ENCRYPTION_CHECKS: dict[str, EncryptionCheck] = {
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:compute:Disk": _managed_disk,
    "azure-native:dbforpostgresql:Server": _postgres,
    "azure-native:servicebus:Namespace": _servicebus,
    "azure-native:recoveryservices:Vault": _recovery_vault,
    "azure-native:containerregistry:Registry": _status_enabled(("encryption", "keyVaultProperties"), "keyIdentifier"),
    "azure-native:machinelearningservices:Workspace": _status_enabled(("encryption", "keyVaultProperties"), "keyIdentifier"),
    "azure-native:keyvault:Vault": _key_store,
    "azure-native:keyvault:ManagedHsm": _key_store,
    "openstack:blockstorage/volume:Volume": _cinder_volume,
    "scaleway:block/volume:Volume": _scaleway_volume,
    "scaleway:databases/instance:Instance": _scaleway_database,
    "scaleway:keymanager/key:Key": _key_store,
}


def _validate_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    check = ENCRYPTION_CHECKS.get(args.resource_type)
    if check and not check(dict(args.props))[0]:
        report(f"{args.resource_type} is not encrypted at rest", None)


def _validate_cmk(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = dict(args.props)
    check = ENCRYPTION_CHECKS.get(args.resource_type)
    if check and is_data_bearing(args.resource_type, props) and not check(props)[1]:
        report(f"data-bearing {args.resource_type} is not encrypted with the customer-managed key", None)


CRYPTO_CONTROLS = (Control(SNC, SNC_V, "cryptography: encryption of stored data"),
                   Control(HDS, HDS_V, "protection of health data at rest"),
                   Control(ISO, ISO_V, "Use of cryptography"))
encryption_at_rest = _resource_policy(
    "encryption-at-rest", "Stores and disks are encrypted at rest.",
    _validate_encryption, Severity.HIGH, CRYPTO_CONTROLS,
    "Create it through its hdhport implementation, which sets encryption; on OpenStack give "
    "Cinder volumes the operator's encrypted volume type (hdh:encryptedVolumeType).",
)
customer_managed_key = _resource_policy(
    "customer-managed-key", "Data-bearing resources are encrypted with the customer-managed key of the platform or enclave.",
    _validate_cmk, Severity.CRITICAL, CRYPTO_CONTROLS,
    "Pass placement.key_ref / key_vault_id / identity_id (Azure) or disk_encryption_ref "
    "(OpenStack) into the resource's encryption settings; on Scaleway, whose volumes take no customer key, "
    "build the volume through the family's IaaS primitives for a machine that encrypts it in the guest.",
)

# ------------------------------------------------------------------ 4. public exposure


def _allows_anyone(policy: Any) -> bool:
    """Whether an S3 bucket policy (JSON text or object) has an Allow statement for every principal."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or _lower(statement.get("Effect")) != "allow":
            continue
        principal = statement.get("Principal")
        values = principal.values() if isinstance(principal, dict) else [principal]
        if any(value == "*" or value == ["*"] for value in values):
            return True
    return False


def _trusted_services_only(resource_type: str, props: dict[str, Any]) -> bool:
    """Whether a storage account's firewall lets in the trusted Azure services and nobody else: default Deny,
    bypass AzureServices, no IP or network rule. Azure honours the trusted-services exception only with public
    network access Enabled, so the accounts Azure Monitor, Cost Management and Azure Backup write into keep
    it Enabled in exactly this shape (the platform's own Azure Policy allows the same)."""
    rules = props.get("networkRuleSet")
    if resource_type != "azure-native:storage:StorageAccount" or not isinstance(rules, dict):
        return False
    bypass = {part.strip().lower() for part in str(rules.get("bypass") or "").split(",")}
    return (_lower(rules.get("defaultAction")) == "deny" and "azureservices" in bypass
            and not rules.get("ipRules") and not rules.get("virtualNetworkRules"))


def _validate_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = dict(args.props)
    edge = service_of(props) in EDGE_SERVICES
    trusted_only = _trusted_services_only(args.resource_type, props)
    for path, value in _walk(props):
        key = path.rsplit(".", 1)[-1]
        if key == "publicNetworkAccess" and isinstance(value, str) and value.lower() not in ("disabled", COMPUTED) \
                and not (trusted_only and path == "publicNetworkAccess" and value.lower() == "enabled"):
            report(f"{path} is '{value}'; the data plane has no public endpoint (set Disabled)", None)
        if key == "allowBlobPublicAccess" and value is True:
            report("allowBlobPublicAccess is true; blobs must never be public", None)
    rules = props.get("networkRuleSet") or props.get("networkAcls")
    if isinstance(rules, dict) and _lower(rules.get("defaultAction")) == "allow":
        report("network rules default to Allow; set defaultAction Deny", None)
    if args.resource_type in ("azure-native:network:PublicIPAddress", "openstack:networking/floatingIp:FloatingIp",
                              "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
                              "scaleway:instance/ip:Ip", "scaleway:network/publicGatewayIp:PublicGatewayIp",
                              "scaleway:loadbalancers/ip:Ip") and not edge:
        report(f"public IP outside the platform's edge services ({', '.join(sorted(EDGE_SERVICES))})", None)
    if args.resource_type == "scaleway:instance/server:Server" and (
            props.get("ipId") or props.get("ipIds") or props.get("enableDynamicIp") is not False):
        report("the Instance may get a public address: give it no ipId/ipIds and set enableDynamicIp false", None)
    if args.resource_type in ("scaleway:object/bucket:Bucket", "scaleway:object/bucketAcl:BucketAcl") \
            and _lower(props.get("acl")) not in ("", "private", COMPUTED.lower()):
        report(f"bucket ACL '{props.get('acl')}' opens objects beyond the project; keep the ACL private", None)
    if args.resource_type == "scaleway:object/bucketPolicy:BucketPolicy" and _allows_anyone(props.get("policy")):
        report("bucket policy allows anyone (Principal \"*\"); allow named principals only", None)
    if args.resource_type == "scaleway:databases/instance:Instance" and props.get("loadBalancer"):
        report("the database declares a load-balancer (public) endpoint; keep its Private Network endpoint only", None)


EXPOSURE_CONTROLS = (Control(SNC, SNC_V, "segregation and protection of administration and data interfaces"),
                     Control(ISO, ISO_V, "Networks security"), Control(ISO, ISO_V, "Segregation of networks"))
no_public_endpoint = _resource_policy(
    "no-public-endpoint", "No public IP or public network access on the data plane; only edge services face outward.",
    _validate_public, Severity.CRITICAL, EXPOSURE_CONTROLS,
    "Set publicNetworkAccess Disabled (a storage account trusted Azure services write into: Enabled with "
    "networkRuleSet defaultAction Deny, bypass AzureServices and no IP or network rule), reach the service "
    "through a private endpoint, and "
    "keep public IPs for the bastion, firewall, NAT, VPN and WAF only.",
)

# ------------------------------------------------------------------ 5. ingress


def _ports(rule: dict[str, Any]) -> set[int] | None:
    """Ports a rule opens; None means all."""
    ranges = [rule.get("destinationPortRange")] + list(rule.get("destinationPortRanges") or [])
    ranges = [r for r in ranges if r not in (None, "")]
    if not ranges:
        low, high = rule.get("portRangeMin"), rule.get("portRangeMax")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)):
            return set(range(int(low), int(high) + 1))
        return None
    ports: set[int] = set()
    for item in ranges:
        text = str(item)
        if text == "*":
            return None
        low_text, _, high_text = text.partition("-")
        if low_text.isdigit():
            ports.update(range(int(low_text), int(high_text or low_text) + 1))
    return ports


def _azure_inbound_rules(props: dict[str, Any], resource_type: str) -> Iterable[dict[str, Any]]:
    if resource_type == "azure-native:network:NetworkSecurityGroup":
        rules = props.get("securityRules") or []
    elif resource_type == "azure-native:network:SecurityRule":
        rules = [props]
    else:
        return []
    return [r for r in rules if isinstance(r, dict) and _lower(r.get("direction")) == "inbound"
            and _lower(r.get("access")) == "allow"]


def _sources(rule: dict[str, Any]) -> list[str]:
    sources = [rule.get("sourceAddressPrefix")] + list(rule.get("sourceAddressPrefixes") or [])
    if "remoteIpPrefix" in rule or "direction" in rule and "ethertype" in rule:
        sources = [rule.get("remoteIpPrefix") or "0.0.0.0/0"]  # Neutron: no prefix means anywhere
    return [str(s) for s in sources if s is not None]


def _validate_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = dict(args.props)
    edge = service_of(props) in EDGE_SERVICES
    rules: Iterable[dict[str, Any]] = _azure_inbound_rules(props, args.resource_type)
    if args.resource_type == "openstack:networking/secGroupRule:SecGroupRule":
        rules = [props] if _lower(props.get("direction")) == "ingress" else []
    if args.resource_type == "openstack:networking/secGroup:SecGroup" and props.get("deleteDefaultRules") is not True:
        report("security group keeps OpenStack's default rules (all egress open); set deleteDefaultRules true", None)
    if args.resource_type == "scaleway:instance/securityGroup:SecurityGroup":
        for direction in ("inbound", "outbound"):
            if _lower(props.get(f"{direction}DefaultPolicy")) != "drop":
                report(f"security group's {direction} default policy is not drop; set {direction}_default_policy "
                       "'drop'", None)
        rules = [{"sourceAddressPrefix": r.get("ipRange") or r.get("ip") or "0.0.0.0/0",
                  "destinationPortRange": str(r["port"]) if r.get("port") else r.get("portRange") or "*"}
                 for r in props.get("inboundRules") or [] if isinstance(r, dict) and _lower(r.get("action")) == "accept"]
    for rule in rules:
        for source in _sources(rule):
            if source.lower() not in _ANYWHERE:
                continue
            ports = _ports(rule)
            management = ports is None or bool(ports & MANAGEMENT_PORTS)
            if management:
                opened = "all ports" if ports is None else ", ".join(str(p) for p in sorted(ports & MANAGEMENT_PORTS))
                report(f"ingress from {source} to {opened}: management ports are reachable only through the bastion", None)
            elif not edge:
                report(f"ingress from {source}: only edge services accept traffic from anywhere", None)


INGRESS_CONTROLS = (Control(ISO, ISO_V, "Networks security"),
                    Control(SNC, SNC_V, "filtering of flows: deny by default"))
deny_by_default_ingress = _resource_policy(
    "deny-by-default-ingress", "Firewalls deny by default; nothing opens management ports (22, 3389...) to 0.0.0.0/0.",
    _validate_ingress, Severity.CRITICAL, INGRESS_CONTROLS,
    "Restrict the rule's source to the platform's private ranges and reach machines "
    "through the bastion.",
)

# ------------------------------------------------------------------ 6. TLS


_TLS_KEYS = re.compile(r"^(minimum|min|minimal)(Tls|TLS|_tls)(Version)?$|^sslMinimalTlsVersion$|^minTlsVersion$")
_REQUIRES_TLS_SETTING = {"azure-native:storage:StorageAccount": "minimumTlsVersion",
                         "azure-native:servicebus:Namespace": "minimumTlsVersion"}


def _tls_number(value: str) -> float | None:
    match = re.search(r"(\d)[._](\d)", value)
    return float(f"{match.group(1)}.{match.group(2)}") if match else None


def _validate_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = dict(args.props)
    for path, value in _walk(props):
        key = path.rsplit(".", 1)[-1]
        if _TLS_KEYS.match(key) and isinstance(value, str) and value != COMPUTED:
            number = _tls_number(value)
            if number is not None and number < 1.2:
                report(f"{path} is {value}; TLS 1.2 is the minimum", None)
        if key == "tlsVersions" and isinstance(value, str) and value in ("TLSv1", "TLSv1.1"):
            report(f"{path} allows {value}; TLS 1.2 is the minimum", None)
    required = _REQUIRES_TLS_SETTING.get(args.resource_type)
    if required and required not in props:
        report(f"{required} is not set (the service's default still accepts TLS 1.0); set TLS1_2", None)


TLS_CONTROLS = (Control(ISO, ISO_V, "Use of cryptography"), Control(SNC, SNC_V, "cryptography: protection of flows"))
tls_minimum = _resource_policy(
    "tls-1-2-minimum", "Every endpoint refuses TLS below 1.2.",
    _validate_tls, Severity.HIGH, TLS_CONTROLS,
    "Set the resource's minimum TLS version to 1.2 (TLS1_2).",
)

# ------------------------------------------------------------------ 7. versioning / soft delete


def _validate_versioning(args: StackValidationArgs, report: ReportViolation) -> None:
    protected_accounts: set[str] = set()
    for resource in args.resources:
        props = dict(resource.props)
        if resource.resource_type == "azure-native:storage:BlobServiceProperties":
            versioned = props.get("isVersioningEnabled") is True
            soft = (props.get("deleteRetentionPolicy") or {}).get("enabled") is True
            if (versioned or soft) and resource.parent is not None:
                protected_accounts.add(resource.parent.urn)
    for resource in args.resources:
        props = dict(resource.props)
        if resource.resource_type == "openstack:objectstorage/container:Container":
            if not props.get("versioning") and not props.get("versioningLegacy"):
                report(f"Swift container {resource.name} has no versioning", resource.urn)
        elif resource.resource_type == "scaleway:object/bucket:Bucket":
            if (props.get("versioning") or {}).get("enabled") is not True:
                report(f"bucket {resource.name} has no versioning", resource.urn)
        elif resource.resource_type == "azure-native:storage:StorageAccount":
            if _lower(props.get("kind")) in ("storagev2", "blockblobstorage") and not props.get("isHnsEnabled") \
                    and (resource.parent is None or resource.parent.urn not in protected_accounts):
                report(f"storage account {resource.name} has no blob versioning or soft delete "
                       "(BlobServiceProperties in the same component)", resource.urn)
        elif resource.resource_type == "azure-native:keyvault:Vault":
            properties = props.get("properties") or {}
            if properties.get("enableSoftDelete") is False or properties.get("enablePurgeProtection") is not True:
                report(f"key vault {resource.name} must keep soft delete and enable purge protection", resource.urn)


RECOVERY_CONTROLS = (Control(HDS, HDS_V, "backup of hosted health data"), Control(ISO, ISO_V, "Information backup"))
versioning_or_soft_delete = _stack_policy(
    "versioning-or-soft-delete", "Object stores keep versions or soft-deleted objects; key vaults are purge-protected.",
    _validate_versioning, Severity.HIGH, RECOVERY_CONTROLS,
    "Enable versioning on Swift containers; give Azure storage accounts a BlobServiceProperties "
    "with versioning and delete retention; enable purge protection on key vaults.",
)



def _validate_bucket_encryption(args: StackValidationArgs, report: ReportViolation) -> None:
    """S3 buckets whose encryption is a resource of its own (Scaleway): each data-bearing bucket needs one
    encrypting by default with a Key Manager key (SSE-KMS)."""
    keyed: set[str] = set()
    for resource in args.resources:
        if resource.resource_type == "scaleway:object/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
            props = dict(resource.props)
            for rule in props.get("rules") or []:
                default = (rule or {}).get("applyServerSideEncryptionByDefault") or {}
                if _lower(default.get("sseAlgorithm")) == "aws:kms" and default.get("kmsMasterKeyId"):
                    keyed.add(str(props.get("bucket")))
    for resource in args.resources:
        props = dict(resource.props)
        if resource.resource_type == "scaleway:object/bucket:Bucket" and is_data_bearing(resource.resource_type, props):
            if str(props.get("name")) not in keyed and props.get("name") != COMPUTED:
                report(f"bucket {resource.name} is not encrypted by default with the customer-managed key "
                       "(a BucketServerSideEncryptionConfiguration with aws:kms and the Key Manager key)", resource.urn)


bucket_default_encryption = _stack_policy(
    "bucket-default-encryption", "Buckets whose encryption is configured apart encrypt every object with the customer key.",
    _validate_bucket_encryption, Severity.CRITICAL, CRYPTO_CONTROLS,
    "Give the bucket a server-side encryption configuration (SSE-KMS, aws:kms) naming the platform's or the "
    "enclave's Key Manager key, created with the bucket.",
)

# ------------------------------------------------------------------ 8. protect


def _validate_protect(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_data_bearing(args.resource_type, dict(args.props)) and not args.opts.protect:
        report(f"data-bearing {args.resource_type} is not protected: a destroy or refactor could lose data", None)


PROTECT_CONTROLS = (Control(ISO, ISO_V, "Protection of records"), Control(HDS, HDS_V, "integrity and availability of hosted health data"))
protect_data_bearing = _resource_policy(
    "protect-data-bearing", "Every data-bearing resource has protect (and retainOnDelete) so no destroy loses data.",
    _validate_protect, Severity.CRITICAL, PROTECT_CONTROLS,
    "Create it with ServiceComponent.keep() options (protect=True, retain_on_delete=True).",
)

# ------------------------------------------------------------------ 9. tags


#: Azure storage children carry their labels as metadata (tags do not exist on them).
AZURE_METADATA_TAGGED = frozenset({"azure-native:storage:BlobContainer", "azure-native:storage:FileShare"})


@cache
def tag_parameters(resource_type: str) -> frozenset[str]:
    """Which of `tags` / `metadata` carry the platform's labels on this type. On Azure `metadata` is
    usually something else (a policy's or a DNS record's), so only `tags` counts there."""
    from hdhport.tokens import resource_class

    cls = resource_class(resource_type)
    if cls is None:
        return frozenset()
    names = set()
    for overload in (getattr(cls, "_internal_init", None), getattr(cls, "__init__", None)):
        if overload is not None:
            names |= set(inspect.signature(overload).parameters)
    if _is_azure(resource_type) and resource_type not in AZURE_METADATA_TAGGED:
        return frozenset(names & {"tags"})
    return frozenset(names & {"tags", "metadata"})


def _tag_values(props: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for field in ("tags", "metadata"):
        value = props.get(field)
        if isinstance(value, dict):
            # Azure blob metadata keys must be identifiers: hdh_service stands for hdh-service.
            found.update({k.replace("_", "-"): v for k, v in value.items() if isinstance(v, str)})
        elif isinstance(value, list):
            found.update(dict(t.split("=", 1) for t in value if isinstance(t, str) and "=" in t))
    return found


def _validate_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not tag_parameters(args.resource_type):
        return
    present = _tag_values(dict(args.props))
    missing = [t for t in REQUIRED_TAGS if t not in present]
    if missing:
        report(f"missing tags: {', '.join(missing)}", None)


TAG_CONTROLS = (Control(ISO, ISO_V, "Inventory of information and other associated assets"),
                Control(ISO, ISO_V, "Classification of information"))
mandatory_tags = _resource_policy(
    "mandatory-tags", f"Resources that take tags carry {', '.join(REQUIRED_TAGS)}.",
    _validate_tags, Severity.MEDIUM, TAG_CONTROLS,
    "Pass the component's self.tags (providers.contract.tags_for) to the resource.",
)

# ------------------------------------------------------------------ 10. secrets in clear

_SECRET_PATTERNS = (
    (re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an access key id"),
    (re.compile(r"(?i)\b[\w.-]*(password|passwd|pass|pwd|secret|token|api[_-]?key)\b\s*[:=]\s*['\"]?"
                r"(?![$<{\[(/])[^\s'\"]{6,}"), "a credential assignment"),
    (re.compile(r"(?i)://[^/\s:@]+:(?![$<{])[^@\s/]{4,}@"), "credentials in a URL"),
)
# No '/' in a token: paths and resource ids are not secrets, and a base64 secret still leaves long pieces.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{32,}")
_NOT_SECRET_KEYS = {"publicKey", "keyData", "sshPublicKey", "adminSshPublicKey", "publicKeys"}
_ENTROPY_BITS = 4.5


def _entropy(text: str) -> float:
    counts = {c: text.count(c) for c in set(text)}
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _decoded(value: str) -> str:
    """user data / custom data may arrive base64-encoded; scan what the machine will see."""
    if len(value) < 16 or len(value) % 4 or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", value):
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return value


def find_secrets(text: str) -> list[str]:
    """What looks like a secret in `text`: known patterns, then long high-entropy tokens."""
    found = [label for pattern, label in _SECRET_PATTERNS if pattern.search(text)]
    for token in _TOKEN.findall(text):
        if token.startswith("AAAA"):  # the body of an SSH public key
            continue
        if _entropy(token) >= _ENTROPY_BITS and re.search(r"\d", token) and re.search(r"[A-Z]", token) \
                and re.search(r"[a-z]", token):
            found.append(f"a high-entropy string ({token[:6]}...)")
    return found


def _validate_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for path, value in _walk(dict(args.props)):
        if not isinstance(value, str) or value in (REDACTED, COMPUTED):
            continue
        if any(part in _NOT_SECRET_KEYS for part in re.split(r"[.\[]", path)):
            continue
        for label in find_secrets(_decoded(value)):
            report(f"{path} holds {label} in clear; use a Pulumi secret or fetch it at boot", None)


SECRET_CONTROLS = (Control(ISO, ISO_V, "Authentication information"),
                   Control(SNC, SNC_V, "protection of secrets and authentication data"))
no_secret_in_clear = _resource_policy(
    "no-secret-in-clear", "No password, key or token in clear in resource inputs or cloud-init (patterns and entropy).",
    _validate_secrets, Severity.CRITICAL, SECRET_CONTROLS,
    "Mark the value as a Pulumi secret (config --secret / Output.secret), or make the machine "
    "fetch or generate it at boot (hdh-secret).",
)

# ------------------------------------------------------------------ 11. enclave isolation

_ENCLAVES = ipaddress.ip_network(ENCLAVES_CIDR)


def _enclave_of(props: dict[str, Any]) -> str | None:
    enclave = _tag_values(props).get("hdh-enclave")
    return enclave if enclave and enclave != "platform" else None


def _overlaps_enclaves(source: str) -> bool:
    if source.lower() in _ANYWHERE:
        return True
    try:
        return ipaddress.ip_network(source, strict=False).overlaps(_ENCLAVES)
    except ValueError:
        return False


def _validate_isolation(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource in args.resources:
        props = dict(resource.props)
        owner_props = dict(resource.parent.props) if resource.parent is not None else {}
        enclave = _enclave_of(props) or _enclave_of(owner_props)
        if enclave is None:
            continue
        rules: Iterable[dict[str, Any]] = _azure_inbound_rules(props, resource.resource_type)
        if resource.resource_type == "openstack:networking/secGroupRule:SecGroupRule":
            rules = [props] if _lower(props.get("direction")) == "ingress" else []
        for rule in rules:
            for source in _sources(rule):
                if _overlaps_enclaves(source):
                    report(f"{resource.name} lets {source} into enclave {enclave}: enclaves are reachable only "
                           "from the platform services (bastion, virtual desktop)", resource.urn)


ISOLATION_CONTROLS = (Control(ISO, ISO_V, "Segregation of networks"),
                      Control(SNC, SNC_V, "segregation between tenants and environments"),
                      Control(HDS, HDS_V, "isolation of each research project's processing environment"))
enclave_isolation = _stack_policy(
    "enclave-isolation", "No firewall rule opens one research-project enclave to another (or to anywhere).",
    _validate_isolation, Severity.CRITICAL, ISOLATION_CONTROLS,
    "Allow enclave ingress from the platform services subnet only (providers/enclave.py).",
)

RESOURCE_POLICIES = (allowed_regions, encryption_at_rest, customer_managed_key, no_public_endpoint,
                     deny_by_default_ingress, tls_minimum, protect_data_bearing, mandatory_tags, no_secret_in_clear)
STACK_POLICIES = (versioning_or_soft_delete, bucket_default_encryption, enclave_isolation)
ALL_POLICIES = (*RESOURCE_POLICIES, *STACK_POLICIES)
