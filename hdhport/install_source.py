"""Where every machine installs its software from, and whether it can get there, read from the plan
(consistency/install-source).

Every machine the platform boots from its base (self-hosted services, research machines) installs from one source
only, named in its cloud-config's apt sources (providers/selfhosted/templates/_base.yaml.j2): the artefact mirror
(hdh:artefactMirror), or, for a machine in an enclave, the platform's package_mirror relaying it (SITE.relay:
an enclave's subnet reaches nothing outside the platform). A machine that cannot reach its source boots and
installs nothing, and `pulumi up` says nothing of it. So, per machine:

- a source in the platform's private zone must be a service the plan builds and names (package-mirror for the
  relay); the default `mirror.hdh.internal` of a stack that gives no mirror is its prerequisite, reported apart;
- an address of the platform's own ranges is taken as reachable inside it (any other, private or not, is not);
- any other host is reached through the platform's egress, which an enclave's machine does not have; a platform
  machine needs one the plan builds: on Azure a firewall rule that lets the platform's range reach that host,
  elsewhere nat_egress (OpenStack's router with its external gateway, Scaleway's public gateway).
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hdhport.addresses import PLATFORM_CIDR
from hdhport.names import DEFAULT_MIRROR, PRIVATE_ZONE, inside_platform, label, named_components, url_host
from hdhport.planner import PlannedResource, resource_tags

#: What boots a machine on each family, and where its cloud-config is among its inputs.
USER_DATA = {"azure-native:compute:VirtualMachine": ("osProfile", "customData"),
           "openstack:compute/instance:Instance": ("userData",),
           "scaleway:instance/server:Server": ("userData", "cloud-init")}
FIREWALL_RULES = "azure-native:network:FirewallPolicyRuleCollectionGroup"
#: An apt source line of a cloud-config: `deb [options] https://host[:port]/path suite components`.
_APT_SOURCE = re.compile(r"\bdeb\s+(?:\[[^\]]*\]\s+)?(https?://[^\s]+)")


@dataclass(frozen=True)
class Verdict:
    """One machine and its install source: what keeps it from the source (empty when nothing does)."""

    machine: PlannedResource
    source: str
    problem: str


def user_data(resource: PlannedResource) -> str | None:
    """The cloud-config a planned machine boots with, decoded; None for a machine that has none."""
    path = USER_DATA.get(resource.type)
    value: Any = resource.inputs
    for key in path or ():
        value = value.get(key) if isinstance(value, Mapping) else None
    if not isinstance(value, str) or not value:
        return None
    if resource.type.startswith("azure-native:"):
        try:
            return base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value


def sources(text: str) -> list[tuple[str, int]]:
    """The distinct hosts (and ports) an apt configuration installs from, in order."""
    return list(dict.fromkeys(url_host(url) for url in _APT_SOURCE.findall(text)))


def _azure_allowed(resources: Iterable[PlannedResource]) -> set[tuple[str, int]]:
    """The names and HTTPS ports the Azure firewall's application rules let the platform's range reach."""
    allowed: set[tuple[str, int]] = set()
    for group in resources:
        if group.type != FIREWALL_RULES:
            continue
        for collection in group.inputs.get("ruleCollections") or []:
            if (collection.get("action") or {}).get("type") != "Allow":
                continue
            for rule in collection.get("rules") or []:
                if not {PLATFORM_CIDR, "*"} & set(rule.get("sourceAddresses") or []):
                    continue
                ports = [p.get("port") for p in rule.get("protocols") or [] if p.get("protocolType") == "Https"]
                allowed.update((fqdn, int(port)) for fqdn in rule.get("targetFqdns") or [] for port in ports if port)
    return allowed


def verdicts(resources: list[PlannedResource], family: str | None, outputs: Mapping[str, Any],
             config: Mapping[str, Any]) -> list[Verdict]:
    """Every planned machine that boots from the platform's base, with what keeps it from its install source."""
    built = outputs.get("services") or {}
    answered = {label(sid) for sid in named_components(outputs)}
    default_host = url_host(DEFAULT_MIRROR)[0]
    no_mirror_given = "hdh:artefactMirror" not in config
    # An enclave stack's names are its platform stack's (a StackReference): that stack's plan proves them.
    names_elsewhere = "hdh:platformStack" in config
    egress = ("nat_egress" in built) if family != "azure" else False
    allowed = _azure_allowed(resources) if family == "azure" else set()
    found: list[Verdict] = []
    for machine in resources:
        text = user_data(machine) if machine.custom else None
        if text is None:
            continue
        in_enclave = resource_tags(machine.inputs).get("hdh-enclave", "platform") != "platform"
        for host, port in sources(text):
            problem = ""
            if host.endswith(f".{PRIVATE_ZONE}"):
                if host == default_host and no_mirror_given:
                    continue  # the stack's prerequisite (hdh:artefactMirror), reported by the plan
                if host.removesuffix(f".{PRIVATE_ZONE}") not in answered and not names_elsewhere:
                    problem = f"nothing the plan builds answers {host}"
            elif inside_platform(host):
                continue
            elif in_enclave:
                problem = (f"{host} is outside the platform, and an enclave's subnet reaches nothing outside it "
                           "(its machines install through package_mirror's relay)")
            elif family == "azure" and (host, port) not in allowed:
                problem = f"no rule of the perimeter firewall lets the platform's range reach {host} on {port}"
            elif family != "azure" and not egress:
                problem = f"{host} is outside the platform, and the plan builds no nat_egress to reach it"
            found.append(Verdict(machine, host, problem))
    return found
