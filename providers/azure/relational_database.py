"""relational_database on Azure: a PostgreSQL flexible server reached only through a private
endpoint, encrypted with the customer-managed key, zone-redundant, with Microsoft Entra ID as the only
way to sign in (no password exists)."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import dbforpostgresql, managedidentity

from providers.azure.arm import client_config, global_name, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

DATABASE = "hdh"
#: Server parameters: TLS 1.2 at least on every connection, and an audit trail of who connected and
#: which schema or role changes they made (shipped to Log Analytics by the diagnostic setting).
PARAMETERS = {
    "require_secure_transport": "on",
    "ssl_min_protocol_version": "TLSv1.2",
    "log_connections": "on",
    "log_disconnections": "on",
    "log_statement": "ddl",
}


class RelationalDatabase(ServiceComponent):
    """relational_database with Azure Database for PostgreSQL flexible server (PostgreSQL 16).

    - Network: public network access disabled; one private endpoint in placement.subnet_id (the
      enclave's subnet for an enclave's instance) rather than a delegated subnet, so the same code
      serves the platform and every project without carving a subnet per server.
    - Keys: data and backups encrypted with placement.key_ref through the platform's user-assigned
      identity.
    - Sign-in: Microsoft Entra ID only, password authentication disabled, so no administrator password
      exists anywhere. The Entra administrator is a managed identity of this server's own; database
      roles for people and applications are created by automation running under it.
    - Resilience: zone-redundant high availability; 35 days of backups (point-in-time restore over that
      window) kept in the region. Geo-redundant backup is off: it would need a second key and identity in
      the paired region (francesouth), which the placement does not carry.
    - TLS 1.2 at least, enforced by server parameters; connection and DDL logs to Log Analytics.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        client = client_config()
        # Server names are DNS labels under postgres.database.azure.com, shared by every tenant.
        server_name = global_name("psql-hdh", self.name, 63)
        server = dbforpostgresql.Server(
            self.role("server"), resource_group_name=p.scope, location=p.region, server_name=server_name,
            version=dbforpostgresql.PostgresMajorVersion.POSTGRES_MAJOR_VERSION_16,
            create_mode=dbforpostgresql.CreateMode.CREATE,
            sku=dbforpostgresql.SkuArgs(name="Standard_D4ds_v5", tier=dbforpostgresql.SkuTier.GENERAL_PURPOSE),
            storage=dbforpostgresql.StorageArgs(storage_size_gb=128,
                                                auto_grow=dbforpostgresql.StorageAutoGrow.ENABLED),
            auth_config=dbforpostgresql.AuthConfigArgs(
                active_directory_auth=dbforpostgresql.MicrosoftEntraAuth.ENABLED,
                password_auth=dbforpostgresql.PasswordBasedAuth.DISABLED,
                tenant_id=client.tenant_id),
            identity=dbforpostgresql.UserAssignedIdentityArgs(
                type=dbforpostgresql.IdentityType.USER_ASSIGNED,
                user_assigned_identities=pulumi.Output.from_input(p.identity_id).apply(
                    lambda ident: {ident: dbforpostgresql.UserIdentityArgs()})),
            data_encryption=dbforpostgresql.DataEncryptionArgs(
                type=dbforpostgresql.DataEncryptionType.AZURE_KEY_VAULT,
                primary_key_uri=p.key_ref, primary_user_assigned_identity_id=p.identity_id),
            backup=dbforpostgresql.BackupArgs(
                backup_retention_days=35, geo_redundant_backup=dbforpostgresql.GeographicallyRedundantBackup.DISABLED),
            high_availability=dbforpostgresql.HighAvailabilityArgs(
                mode=dbforpostgresql.PostgreSqlFlexibleServerHighAvailabilityMode.ZONE_REDUNDANT),
            network=dbforpostgresql.NetworkArgs(
                public_network_access=dbforpostgresql.ServerPublicNetworkAccessState.DISABLED),
            maintenance_window=dbforpostgresql.MaintenanceWindowArgs(
                custom_window="Enabled", day_of_week=0, start_hour=2, start_minute=0),
            tags=self.tags, opts=self.keep())

        admin = managedidentity.UserAssignedIdentity(
            self.role("entra-admin"), resource_group_name=p.scope, location=p.region,
            resource_name_=f"id-{server_name}-admin"[:128], tags=self.tags, opts=self.child())
        dbforpostgresql.AdministratorsMicrosoftEntra(
            self.role("entra-admin-assignment"), resource_group_name=p.scope, server_name=server.name,
            object_id=admin.principal_id, principal_name=admin.name,
            principal_type=dbforpostgresql.PrincipalType.SERVICE_PRINCIPAL, tenant_id=client.tenant_id,
            opts=self.child())

        # The service applies one parameter change at a time on a server: chain them.
        previous: pulumi.Resource = server
        for parameter, value in PARAMETERS.items():
            previous = dbforpostgresql.Configuration(
                self.role(f"param-{parameter.replace('_', '-')}"), resource_group_name=p.scope,
                server_name=server.name, configuration_name=parameter, value=value, source="user-override",
                opts=self.child(depends_on=[previous]))

        dbforpostgresql.Database(
            self.role("database"), resource_group_name=p.scope, server_name=server.name, database_name=DATABASE,
            charset="UTF8", collation="en_US.utf8", opts=self.keep(depends_on=[previous]))

        private_link(self, server.id, "postgresql")
        send_audit_logs(self, "audit", server.id, category_group="allLogs")

        endpoint = server.id.apply(
            lambda _: f"postgresql://{server_name}.postgres.database.azure.com:5432/{DATABASE}?sslmode=verify-full")
        return endpoint, p.key_ref
