"""Stack settings the OpenStack implementations read (`hdh:*` keys), validated in one place.

Each key names an operator fact no profile can know (the encrypted volume type's name, the external
network, the VPN peer) or a secret the platform cannot make itself. Every key has a default that
plans and deploys on a reference cloud, except the secrets, whose absence is handled by the service
that needs them. A bad value fails with `ConfigError` naming the key, before the resource using it.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import pulumi

from hdhport.openstack_defaults import ARCHIVE_STORAGE_POLICY, ENCRYPTED_VOLUME_TYPE, WORKLOAD_ROLES
from hdhport.stack_config import ConfigError, optional_utc_timestamp

#: The `hdh:*` keys read here, for the stack-config validation that refuses unknown keys.
CONFIG_KEYS = frozenset({
    "encryptedVolumeType", "shareType", "externalNetwork", "imageSourceUrl", "postgresVersion",
    "databaseOwnerPassword", "kubernetesImage", "kubernetesVersion", "vpnSharedKey", "vpnPeerAddress",
    "vpnPeerId", "vpnPeerCidrs", "tlsContainerRef", "tlsCertificate", "tlsPrivateKey", "tlsIntermediates",
    "loadBalancerBackends", "archiveStoragePolicy", "applicationSecrets", "workloadCredentialExpiry",
    "workloadRoles", "identityAdmin", "imageId",
})

#: The provider's region setting, checked against the names the profile gives the stack's region.
PROVIDER_REGION_KEY = "openstack:region"

#: Debian's own build of its generic cloud image; air-gapped sites point hdh:imageSourceUrl at their mirror.
DEBIAN_12_IMAGE = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"
#: Lifetime of a workload credential when hdh:workloadCredentialExpiry does not fix its end.
WORKLOAD_CREDENTIAL_DAYS = 365
#: Secrets the platform generates in Barbican (secrets_store); one whose value comes from outside is its pipeline's.
# The database owner's password is not one of them: Trove needs it as text it is given, so relational_database
# draws it and writes its own Barbican secret (an order makes random bytes nobody could set as a password).
APPLICATION_SECRETS = ("oidc-client-secret",)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:@/-]{0,254}$")
_SECRET_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_VERSION = re.compile(r"^v?\d+(\.\d+){0,2}$")


@dataclass(frozen=True)
class OpenStackSettings:
    """What the operator tells the OpenStack implementations through the stack configuration."""

    encrypted_volume_type: str
    """Cinder volume type with front-end LUKS encryption and keys in Barbican (created by the operator)."""
    share_type: str | None
    """Manila share type whose back end encrypts at rest; None = the operator's default type."""
    external_network: str | None
    """Name of the external network gateways attach to; None = the cloud's only external network."""
    image_source_url: str
    """Where Glance fetches the platform's Debian 12 image from (the project's mirror on air-gapped sites)."""
    postgres_version: str
    """PostgreSQL datastore version registered in the operator's Trove."""
    database_owner_password: pulumi.Output[str] | None
    """Pulumi secret: password of the database owner Trove creates; None = no owner user created."""
    kubernetes_image: str
    """Glance image the Magnum driver boots cluster nodes from."""
    kubernetes_version: str
    """Kubernetes version (Magnum kube_tag label)."""
    vpn_shared_key: pulumi.Output[str] | None
    """Pulumi secret: IPsec pre-shared key with the peer site; None = no site connection yet."""
    vpn_peer_address: str | None
    """Public address of the peer site's VPN gateway."""
    vpn_peer_id: str | None
    """IKE identity of the peer (defaults to its address)."""
    vpn_peer_cidrs: tuple[str, ...]
    """Networks behind the peer gateway, routed through the tunnel."""
    tls_container_ref: str | None
    """Barbican certificate container the load balancer terminates TLS with; None = TLS passthrough."""
    tls_certificate: pulumi.Output[str] | None
    """Secret: the platform's TLS certificate (PEM), when an operator loads it through Pulumi."""
    tls_private_key: pulumi.Output[str] | None
    """Secret: its private key (PEM)."""
    tls_intermediates: pulumi.Output[str] | None
    """Secret: the issuer chain (PEM)."""
    load_balancer_backends: tuple[str, ...]
    """Private addresses of the ingress tier behind the load balancer."""
    archive_storage_policy: str
    """Swift storage policy of the archive container (the operator's cold tier)."""
    application_secrets: tuple[str, ...]
    """Names of the application secrets the secrets store generates in Barbican (read by their consumers)."""
    workload_credential_expiry: str | None
    """When workload application credentials expire (UTC, ISO 8601); None = a year after each is created."""
    workload_roles: tuple[str, ...]
    """Keystone roles a workload credential carries: roles the deploying user holds, never admin."""
    identity_admin: bool
    """Whether the platform team may create Keystone roles, groups and projects (domain admin)."""
    image_id: str | None
    """Glance id of the machines' boot image, pinned; None = the newest image of the profile's image name
    when a machine is created (later images never replace a running machine)."""

    @classmethod
    def read(cls) -> OpenStackSettings:
        config = pulumi.Config("hdh")
        return cls(
            encrypted_volume_type=_name(config, "encryptedVolumeType", ENCRYPTED_VOLUME_TYPE),
            share_type=_optional_name(config, "shareType"),
            external_network=_optional_name(config, "externalNetwork"),
            image_source_url=_url(config, "imageSourceUrl", DEBIAN_12_IMAGE),
            postgres_version=_version(config, "postgresVersion", "16"),
            database_owner_password=config.get_secret("databaseOwnerPassword"),
            kubernetes_image=_name(config, "kubernetesImage", "fedora-coreos-40"),
            kubernetes_version=_version(config, "kubernetesVersion", "v1.28.9"),
            vpn_shared_key=config.get_secret("vpnSharedKey"),
            vpn_peer_address=_optional_address(config, "vpnPeerAddress"),
            vpn_peer_id=_optional_name(config, "vpnPeerId"),
            vpn_peer_cidrs=_cidrs(config, "vpnPeerCidrs"),
            tls_container_ref=_optional_url(config, "tlsContainerRef"),
            tls_certificate=config.get_secret("tlsCertificate"),
            tls_private_key=config.get_secret("tlsPrivateKey"),
            tls_intermediates=config.get_secret("tlsIntermediates"),
            load_balancer_backends=_addresses(config, "loadBalancerBackends"),
            archive_storage_policy=_name(config, "archiveStoragePolicy", ARCHIVE_STORAGE_POLICY),
            application_secrets=_secret_names(config, "applicationSecrets"),
            workload_credential_expiry=optional_utc_timestamp(config, "workloadCredentialExpiry"),
            workload_roles=_roles(config, "workloadRoles"),
            identity_admin=_bool(config, "identityAdmin", True),
            image_id=_optional_uuid(config, "imageId"),
        )


