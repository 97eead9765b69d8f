"""`hdhport preflight`: ask a real OpenStack cloud, read-only and as the deploying user, whether a stack's
first `pulumi up` can succeed there, before anything is created.

The offline plan cannot know what only the cloud knows: the names its API gives the region, the volume
types and storage policies the operator created, the flavors and images it offers, the roles the deploying
user holds, the quotas of its project. Each of these stopped a first `pulumi up` in the platform review
(region `GRA` instead of `GRA11`, volume type `LUKS`, policy `archive`, role `member`, quotas 5 to 13 times
the defaults). Here each is one check with what was asked and what the cloud answered. Only GETs after
the token request; the credentials come from the usual OS_* variables (an openrc) and are never printed.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Profile vocabulary term -> Keystone service types that may carry it (newest first).
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "nova": ("compute",), "neutron": ("network",), "cinder": ("block-storage", "volumev3"),
    "swift": ("object-store",), "glance": ("image",), "keystone": ("identity",),
    "manila": ("shared-file-system", "sharev2"), "octavia": ("load-balancer",), "barbican": ("key-manager",),
    "designate": ("dns",), "magnum": ("container-infra",), "trove": ("database",), "heat": ("orchestration",),
}
TIMEOUT_S = 30
#: Self-hosted machines find their cluster peers, and the private-name recursors, by machine name: the network's
#: own DNS must answer them, which on OpenStack is Neutron's DNS integration (the port takes the server's name).
NAMES_EXTENSION = "dns-integration"
NAMES_ASKED = f"Neutron {NAMES_EXTENSION} (each port takes its machine's name)"
INSTANCE_TYPE = "openstack:compute/instance:Instance"
#: Neutron's DNS domain when the cloud sets none: with it, Neutron ignores the dns_name a port asks for.
DEFAULT_DNS_DOMAIN = "openstacklocal"


class CredentialsError(Exception):
    """No usable OS_* credentials, or Keystone refused them."""


class Unanswered(Exception):
    """A read the cloud refused or did not answer: the check it serves fails, saying so."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    asked: str
    answered: str


@dataclass
class Session:
    """A Keystone token and its catalogue, with GETs to the region's public endpoints."""

    token: str
    region: str
    catalogue: list[dict[str, Any]]
    roles: list[str]
    project_id: str
    calls: list[str] = field(default_factory=list)

    def endpoint(self, *types: str) -> str | None:
        for wanted in types:
            for service in self.catalogue:
                if service.get("type") != wanted:
                    continue
                for endpoint in service.get("endpoints", []):
                    if endpoint.get("interface") == "public" and endpoint.get("region_id", endpoint.get("region")) == self.region:
                        return str(endpoint["url"]).rstrip("/")
        return None

    def get(self, url: str) -> Any:
        """The JSON answer of a GET; an HTTP error or an unreachable endpoint becomes Unanswered."""
        self.calls.append(f"GET {url}")
        request = urllib.request.Request(url, headers={"X-Auth-Token": self.token, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - the operator's cloud
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise Unanswered(f"HTTP {exc.code} on GET {urllib.parse.urlsplit(url).path}") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise Unanswered(f"no answer from {url}: {getattr(exc, 'reason', exc)}") from None


def credentials(env: Mapping[str, str]) -> dict[str, Any]:
    """Keystone v3 auth body from OS_* variables: an application credential, else a password."""
    if not env.get("OS_AUTH_URL"):
        raise CredentialsError("no OpenStack credentials: source the deploying user's openrc (OS_AUTH_URL, "
                               "OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME...) or set OS_APPLICATION_CREDENTIAL_ID")
    if env.get("OS_APPLICATION_CREDENTIAL_ID"):
        return {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
            "id": env["OS_APPLICATION_CREDENTIAL_ID"], "secret": env.get("OS_APPLICATION_CREDENTIAL_SECRET", "")}}}}
    missing = [k for k in ("OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME") if not env.get(k)]
    if missing:
        raise CredentialsError(f"OpenStack credentials incomplete: {', '.join(missing)} not set")
    user_domain = env.get("OS_USER_DOMAIN_NAME") or "Default"
    project_domain = env.get("OS_PROJECT_DOMAIN_NAME") or "Default"
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"], "domain": {"name": user_domain}}}},
        "scope": {"project": {"name": env["OS_PROJECT_NAME"], "domain": {"name": project_domain}}}}}


