"""Stack settings the Scaleway implementations read (`hdh:*` keys), validated in one place.

Scaleway places zonal products (Instances, Block Storage, Public Gateways, Load Balancers) in a zone of the
stack's region and regional ones (VPC, Private Networks, Object Storage, Key Manager, databases) in the
region itself; GPU Instances exist in one Paris zone only. A bad value fails with `ConfigError` naming
the key, before the resource using it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from hdhport.stack_config import ConfigError, optional_utc_timestamp

#: The `hdh:*` keys read here, for the stack-config validation that refuses unknown keys.
CONFIG_KEYS = frozenset({"zone", "gpuZone", "databaseNodeType", "postgresVersion", "databaseOwnerPassword",
                         "imageObject", "workloadCredentialExpiry"})

#: The provider's region setting, checked against the names the profile gives the stack's region.
PROVIDER_REGION_KEY = "scaleway:region"

#: Zone of the zonal products when the stack names none: the region's first.
DEFAULT_ZONE_SUFFIX = "-1"
#: GPU Instances (H100, L40S, L4) are offered in PAR2 only among the Paris zones (Scaleway's product
#: availability guide, validated 2025-12-04).
DEFAULT_GPU_ZONE = "fr-par-2"
#: The SDK's own example node type for Managed Databases; a stack sizes it with hdh:databaseNodeType.
DATABASE_NODE_TYPE = "DB-DEV-S"
POSTGRES_ENGINE = "PostgreSQL-16"
#: The qcow2 object the operator uploads to the image bucket before the first `pulumi up` (Scaleway imports
#: images from its own Object Storage only, never from a URL).
IMAGE_OBJECT = "debian-12-genericcloud-amd64.qcow2"
#: Lifetime of a workload API key when hdh:workloadCredentialExpiry does not fix its end.
WORKLOAD_CREDENTIAL_DAYS = 365

_ZONE = re.compile(r"^[a-z]{2}-[a-z]{3}-[1-9]$")
_NODE_TYPE = re.compile(r"^[A-Za-z0-9-]{3,40}$")
_ENGINE = re.compile(r"^PostgreSQL-\d{2}$")
_OBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")


@dataclass(frozen=True)
class ScalewaySettings:
    """What the operator tells the Scaleway implementations through the stack configuration."""

    zone: str
    """Zone of the zonal products (Instances, Block Storage, Public Gateway), in the stack's region."""
    gpu_zone: str
    """Zone of GPU Instances (and of the data disks attached to them)."""
    database_node_type: str
    """Managed Database for PostgreSQL node type."""
    postgres_engine: str
    """Managed Database engine (PostgreSQL-<major>)."""
    database_owner_password: pulumi.Output[str] | None
    """Pulumi secret: password of the database's first user; None = refused (Scaleway requires one)."""
    image_object: str
    """Key of the Debian 12 qcow2 in the image bucket, imported as the machines' image."""
    workload_credential_expiry: str | None
    """When workload API keys expire (UTC, ISO 8601); None = a year after each is created."""

    @classmethod
    def read(cls, region: str) -> ScalewaySettings:
        config = pulumi.Config("hdh")
        zone = _zone(config, "zone", region, f"{region}{DEFAULT_ZONE_SUFFIX}")
        return cls(
            zone=zone,
            gpu_zone=_zone(config, "gpuZone", region, DEFAULT_GPU_ZONE if region == "fr-par" else zone),
            database_node_type=_match(config, "databaseNodeType", DATABASE_NODE_TYPE, _NODE_TYPE, "a node type"),
            postgres_engine=_engine(config),
            database_owner_password=config.get_secret("databaseOwnerPassword"),
            image_object=_match(config, "imageObject", IMAGE_OBJECT, _OBJECT, "an object key"),
            workload_credential_expiry=optional_utc_timestamp(config, "workloadCredentialExpiry"),
        )


def _zone(config: pulumi.Config, key: str, region: str, default: str) -> str:
    value = config.get(key) or default
    if not _ZONE.fullmatch(value) or not value.startswith(f"{region}-"):
        raise ConfigError(f"hdh:{key}", f"expected a zone of region {region} such as {region}-1, got {value!r}")
    return value


def _match(config: pulumi.Config, key: str, default: str, pattern: re.Pattern[str], what: str) -> str:
    value = config.get(key) or default
    if not pattern.fullmatch(value):
        raise ConfigError(f"hdh:{key}", f"expected {what} such as {default!r}, got {value!r}")
    return value


def _engine(config: pulumi.Config) -> str:
    version = config.get("postgresVersion")
    engine = f"PostgreSQL-{version}" if version else POSTGRES_ENGINE
    if not _ENGINE.fullmatch(engine):
        raise ConfigError("hdh:postgresVersion", f"expected a PostgreSQL major version such as '16', got {version!r}")
    return engine


def validate() -> None:
    """Check the shape of the Scaleway keys before any resource is declared."""
    ScalewaySettings.read(pulumi.Config("hdh").require("region"))
