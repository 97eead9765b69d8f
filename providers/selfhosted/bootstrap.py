"""What every self-hosted machine needs from the rest of the platform to finish booting, and what a plan
says when the profile does not provide it.

Every machine (templates/_base.yaml.j2) logs in to the secrets store with its certificate and reads its
secrets there (OpenBao's API), and obtains that certificate from the platform's ACME directory
(step-ca): the self-hosted implementations of secrets_store and certificate_management. Where a
profile resolves either natively (Barbican, Key Vault), nothing answers those calls. The machines
also call platform services by their private names (`<service>.hdh.internal`): a native private_dns
(Azure private DNS, Designate) hands on its zone and each self-hosted service publishes its name there
(Iaas.publish); a self-hosted one has no way to take records from the program yet. A plan must not look deployable when its machines would wait forever:
`unmet` names each missing piece, and the program logs it as a warning.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from hdhport.resolve import Resolution
from providers.selfhosted.specs import SITE

#: Catalogue service -> what the machines call at boot, which only its self-hosted implementation answers.
BOOTSTRAP: dict[str, str] = {
    "secrets_store": f"OpenBao's API at https://{SITE.host('secrets_store')}:8200 (certificate login, secrets)",
    "certificate_management": f"step-ca's ACME directory at https://{SITE.host('certificate_management')}"
                              "/acme/hdh/directory (their certificate)",
}


def unmet(resolutions: Mapping[str, Resolution], built: Iterable[str]) -> list[str]:
    """One message per boot-time need the platform leaves unmet, when the services `built` by this stack
    include self-hosted ones (`resolutions`: the whole profile's, whichever stack builds what)."""
    machines = [sid for sid in built if resolutions[sid].way == "self-hosted"]
    if not machines:
        return []
    who = (f"the machines of {len(machines)} self-hosted service{'s' if len(machines) > 1 else ''}"
           + (f" ({', '.join(machines)})" if len(machines) <= 5 else ""))
    messages = []
    for service_id, call in BOOTSTRAP.items():
        resolution = resolutions[service_id]
        if resolution.way != "self-hosted":
            how = f"is {resolution.product} ({resolution.way})" if resolution.way != "gap" else "is a gap"
            messages.append(f"{who} call {call} at boot, but {service_id} {how} on this profile: they will "
                            f"wait for it until {service_id} is self-hosted")
    dns = resolutions["private_dns"]
    if dns.way != "native":
        how = f"is {dns.product} ({dns.way})" if dns.way != "gap" else "is a gap"
        messages.append(f"{who} call platform services by their private names ({SITE.host('<service>')}), which "
                        f"only a native private_dns publishes as they are built, and private_dns {how} on this "
                        "profile: its records must be added before they boot")
    return messages