def _optional_name(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not _NAME.fullmatch(value):
        raise ConfigError(f"hdh:{key}", f"expected a name of letters, digits, spaces and ._:@/-, got {value!r}")
    return value


def _name(config: pulumi.Config, key: str, default: str) -> str:
    return _optional_name(config, key) or default


def _optional_url(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
        raise ConfigError(f"hdh:{key}", f"expected an https:// URL, got {value!r}")
    return value


def _url(config: pulumi.Config, key: str, default: str) -> str:
    return _optional_url(config, key) or default


def _version(config: pulumi.Config, key: str, default: str) -> str:
    value = config.get(key) or default
    if not _VERSION.fullmatch(value):
        raise ConfigError(f"hdh:{key}", f"expected a version such as {default!r}, got {value!r}")
    return value


def _optional_uuid(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not _UUID.fullmatch(value):
        raise ConfigError(f"hdh:{key}", f"expected an image id such as 0b7f5a3e-8c1d-4e2f-9a6b-3c4d5e6f7a8b, got {value!r}")
    return value


def _roles(config: pulumi.Config, key: str) -> tuple[str, ...]:
    values = _strings(config, key) if config.get(key) is not None else list(WORKLOAD_ROLES)
    if not values or any(not _NAME.fullmatch(v) for v in values):
        raise ConfigError(f"hdh:{key}", f"expected a non-empty list of Keystone role names, got {values!r}")
    if "admin" in values:
        raise ConfigError(f"hdh:{key}", "a workload credential never carries the admin role")
    return tuple(values)


def _bool(config: pulumi.Config, key: str, default: bool) -> bool:
    value = config.get(key)
    if value is None:
        return default
    if value not in ("true", "false"):
        raise ConfigError(f"hdh:{key}", f"expected true or false, got {value!r}")
    return value == "true"


def _strings(config: pulumi.Config, key: str) -> list[str]:
    try:
        value = config.get_object(key)
    except Exception as exc:  # the SDK raises its own ConfigTypeError on non-JSON text
        raise ConfigError(f"hdh:{key}", "expected a list of strings") from exc
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"hdh:{key}", f"expected a list of strings, got {value!r}")
    return value


def _cidrs(config: pulumi.Config, key: str) -> tuple[str, ...]:
    values = _strings(config, key)
    for value in values:
        try:
            ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ConfigError(f"hdh:{key}", f"expected IPv4 networks such as 192.168.10.0/24, got {value!r}") from exc
    return tuple(values)


def _check_address(key: str, value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError as exc:
        raise ConfigError(f"hdh:{key}", f"expected an IPv4 address, got {value!r}") from exc
    return value


def _optional_address(config: pulumi.Config, key: str) -> str | None:
    value = config.get(key)
    return _check_address(key, value) if value is not None else None


def _addresses(config: pulumi.Config, key: str) -> tuple[str, ...]:
    return tuple(_check_address(key, value) for value in _strings(config, key))


def _secret_names(config: pulumi.Config, key: str) -> tuple[str, ...]:
    values = _strings(config, key) if config.get(key) is not None else list(APPLICATION_SECRETS)
    bad = [v for v in values if not _SECRET_NAME.fullmatch(v)]
    if bad:
        raise ConfigError(f"hdh:{key}", f"secret names are lowercase letters, digits and dashes; got {bad[0]!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"hdh:{key}", "secret names must be unique")
    return tuple(values)


def validate() -> None:
    """Read every OpenStack key once, so a bad value fails with the stack config, before any resource."""
    settings = OpenStackSettings.read()
    if (settings.tls_certificate is None) != (settings.tls_private_key is None):  # certificate_management's rule
        raise ConfigError("hdh:tlsPrivateKey" if settings.tls_private_key is None else "hdh:tlsCertificate",
                          "hdh:tlsCertificate and hdh:tlsPrivateKey are set together (as Pulumi secrets)")
