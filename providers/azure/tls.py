"""TLS material the stack gives the Azure platform, checked before any resource and packed the way Azure services
read it from Key Vault.

Two pairs of stack keys, the private keys set as Pulumi secrets (`pulumi config set --secret`, which `hdhport
check` requires), the certificates public:
- the platform's server certificate: `hdh:tlsCertificate`, `hdh:tlsPrivateKey` and, optionally, its issuer chain
  `hdh:tlsIntermediates` (PEM), the very keys certificate_management reads on OpenStack, so one stack file
  carries the platform's certificate whichever family deploys it. The WAF gateway (Application Gateway)
  serves it for portal.hdh.internal.
- the CA the perimeter firewall (Azure Firewall Premium) re-signs inspected TLS with:
  `hdh:tlsInspectionCertificate` and `hdh:tlsInspectionPrivateKey` (PEM). Microsoft's requirements for it
  (learn.microsoft.com/azure/firewall/premium-certificates): one certificate, no chain, an RSA key of 4096
  bits at least, basicConstraints critical with CA TRUE and a path length of one or more (or none), keyUsage
  critical with keyCertSign, valid for a year from now. Signed by the platform root CA (hdh:platformRootCa),
  it is trusted by every machine that trusts that root.

Application Gateway and Azure Firewall both read a Key Vault *secret* holding a password-less, base64-encoded
PKCS#12 (the `keyVaultSecretId` of either API). certificate_management writes that secret through Azure Resource
Manager, which Key Vault's firewall does not apply to (a control-plane write), so a vault created private-only
in the same run takes it. A PKCS#12's integrity MAC is salted at random, which would make every `pulumi up`
write a new secret version; the salt here is derived from the content instead, so the same certificate gives
the same secret and a renewed one a new version.

A value an offline plan cannot read (`hdhport plan` of a stack holding it encrypted) is taken on trust there:
`pulumi up` decrypts it, and checks it, before declaring any resource.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

import pulumi

from hdhport.planner import REDACTED
from hdhport.stack_config import ConfigError

#: Key Vault secret names, in certificate_management's vault.
SERVER_SECRET = "hdh-gateway-tls"
INSPECTION_SECRET = "hdh-firewall-tls-inspection-ca"
#: The content type Key Vault gives a certificate's secret; Application Gateway and Azure Firewall read it.
PKCS12 = "application/x-pkcs12"
INSPECTION_KEY_BITS = 4096
INSPECTION_VALIDITY = datetime.timedelta(days=365)
#: What an offline plan is handed for a value held encrypted in the stack file.
_UNREADABLE = REDACTED
#: DER of the OID 2.16.840.1.101.3.4.2.1 (SHA-256), the digest of the MAC cryptography writes.
_SHA256_OID = bytes.fromhex("0609608648016503040201")
_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----")


@dataclass(frozen=True)
class Pfx:
    """A certificate with its key as a Key Vault secret Azure services read."""

    value: pulumi.Output[str]
    """Secret: the password-less PKCS#12, base64-encoded (a placeholder where an offline plan cannot read it)."""
    expires: int | None
    """When the certificate expires (seconds since the epoch), the secret's expiry (policy_governance requires
    one); None where an offline plan cannot read the certificate."""


def server_certificate(now: datetime.datetime | None = None) -> Pfx | None:
    """The platform's server certificate as the stack gives it, checked; None when it gives none."""
    config = pulumi.Config("hdh")
    cert_text, key_text = _value(config, "tlsCertificate"), _value(config, "tlsPrivateKey")
    chain_text = _value(config, "tlsIntermediates")
    if cert_text is None and key_text is None:
        if chain_text is not None:
            raise ConfigError("hdh:tlsCertificate", "hdh:tlsIntermediates is given without the certificate it chains")
        return None
    if cert_text is None or key_text is None:  # the rule certificate_management has on OpenStack too
        raise ConfigError("hdh:tlsPrivateKey" if key_text is None else "hdh:tlsCertificate",
                          "hdh:tlsCertificate and hdh:tlsPrivateKey are set together (as Pulumi secrets)")
    certificate = _certificate("hdh:tlsCertificate", cert_text, now)
    chain = _chain(chain_text) if chain_text not in (None, _UNREADABLE) else []
    key = _private_key("hdh:tlsPrivateKey", key_text, certificate)
    return _pack(certificate, key, chain, unreadable=_UNREADABLE in (chain_text, key_text))