def login(env: Mapping[str, str], region: str) -> Session:
    body = json.dumps(credentials(env)).encode()  # first: it says what is missing, where a look-up would not
    url = env["OS_AUTH_URL"].rstrip("/")
    url = url if url.endswith("/v3") else f"{url}/v3"
    request = urllib.request.Request(f"{url}/auth/tokens", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            token = response.headers["X-Subject-Token"]
            answer = json.loads(response.read())["token"]
    except urllib.error.HTTPError as exc:
        raise CredentialsError(f"Keystone at {url} refused the credentials (HTTP {exc.code})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise CredentialsError(f"cannot reach Keystone at {url}: {getattr(exc, 'reason', exc)}") from None
    return Session(token=token, region=region, catalogue=answer.get("catalog", []),
                   roles=sorted(r["name"] for r in answer.get("roles", [])),
                   project_id=answer.get("project", {}).get("id", ""))


def needs(resources: list[Any], flavors: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """What the planned stack asks of the project's quotas (instances, cores, RAM, volumes, gigabytes...)."""
    count: Counter[str] = Counter()
    for r in resources:
        if not r.custom or r.read:
            continue
        if r.type == INSTANCE_TYPE:
            count["instances"] += 1
            flavor = flavors.get(str(r.inputs.get("flavorName", "")), {})
            count["cores"] += int(flavor.get("vcpus", 0))
            count["ram_mb"] += int(flavor.get("ram", 0))
            for device in r.inputs.get("blockDevices") or []:
                if device.get("sourceType") == "image" and device.get("destinationType") == "volume":
                    count["volumes"] += 1
                    count["gigabytes"] += int(device.get("volumeSize") or 0)
        elif r.type == "openstack:blockstorage/volume:Volume":
            count["volumes"] += 1
            count["gigabytes"] += int(r.inputs.get("size") or 0)
        elif r.type == "openstack:compute/serverGroup:ServerGroup":
            count["server_groups"] += 1
        elif r.type == "openstack:compute/keypair:Keypair":
            count["key_pairs"] += 1
        elif r.type == "openstack:networking/secGroup:SecGroup":
            count["security_groups"] += 1
        elif r.type == "openstack:networking/secGroupRule:SecGroupRule":
            count["security_group_rules"] += 1
    return dict(count)


#: need -> (service, where its limit and usage are read: Nova/Cinder absolute limits, Neutron quota details)
_LIMITS = {
    "instances": ("compute", "maxTotalInstances", "totalInstancesUsed"),
    "cores": ("compute", "maxTotalCores", "totalCoresUsed"),
    "ram_mb": ("compute", "maxTotalRAMSize", "totalRAMUsed"),
    "server_groups": ("compute", "maxServerGroups", "totalServerGroupsUsed"),
    "key_pairs": ("compute", "maxTotalKeypairs", None),
    "volumes": ("volume", "maxTotalVolumes", "totalVolumesUsed"),
    "gigabytes": ("volume", "maxTotalVolumeGigabytes", "totalGigabytesUsed"),
    "security_groups": ("network", "security_group", None),
    "security_group_rules": ("network", "security_group_rule", None),
}


def _quota_checks(session: Session, wanted: Mapping[str, int]) -> list[Check]:
    absolute: dict[str, dict[str, Any]] = {}
    compute, volume, network = (session.endpoint("compute"), session.endpoint("block-storage", "volumev3"),
                                session.endpoint("network"))
    if compute:
        absolute["compute"] = session.get(f"{compute}/limits")["limits"]["absolute"]
    if volume:
        absolute["volume"] = session.get(f"{volume}/limits")["limits"]["absolute"]
    if network:
        details = session.get(f"{network}/v2.0/quotas/{session.project_id}/details.json")["quota"]
        absolute["network"] = {k: v.get("limit", -1) for k, v in details.items()}
        absolute["network"].update({f"{k}:used": v.get("used", 0) for k, v in details.items()})
    checks = []
    for need, amount in sorted(wanted.items()):
        where, limit_key, used_key = _LIMITS[need]
        limits = absolute.get(where)
        if limits is None or limit_key not in limits:
            checks.append(Check(f"quota {need}", False, f"{amount}", f"the cloud did not say ({where} limits)"))
            continue
        limit = int(limits[limit_key])
        used = int(limits.get(used_key or f"{limit_key}:used", 0) or 0)
        ok = limit < 0 or used + amount <= limit
        shown = "unlimited" if limit < 0 else f"{limit} (in use {used}, free {limit - used})"
        checks.append(Check(f"quota {need}", ok, f"{amount}", shown))
    return checks


def run(session: Session, settings: Mapping[str, Any], services: list[str], planned: list[Any] | None,
        flavors_wanted: list[str], image: str | None, image_id: str | None) -> list[Check]:
    """Every check, in order; `settings` holds the stack's OpenStack settings (volume type, roles...),
    `planned` the offline plan's resources, whose needs are set against the project's quotas."""
    checks: list[Check] = []
    in_region = sorted({e.get("region_id", e.get("region")) for s in session.catalogue for e in s.get("endpoints", [])})
    checks.append(Check("region", session.region in in_region, session.region,
                        f"the catalogue's regions: {', '.join(str(r) for r in in_region) or 'none'}"))
    for service in services:
        types = SERVICE_TYPES.get(service, (service,))
        url = session.endpoint(*types)
        checks.append(Check(f"service {service}", url is not None, f"a public {'/'.join(types)} endpoint",
                            url or "none in this region"))
    roles = list(settings["workload_roles"])
    missing = [r for r in roles if r not in session.roles]
    checks.append(Check("workload roles", not missing, ", ".join(roles),
                        f"the deploying user holds {', '.join(session.roles) or 'no role'}"))
    compute = session.endpoint("compute")
    flavors: dict[str, dict[str, Any]] = {}
    if compute:
        try:
            flavors = {f["name"]: f for f in session.get(f"{compute}/flavors/detail")["flavors"]}
        except Unanswered as exc:
            checks.append(Check("flavors", False, ", ".join(flavors_wanted), str(exc)))
        for name in flavors_wanted if flavors else []:
            checks.append(Check(f"flavor {name}", name in flavors, name,
                                "offered" if name in flavors else f"not offered ({len(flavors)} flavors are)"))
    volume = session.endpoint("block-storage", "volumev3")
    if volume and settings.get("encrypted_volume_type"):
        wanted_type = settings["encrypted_volume_type"]

        def volume_type() -> Check:
            types = sorted(t["name"] for t in session.get(f"{volume}/types")["volume_types"])
            return Check("encrypted volume type", wanted_type in types, wanted_type,
                         f"the cloud's volume types: {', '.join(types) or 'none'}")
        checks.append(_asked("encrypted volume type", wanted_type, volume_type))
    glance = session.endpoint("image")
    if glance and (image_id or image):
        wanted_image = image_id or image or ""

        def boot_image() -> Check:
            query = f"id={urllib.parse.quote(image_id)}" if image_id else f"name={urllib.parse.quote(wanted_image)}"
            found = session.get(f"{glance}/v2/images?{query}")["images"]
            return Check("image", bool(found), wanted_image,
                         f"{len(found)} image(s)" if found else f"no image with that {'id' if image_id else 'name'}")
        checks.append(_asked("image", wanted_image, boot_image))
    network = session.endpoint("network")
    if network:
        wanted_network: str | None = settings.get("external_network")

        def external_network() -> Check:
            external = [n["name"] for n in session.get(f"{network}/v2.0/networks?router:external=true")["networks"]]
            ok = (wanted_network in external) if wanted_network else len(external) == 1
            return Check("external network", ok, wanted_network or "the cloud's only external network",
                         f"external networks: {', '.join(external) or 'none'}")
        checks.append(_asked("external network", wanted_network or "the cloud's only external network", external_network))
    machines = planned is None or any(r.type == INSTANCE_TYPE for r in planned)
    if network and machines:
        def machine_names() -> Check:
            aliases = sorted(e["alias"] for e in session.get(f"{network}/v2.0/extensions")["extensions"])
            if NAMES_EXTENSION not in aliases:
                return Check("machine names", False, NAMES_ASKED,
                             f"not among the network's {len(aliases)} extensions: ports are named host-<address>, "
                             "so machines cannot find their cluster peers nor the private-name recursors")
            # Neutron keeps a requested dns_name only when the cloud's DNS domain is not its default; the domain
            # is not in the API, but every port's DNS assignment shows it.
            ports = session.get(f"{network}/v2.0/ports?fields=dns_assignment&limit=20")["ports"]
            domains = sorted({a["fqdn"].removeprefix(a["hostname"]).strip(".") for p in ports
                              for a in p.get("dns_assignment") or [] if a.get("fqdn") and a.get("hostname")})
            if domains and set(domains) <= {DEFAULT_DNS_DOMAIN}:
                return Check("machine names", False, NAMES_ASKED,
                             f"offered, but the cloud's DNS domain is Neutron's default {DEFAULT_DNS_DOMAIN!r}, with "
                             "which Neutron drops a port's name: ports answer as host-<address>")
            return Check("machine names", True, NAMES_ASKED,
                         f"offered, DNS domain {', '.join(domains)}" if domains else
                         "offered (the cloud's DNS domain shows on ports: none in this project yet; Neutron's "
                         f"default {DEFAULT_DNS_DOMAIN!r} would drop the machines' names)")
        checks.append(_asked("machine names", NAMES_ASKED, machine_names))
    swift = session.endpoint("object-store")
    if swift and settings.get("archive_storage_policy"):
        policy = settings["archive_storage_policy"]

        def storage_policy() -> Check:
            root = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(swift))
            policies = [p["name"] for p in (session.get(f"{root}/info") or {}).get("swift", {}).get("policies", [])]
            return Check("archive storage policy", policy in policies, policy,
                         f"Swift storage policies: {', '.join(policies) or 'none'}")
        checks.append(_asked("archive storage policy", policy, storage_policy))
    if planned is not None:
        try:
            checks += _quota_checks(session, needs(planned, flavors))
        except Unanswered as exc:
            checks.append(Check("quotas", False, "the project's limits", str(exc)))
    return checks


def _asked(name: str, asked: str, check: Any) -> Check:
    try:
        result: Check = check()
        return result
    except Unanswered as exc:
        return Check(name, False, asked, str(exc))


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("OS_")}
