"""What every self-hosted machine needs from the rest of the platform to finish booting, who provides it,
and what a plan says when nobody does.

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
from hdhport.names import RESOLVER_STEM
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


def unmet(resolutions: Mapping[str, Resolution], built: Iterable[str], missing: Sequence[str] = ()) -> list[str]:
    """One message per boot-time need the platform leaves unmet, when the services `built` by this stack
    include self-hosted ones (`resolutions`: the whole profile's, whichever stack builds what). Secrets and
    certificates are always met (`machine_trust`); the mirror and its trust anchors when the stack gives them
(settings.py; `missing`: the keys it leaves out)."""
    machines = _machines(resolutions, built)
    if not machines:
        return []
    who = (f"the machines of {len(machines)} self-hosted service{'s' if len(machines) > 1 else ''}"
           + (f" ({', '.join(machines)})" if len(machines) <= 5 else ""))
    messages = []
    if missing:
        messages.append(f"{who} install software from the artefact mirror over TLS, signed with the platform archive "
                        f"key; {_unmet_anchors(missing, 'the mirror')}")
    if resolutions["private_dns"].way == "gap":
        messages.append(f"{who} call platform services by their private names ({SITE.host('<service>')}), and "
                        "private_dns is a gap on this profile: nothing answers them")
    return messages


def _unmet_anchors(missing: Sequence[str], mirror: str) -> str:
    """What machines need when the stack leaves out trust anchors (`missing`), `mirror` naming where the mirror's
    name must lead."""
    needs = (["their image must carry the platform root CA and archive key"]
             if {"hdh:platformRootCa", "hdh:archiveKeyring"} & set(missing) else []) + \
            ([f"{SITE.mirror_host} must resolve to {mirror}"] if "hdh:artefactMirror" in missing else [])
    return (f"the stack does not give {', '.join(missing)} (docs/operations.md, \"Trust anchors\"): "
            f"{' and '.join(needs)}, or they install nothing")


def research_machines_unmet(missing: Sequence[str]) -> str | None:
    """What a plan says once when research machines (cpu_vm, gpu_vm, built from the provider-neutral base on every
    family) boot without the trust anchors the stack leaves out (`missing`); None when it gives them all."""
    if not missing:
        return None
    return ("the research machines (cpu_vm, gpu_vm) install auditd and their updates from the artefact mirror only "
            "(research subnets have no internet egress), over TLS, signed with the platform archive key; "
            + _unmet_anchors(missing, "the mirror from the enclaves"))