def inspection_ca(now: datetime.datetime | None = None) -> Pfx | None:
    """The firewall's TLS inspection CA as the stack gives it, checked against Azure Firewall's requirements;
    None when it gives none."""
    config = pulumi.Config("hdh")
    cert_text, key_text = _value(config, "tlsInspectionCertificate"), _value(config, "tlsInspectionPrivateKey")
    if cert_text is None and key_text is None:
        return None
    if cert_text is None or key_text is None:
        raise ConfigError("hdh:tlsInspectionPrivateKey" if key_text is None else "hdh:tlsInspectionCertificate",
                          "hdh:tlsInspectionCertificate and hdh:tlsInspectionPrivateKey are set together "
                          "(as Pulumi secrets)")
    certificate = _certificate("hdh:tlsInspectionCertificate", cert_text, now)
    if certificate is not None:
        _check_inspection_ca(certificate, now or datetime.datetime.now(datetime.timezone.utc))
    key = _private_key("hdh:tlsInspectionPrivateKey", key_text, certificate)
    return _pack(certificate, key, [], unreadable=key_text == _UNREADABLE)


def validate() -> None:
    """Both pairs, checked with the stack config, before any resource."""
    server_certificate()
    inspection_ca()


# ----------------------------------------------------------------------------------------------- checks

