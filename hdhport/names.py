"""The names the platform's machines call one another by, in one place for every layer: the providers build
them, `hdhport check` proves each one is answered."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The private DNS zone (private_dns) in which platform services are published: `<service>.hdh.internal`.
PRIVATE_ZONE = "hdh.internal"
#: The platform's artefact mirror unless the stack names another (hdh:artefactMirror): the only source of
#: software for self-hosted machines.
DEFAULT_MIRROR = f"https://mirror.{PRIVATE_ZONE}"
#: Machine-name stem of the self-hosted recursors: component `private-dns`, role `pdns` (selfhosted specs).
RESOLVER_STEM = "private-dns-pdns"
#: Catalogue services whose machines are a research project's, built on every family from the platform's base.
RESEARCH_MACHINES = ("cpu_vm", "gpu_vm")


def label(service_id: str) -> str:
    """A service's label in the private zone and in component names (`package_mirror` -> `package-mirror`)."""
    return service_id.replace("_", "-")


def named_components(outputs: Mapping[str, Any]) -> dict[str, str]:
    """Service -> the component whose machines answer `<label>.hdh.internal`, from a plan's stack outputs: each
    self-hosted service's own, and `machine-<label>` for the secrets store and CA built for the machines beside a
    native product (`machine_trust`)."""
    resolutions: Mapping[str, Any] = outputs.get("resolutions") or {}
    named = {sid: label(sid) for sid in outputs.get("services") or {}
             if (resolutions.get(sid) or {}).get("way") == "self-hosted"}
    named |= {sid: "machine-" + label(sid) for sid in outputs.get("machine_trust") or {}}
    return named


def url_host(url: str) -> tuple[str, int]:
    """The host and port an https URL names (`https://mirror.example.eu:8443/hdh` -> ("mirror.example.eu", 8443))."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.hostname or ""), (parts.port or 443)


def inside_platform(host: str) -> bool:
    """Whether a machine reaches `host` without leaving the platform's private network: a name of its private zone,
    or an address of the platform's own ranges (its services and its enclaves). Anything else, another private
    range included, is reached through the platform's egress (NAT, or Azure Firewall's rules), which an enclave's
    subnet does not have."""
    import ipaddress

    from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR

    if host == PRIVATE_ZONE or host.endswith(f".{PRIVATE_ZONE}"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in (PLATFORM_CIDR, ENCLAVES_CIDR))
