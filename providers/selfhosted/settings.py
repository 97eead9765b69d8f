"""The trust anchors every machine booted from templates/_base.yaml.j2 needs before it can install anything:
stack settings (`hdh:*` keys) read by the self-hosted layer on every API family, validated in one place.

A machine installs software from the platform's artefact mirror only (specs.py): Debian's dated snapshot,
the platform's own `hdh` apt suite signed with the platform archive key, release archives and package
indexes, all over TLS with a certificate from the platform root CA. Both anchors come out of the platform's
key ceremony (docs/operations.md, "Trust anchors"): the root CA certificate (`hdh:platformRootCa`, PEM) and
the archive key's public part (`hdh:archiveKeyring`, ASCII-armoured OpenPGP). Given here, cloud-init
installs them at first boot (ca_certs, then apt's signed-by keyring) on the provider's stock image; not
given, the image must carry them (a platform image from vm_image_catalogue), which the plan says.
Both are public: a private key given here is refused, never echoed.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

import pulumi

from hdhport.names import DEFAULT_MIRROR, url_host
from hdhport.stack_config import ConfigError

#: The `hdh:*` keys read here, for the stack-config validation that refuses unknown keys.
CONFIG_KEYS = frozenset({"platformRootCa", "archiveKeyring", "artefactMirror"})

#: Where machines find the artefact mirror when the stack names none: a name in the platform's zone.
_MIRROR = re.compile(r"https://[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*")
_ARMOUR = re.compile(r"-----BEGIN PGP PUBLIC KEY BLOCK-----\n(?:[A-Za-z][A-Za-z-]*: [^\n]*\n)*\n"
                     r"(?P<body>[A-Za-z0-9+/=\n]+?)\n(?:=[A-Za-z0-9+/]{4}\n)?-----END PGP PUBLIC KEY BLOCK-----\n?")
#: First byte of an OpenPGP public-key packet (tag 6), old format (any length type) or new format.
_PUBLIC_KEY_PACKET = frozenset({0x98, 0x99, 0x9A, 0xC6})


@dataclass(frozen=True)
class Trust:
    mirror: str = DEFAULT_MIRROR
    root_ca: str | None = None
    """PEM of the platform root CA certificate, as the stack gives it."""
    archive_keyring: str | None = None
    """ASCII-armoured public key signing the mirror's `hdh` apt suite."""

    def missing(self) -> tuple[str, ...]:
        """The keys a stack leaves to its image or its zone: the anchors, and the mirror's own name."""
        return tuple(key for key, given in (("hdh:platformRootCa", self.root_ca),
                                            ("hdh:archiveKeyring", self.archive_keyring),
                                            ("hdh:artefactMirror", self.mirror != DEFAULT_MIRROR)) if not given)


def _text(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not value.strip():
        raise ConfigError(f"hdh:{key}", "is empty")
    return value


def root_ca(text: str, now: datetime.datetime | None = None) -> str:
    """The PEM of one CA certificate, valid now; anything else is a ConfigError naming hdh:platformRootCa."""
    from cryptography import x509

    key = "hdh:platformRootCa"
    if "PRIVATE KEY" in text:
        raise ConfigError(key, "holds a private key: give the root CA's certificate only (its key stays offline)")
    blocks: list[str] = re.findall(r"-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----", text.strip())
    if len(blocks) != 1 or blocks[0] != text.strip():
        raise ConfigError(key, "expected exactly one PEM certificate (-----BEGIN CERTIFICATE----- ...)")
    try:
        certificate = x509.load_pem_x509_certificate(blocks[0].encode())
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise ConfigError(key, "the certificate has no basicConstraints: it is not a CA certificate") from None
    except ValueError as error:
        raise ConfigError(key, f"not a readable X.509 certificate ({error})") from None
    if not constraints.ca:
        raise ConfigError(key, "the certificate is not a CA (basicConstraints CA:FALSE)")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ConfigError(key, f"the certificate is valid from {certificate.not_valid_before_utc:%Y-%m-%d} to "
                               f"{certificate.not_valid_after_utc:%Y-%m-%d}, not today")
    return str(blocks[0]) + "\n"


def archive_keyring(text: str) -> str:
    """An ASCII-armoured OpenPGP public key; anything else is a ConfigError naming hdh:archiveKeyring."""
    key = "hdh:archiveKeyring"
    if "PRIVATE KEY BLOCK" in text:
        raise ConfigError(key, "holds a private key: give the archive key's public part only")
    match = _ARMOUR.fullmatch(text.strip() + "\n")
    if not match:
        raise ConfigError(key, "expected an ASCII-armoured OpenPGP public key "
                               "(-----BEGIN PGP PUBLIC KEY BLOCK----- ..., as `gpg --armor --export` writes it)")
    try:
        packets = base64.b64decode(match["body"].replace("\n", ""), validate=True)
    except binascii.Error:
        raise ConfigError(key, "the armoured body is not base64") from None
    if not packets or packets[0] not in _PUBLIC_KEY_PACKET:
        raise ConfigError(key, "the armoured block does not start with an OpenPGP public-key packet")
    return text.strip() + "\n"


def read() -> Trust:
    """The stack's trust anchors and mirror, validated (ConfigError naming the key)."""
    config = pulumi.Config("hdh")
    mirror = _text(config, "artefactMirror") or DEFAULT_MIRROR
    if not _MIRROR.fullmatch(mirror):
        raise ConfigError("hdh:artefactMirror", f"expected an https URL without query or trailing slash, got {mirror!r}")
    if re.fullmatch(r"[0-9.]+", url_host(mirror)[0]):
        # package_mirror's relay and the machines check the mirror's certificate by its name.
        raise ConfigError("hdh:artefactMirror", "expected the mirror's name, not an address: the machines and "
                                                "package_mirror's relay check its certificate by name")
    ca, keyring = _text(config, "platformRootCa"), _text(config, "archiveKeyring")
    return Trust(mirror=mirror, root_ca=root_ca(ca) if ca else None,
                 archive_keyring=archive_keyring(keyring) if keyring else None)


def validate() -> None:
    """Read every key once, so a bad value fails with the stack config, before any resource."""
    read()