def _value(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not value.strip():
        raise ConfigError(f"hdh:{key}", "is empty")
    return value


def _certificate(key: str, text: str, now: datetime.datetime | None) -> Any:
    """One PEM certificate, valid now; None when an offline plan cannot read it. Never echoes the text."""
    from cryptography import x509

    if text == _UNREADABLE:
        return None
    if "PRIVATE KEY" in text:
        raise ConfigError(key, "holds a private key: give the certificate here and its key in the key's own setting")
    blocks = _CERTIFICATE.findall(text.strip())
    if len(blocks) != 1 or blocks[0] != text.strip():
        raise ConfigError(key, "expected exactly one PEM certificate (-----BEGIN CERTIFICATE----- ...), no chain")
    try:
        certificate = x509.load_pem_x509_certificate(blocks[0].encode())
    except ValueError as error:
        raise ConfigError(key, f"not a readable X.509 certificate ({error})") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ConfigError(key, f"the certificate is valid from {certificate.not_valid_before_utc:%Y-%m-%d} to "
                               f"{certificate.not_valid_after_utc:%Y-%m-%d}, not today")
    return certificate


def _chain(text: str) -> list[Any]:
    from cryptography import x509

    key = "hdh:tlsIntermediates"
    if "PRIVATE KEY" in text:
        raise ConfigError(key, "holds a private key: give the issuer certificates only")
    blocks = _CERTIFICATE.findall(text.strip())
    if not blocks or "".join(blocks) != re.sub(r"\s*\n\s*(?=-----BEGIN)", "", text.strip()):
        raise ConfigError(key, "expected PEM certificates (-----BEGIN CERTIFICATE----- ...) and nothing else")
    try:
        return [x509.load_pem_x509_certificate(block.encode()) for block in blocks]
    except ValueError as error:
        raise ConfigError(key, f"not a readable X.509 certificate ({error})") from None


def _private_key(key: str, text: str, certificate: Any) -> Any:
    """The unencrypted PEM private key of `certificate`; None when an offline plan cannot read it. Neither the key
    nor any part of it is ever put in a message."""
    from cryptography.hazmat.primitives import serialization

    if text == _UNREADABLE:
        return None
    try:
        private = serialization.load_pem_private_key(text.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigError(key, "not a readable, unencrypted PEM private key") from None
    if certificate is not None:
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if private.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
            raise ConfigError(key, "is not the key of the certificate given with it")
    return private


def _check_inspection_ca(certificate: Any, now: datetime.datetime) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = "hdh:tlsInspectionCertificate"
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < INSPECTION_KEY_BITS:
        raise ConfigError(key, f"Azure Firewall needs an RSA key of {INSPECTION_KEY_BITS} bits at least")
    constraints = _extension(certificate, x509.BasicConstraints, key,
                             "the certificate has no basicConstraints: it is not a CA certificate")
    if not constraints.critical or not constraints.value.ca:
        raise ConfigError(key, "Azure Firewall needs basicConstraints critical with CA:TRUE")
    if constraints.value.path_length is not None and constraints.value.path_length < 1:
        raise ConfigError(key, "Azure Firewall needs a path length of one or more (it issues below itself)")
    usage = _extension(certificate, x509.KeyUsage, key, "Azure Firewall needs keyUsage critical with keyCertSign")
    if not usage.critical or not usage.value.key_cert_sign:
        raise ConfigError(key, "Azure Firewall needs keyUsage critical with keyCertSign")
    if certificate.not_valid_after_utc < now + INSPECTION_VALIDITY:
        raise ConfigError(key, f"Azure Firewall needs the CA valid for a year from now; it ends on "
                               f"{certificate.not_valid_after_utc:%Y-%m-%d}")


# ----------------------------------------------------------------------------------------------- packing

def _extension(certificate: Any, kind: Any, key: str, missing: str) -> Any:
    """The certificate's extension of that kind; its absence is the config error `missing`."""
    from cryptography import x509

    try:
        return certificate.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        raise ConfigError(key, missing) from None


def _pack(certificate: Any, key: Any, chain: list[Any], unreadable: bool) -> Pfx:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    expires = int(certificate.not_valid_after_utc.timestamp()) if certificate is not None else None
    if unreadable or certificate is None or key is None:
        return Pfx(pulumi.Output.secret(_UNREADABLE), expires)
    der = pkcs12.serialize_key_and_certificates(None, key, certificate, chain or None, serialization.NoEncryption())
    return Pfx(pulumi.Output.secret(base64.b64encode(deterministic_mac(der)).decode()), expires)


def deterministic_mac(der: bytes) -> bytes:
    """The PKCS#12 `der` with its MAC recomputed over the same content under a salt derived from that content
    (RFC 7292: HMAC keyed by the PKCS#12 key derivation of appendix B.2 with ID 3, here for the empty password
    of a password-less file, as OpenSSL writes it), so that one certificate always gives the same bytes."""
    version, auth_safe, mac_data = _children(der, 0)
    _, inner = _children(der, auth_safe[0])[:2]          # ContentInfo: contentType, [0] content
    (octets,) = _children(der, inner[0])                 # [0] holds the OCTET STRING of the authenticated safe
    content = der[octets[1]:octets[2]]
    digest_info, _salt, iterations = _children(der, mac_data[0])
    algorithm, _digest = _children(der, digest_info[0])
    if _SHA256_OID not in der[algorithm[0]:algorithm[2]]:
        raise ValueError("the PKCS#12 MAC is not HMAC-SHA-256, which is what is recomputed here")
    count = int.from_bytes(der[iterations[1]:iterations[2]], "big")
    salt = hashlib.sha256(b"hdhport pkcs12 mac salt" + content).digest()[:8]
    mac = hmac.new(_pkcs12_kdf(b"\x00\x00", salt, count), content, hashlib.sha256).digest()
    digest = _tlv(0x30, der[algorithm[0]:algorithm[2]] + _tlv(0x04, mac))
    new_mac_data = _tlv(0x30, digest + _tlv(0x04, salt) + der[iterations[0]:iterations[2]])
    return _tlv(0x30, der[version[0]:version[2]] + der[auth_safe[0]:auth_safe[2]] + new_mac_data)


def _pkcs12_kdf(password: bytes, salt: bytes, iterations: int, purpose: int = 3, size: int = 32) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256 (its block size v is 64 bytes)."""
    v = 64

    def stretch(data: bytes) -> bytes:
        if not data:
            return b""
        length = v * ((len(data) + v - 1) // v)
        return (data * (length // len(data) + 1))[:length]

    block = stretch(salt) + stretch(password)
    out = b""
    while len(out) < size:
        a = hashlib.sha256(bytes([purpose]) * v + block).digest()
        for _ in range(iterations - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes(stretch(a)[:v], "big")
        block = b"".join(((int.from_bytes(block[i:i + v], "big") + b + 1) % (1 << (8 * v))).to_bytes(v, "big")
                         for i in range(0, len(block), v))
    return out[:size]


def _children(der: bytes, start: int) -> list[tuple[int, int, int]]:
    """(start, content start, end) of each element inside the constructed DER element at `start`."""
    _, content, end = _element(der, start)
    found, position = [], content
    while position < end:
        element = _element(der, position)
        found.append(element)
        position = element[2]
    return found


def _element(der: bytes, start: int) -> tuple[int, int, int]:
    length, position = der[start + 1], start + 2
    if length & 0x80:
        octets = length & 0x7F
        length, position = int.from_bytes(der[position:position + octets], "big"), position + octets
    return start, position, position + length


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content
