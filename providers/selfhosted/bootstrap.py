"""What every self-hosted machine needs from the rest of the platform to finish booting, who provides it,
and what the stack must give when nothing in the platform can (`prerequisites`: the trust anchors and the
artefact mirror, refused by a real engine when missing, hdhport/prerequisites.py).

Every machine (templates/_base.yaml.j2) logs in to the secrets store with its certificate and reads its
shared secrets there (OpenBao's API), and obtains that certificate from the platform's ACME directory
(step-ca): the self-hosted implementations of secrets_store and certificate_management. Where a
profile resolves either natively (Barbican, Key Vault), that product serves the applications, and the
platform builds the self-hosted one beside it for its own machines (`machine_trust`): a small OpenBao
cluster and a step-ca published under the same private names, so no machine waits for an API nobody
runs. The machines also call platform services by their private names (`<service>.hdh.internal`): a
native private_dns (Azure private DNS, Designate) hands on its zone and each self-hosted service
publishes its name there (Iaas.publish). A self-hosted one (PowerDNS) takes no records from the program:
its recursors answer `<label>.hdh.internal` with the machine the label's component names `<component>-<role>-0`,
which the cloud network's own DNS resolves (templates/private_dns.yaml.j2), and every other machine finds
those recursors by their machine names and makes them its resolvers before apt runs (`private_names`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from hdhport.model import Catalogue
from hdhport.prerequisites import Prerequisite
from hdhport.names import RESEARCH_MACHINES, RESOLVER_STEM
from hdhport.registry import API_FAMILIES, SELF_HOSTED
from hdhport.resolve import Resolution
from providers.selfhosted.specs import SITE

#: Catalogue service -> what the machines call at boot, which only its self-hosted implementation answers.
BOOTSTRAP: dict[str, str] = {
    "secrets_store": f"OpenBao's API at https://{SITE.host('secrets_store')}:8200 (certificate login, secrets)",
    "certificate_management": f"step-ca's ACME directory at https://{SITE.host('certificate_management')}"
                              "/acme/hdh/directory (their certificate)",
}


def _machines(resolutions: Mapping[str, Resolution], built: Iterable[str]) -> list[str]:
    return [sid for sid in built if resolutions[sid].way == "self-hosted"]


def machine_trust(catalogue: Catalogue, resolutions: Mapping[str, Resolution],
                  built: Iterable[str]) -> dict[str, Resolution]:
    """The BOOTSTRAP services the platform builds self-hosted for its machines, beside the profile's own
    product (native or a gap), when the services `built` here or in its enclaves include self-hosted ones;
    each with the resolution it is built from (its catalogue self-hosted product)."""
    if not _machines(resolutions, built):
        return {}
    trust: dict[str, Resolution] = {}
    for service_id in BOOTSTRAP:
        if resolutions[service_id].way == "self-hosted":
            continue
        service = catalogue.service(service_id)
        product = next(impl.product if impl.kind == "self-hosted" else impl.fallback
                       for impl in (service.implementation(f) for f in API_FAMILIES)
                       if (impl.kind == "self-hosted" and impl.product) or impl.fallback)
        trust[service_id] = Resolution(service_id, "self-hosted", SELF_HOSTED, product,
                                       f"self-hosted {product} for the platform's machines, beside "
                                       f"{resolutions[service_id].product or 'the gap'} for applications")
    return trust


def private_names(resolutions: Mapping[str, Resolution], trust: Iterable[str]) -> dict[str, str]:
    """The Placement fields that let every machine resolve `<service>.hdh.internal` where private_dns is
    self-hosted (dns_resolvers, dns_aliases); nothing where it is native or a gap. `trust`: the services built
    for the machines beside a native product (`machine_trust`), whose names point at those machines."""
    if resolutions["private_dns"].way != "self-hosted":
        return {}
    aliases = ",".join(f"{SITE.host(s).split('.')[0]}=machine-{SITE.host(s).split('.')[0]}" for s in sorted(trust))
    return {"dns_resolvers": RESOLVER_STEM, "dns_aliases": aliases}


TRUST_ANCHORS_DOC = 'docs/operations.md, "Trust anchors"'


def unmet(resolutions: Mapping[str, Resolution], built: Iterable[str]) -> list[str]:
    """One warning per boot-time need no stack input can meet, when the services `built` by this stack include
    self-hosted ones (`resolutions`: the whole profile's, whichever stack builds what). Secrets and certificates
    are always met (`machine_trust`); the mirror and its anchors are the stack's prerequisites (`prerequisites`)."""
    machines = _machines(resolutions, built)
    if not machines or resolutions["private_dns"].way != "gap":
        return []
    return [f"{_who(machines)} call platform services by their private names ({SITE.host('<service>')}), and "
            "private_dns is a gap on this profile: nothing answers them"]


def _who(machines: Sequence[str]) -> str:
    return (f"the machines of {len(machines)} self-hosted service{'s' if len(machines) > 1 else ''}"
            + (f" ({', '.join(machines)})" if len(machines) <= 5 else ""))


def _booting(resolutions: Mapping[str, Resolution], services: Iterable[str]) -> tuple[list[str], list[str]]:
    """Of `services`, those whose machines boot from the platform's base: self-hosted ones, and research machines."""
    services = list(services)
    machines = _machines(resolutions, services)
    return machines, [s for s in RESEARCH_MACHINES if s in services and resolutions[s].way != "gap" and s not in machines]


def prerequisites(resolutions: Mapping[str, Resolution], built: Iterable[str], missing: Sequence[str] = (),
                  relayed: Iterable[str] = ()) -> list[Prerequisite]:
    """What the machines of the services `built` here need from the stack before they can install anything: the
    trust anchors and the mirror's URL (settings.py; `missing`: the keys the stack leaves out). Every self-hosted
    machine and every research machine installs from the artefact mirror only, which nothing in this program
    builds (docs/operations.md, "What the artefact mirror serves"), over TLS from the platform root CA, its
    `hdh` suite signed with the archive key; a stock image carries neither. The machines of the enclaves this
    platform serves (`relayed`: the services every enclave builds, here or in enclave stacks) reach it through
    the platform's package_mirror (SITE.relay), which the stack must then build."""
    built = list(built)
    needs = []
    machines, research = _booting(resolutions, built)
    if missing and (machines or research):
        who = ([_who(machines)] if machines else []) + \
            ([f"the research machines ({', '.join(research)})"] if research else [])
        needs.append(_anchors(tuple(missing), tuple(who)))
    relayed_machines = [s for group in _booting(resolutions, relayed) for s in group]
    if relayed_machines and ("package_mirror" not in built or resolutions["package_mirror"].way != "self-hosted"):
        needs.append(Prerequisite(("hdh:services",), (f"the enclaves' machines ({', '.join(relayed_machines)})",),
                                  "their subnets reach nothing outside the platform, so they install from the "
                                  f"artefact mirror through the platform's package_mirror ({SITE.relay}): the "
                                  "stack must build package_mirror, self-hosted", TRUST_ANCHORS_DOC))
    return needs


def _anchors(missing: tuple[str, ...], who: tuple[str, ...]) -> Prerequisite:
    return Prerequisite(missing, who,
                         "every machine installs from the artefact mirror only (research subnets have no other way "
                         "out), over TLS from the platform root CA, its suite signed with the archive key; a stock "
                         "image carries neither and nothing publishes the default mirror.hdh.internal, so without "
                         "them the machines would boot and install nothing", TRUST_ANCHORS_DOC)
