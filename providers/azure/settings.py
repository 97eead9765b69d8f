"""Stack settings the Azure implementations read beyond the core `hdh:*` keys, validated in one place."""
from __future__ import annotations

import pulumi

from hdhport.stack_config import ConfigError

#: The `hdh:*` keys read by Azure implementations, for the stack-config validation that refuses unknown keys. The
#: platform's TLS certificate has the keys OpenStack reads (providers/azure/tls.py).
CONFIG_KEYS = frozenset({"vpnPeer", "vpnSharedKey", "tlsCertificate", "tlsPrivateKey", "tlsIntermediates",
                         "tlsInspectionCertificate", "tlsInspectionPrivateKey"})


def validate() -> None:
    """Check the shape of the Azure keys before any resource is declared."""
    from providers.azure import tls
    from providers.azure.site_to_site_vpn import Peer

    config = pulumi.Config("hdh")
    raw_peer = config.get_object("vpnPeer")
    if raw_peer is not None:
        try:
            Peer.parse(raw_peer)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError("hdh:vpnPeer", str(exc).removeprefix("hdh:vpnPeer: ")) from None
    tls.validate()
