"""The names the platform's machines call one another by, in one place for every layer: the providers build
them, `hdhport check` proves each one is answered."""
from __future__ import annotations

#: The private DNS zone (private_dns) in which platform services are published: `<service>.hdh.internal`.
PRIVATE_ZONE = "hdh.internal"
#: The platform's artefact mirror unless the stack names another (hdh:artefactMirror): the only source of
#: software for self-hosted machines.
DEFAULT_MIRROR = f"https://mirror.{PRIVATE_ZONE}"
#: Machine-name stem of the self-hosted recursors: component `private-dns`, role `pdns` (selfhosted specs).
RESOLVER_STEM = "private-dns-pdns"
