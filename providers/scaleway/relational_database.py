"""relational_database on Scaleway: Managed Database for PostgreSQL, on the services Private Network only."""
from __future__ import annotations

import pulumi
from pulumiverse_scaleway import databases, secrets

from providers.passwords import drawn_password
from providers.scaleway.common import ScalewayService

#: Automated backups: daily, kept 30 days, in the same region (health data stays in France).
BACKUP_EVERY_HOURS = 24
BACKUP_RETENTION_DAYS = 30
VOLUME_GB = 100
#: Raised to rotate the owner's password: write-only values are sent again only when their version changes.
PASSWORD_VERSION = 1


class RelationalDatabase(ScalewayService):
    """Abstract service relational_database, with Scaleway Managed Database for PostgreSQL.

    A high-availability instance with encryption at rest on (data, logs and snapshots; irreversible),
    an endpoint on the services Private Network only (no load-balancer endpoint is declared, so no public
    one), Block Storage volumes (5k class), daily automated backups kept 30 days in the same region, and
    TLS-only connections (`ssl` required by Scaleway's PostgreSQL). Protected and retained. The first user
    is the owner the applications' migrations use. Its password is `hdh:databaseOwnerPassword` when the
    stack holds one (a Pulumi secret); otherwise one is drawn at the first `pulumi up`. Either way it is
    sent write-only (never kept in the state) and written, write-only too, to a Secret Manager secret
    encrypted with the platform's key (`hdh/<scope>/postgresql-owner`), where the applications read it;
    rotating it is raising PASSWORD_VERSION.

    Limits, said: no customer key (Scaleway manages the encryption keys of Managed Databases); logical
    backups are not encrypted (Scaleway's documentation, 2025-08-07); point-in-time restore has no
    setting in pulumiverse-scaleway 1.60.0. The endpoint is the Private Network address and port.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        password = self.settings.database_owner_password or drawn_password()
        vault = secrets.Secret(
            self.role("owner-password"), name=self.scoped("postgresql-owner"), path=f"/hdh/{self.scope_name}",
            description="password of the PostgreSQL owner (write-only: read it from Secret Manager)",
            key_id=self.placement.key_ref or None, protected=True, tags=self.tag_list, opts=self.keep())
        secrets.Version(
            self.role("owner-password-version"), secret_id=vault.id, data_wo=password,
            data_wo_version=PASSWORD_VERSION, description="current owner password", opts=self.child())
        database = databases.Instance(
            self.role("instance"), name=self.scoped("postgresql"), node_type=self.settings.database_node_type,
            engine=self.settings.postgres_engine, is_ha_cluster=True, encryption_at_rest=True,
            volume_type="sbs_5k", volume_size_in_gb=VOLUME_GB, disable_backup=False,
            backup_schedule_frequency=BACKUP_EVERY_HOURS, backup_schedule_retention=BACKUP_RETENTION_DAYS,
            backup_same_region=True, user_name="hdh_owner", password_wo=password,
            password_wo_version=PASSWORD_VERSION,
            private_network=databases.InstancePrivateNetworkArgs(pn_id=self.placement.subnet_id, enable_ipam=True),
            tags=self.tag_list, opts=self.keep())
        endpoint = database.private_network.apply(
            lambda network: f"postgresql://{network.ip}:{network.port}" if network and network.ip else "")
        return endpoint, self.data_key_ref()
