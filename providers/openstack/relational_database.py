"""relational_database on OpenStack: a Trove PostgreSQL instance on a private port, encrypted volume."""
from __future__ import annotations

import pulumi
from pulumi_openstack import compute, database, keymanager, networking

from hdhport.addresses import SERVICES_CIDR
from providers.openstack.common import OpenStackService
from providers.passwords import drawn_password

DATABASE = "hdh"
OWNER = "hdh_owner"


class RelationalDatabase(OpenStackService):
    """Abstract service relational_database, with OpenStack Trove (PostgreSQL datastore).

    A Trove instance of the configured PostgreSQL version (`hdh:postgresVersion`, as the operator
    registered it) on the default CPU flavor, its data volume of the encrypted type, attached to
    the services subnet through a port we create (so Neutron cannot place it on another subnet of
    the network) with a security group that admits PostgreSQL from the services subnet only and
    lets it reach nothing else; no floating IP. The instance and the `hdh` database are protected
    and retained. Trove's root user stays disabled (the enable-root call is never made).

    Passwords: Trove creates users only with a password its API is given. The owner user `hdh_owner`
    gets `hdh:databaseOwnerPassword` when the stack holds one (a Pulumi secret), otherwise a password
    drawn at the first `pulumi up` (providers/passwords.py); either way it stays encrypted in the state,
    and a rerun keeps the first one (`ignore_changes`): a `hdh:databaseOwnerPassword` set after the first
    `pulumi up` changes nothing until the rotation below. The applications read it from Barbican: a private
    secret `hdh-<scope>-postgresql-owner` (project access off) written with it, kept the same way. The
    secret is protected and retained like everything that holds data: rotating it is `pulumi state unprotect`
    of the secret, then `pulumi up --replace` of the user and of the secret together; the old secret stays in
    Barbican under the same name until `openstack secret delete` removes it (applications read the newest).
    Trove's
    PostgreSQL datastore does not manage TLS certificates: the protocol stays on the private
    subnet behind the security group (the self-hosted fallback, with TLS 1.2+, is the choice where
    that is not enough). The endpoint is the instance's PostgreSQL URL (without credentials).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        group = networking.SecGroup(
            self.role("sg"), name=self.scoped("postgresql"), description=f"{self.description}: deny by default",
            delete_default_rules=True, stateful=True, tags=self.tag_list, opts=self.child())
        networking.SecGroupRule(
            self.role("in-postgresql"), security_group_id=group.id, direction="ingress", ethertype="IPv4",
            protocol="tcp", port_range_min=5432, port_range_max=5432, remote_ip_prefix=SERVICES_CIDR,
            description="PostgreSQL from the platform's services", opts=self.child())
        port = networking.Port(
            self.role("port"), name=self.scoped("postgresql"), network_id=self.placement.network_id,
            fixed_ips=[networking.PortFixedIpArgs(subnet_id=self.placement.subnet_id)],
            security_group_ids=[group.id], port_security_enabled=True, admin_state_up=True,
            tags=self.tag_list, opts=self.child())
        flavor = compute.get_flavor_output(name=self.sizing.cpu_flavor)
        instance = database.Instance(
            self.role("instance"), name=self.scoped("postgresql"),
            datastore=database.InstanceDatastoreArgs(type="postgresql", version=settings.postgres_version),
            flavor_id=flavor.id, size=self.sizing.data_disk_gb, volume_type=self.encrypted_volume_type(),
            networks=[database.InstanceNetworkArgs(port=port.id)], opts=self.keep())
        schema = database.Database(self.role("database"), instance_id=instance.id, name=DATABASE, opts=self.keep())
        password = settings.database_owner_password or drawn_password()
        database.User(
            self.role("owner"), instance_id=instance.id, name=OWNER, password=password, databases=[DATABASE],
            opts=self.child(depends_on=[schema], ignore_changes=["password"]))
        keymanager.SecretV1(
            self.role("owner-password"), name=self.scoped("postgresql-owner"), secret_type="passphrase",
            acl=keymanager.SecretV1AclArgs(read=keymanager.SecretV1AclReadArgs(project_access=False)),
            metadata=self.tags, payload=password, payload_content_type="text/plain",
            opts=self.keep(ignore_changes=["payload"]))
        address = port.all_fixed_ips.apply(lambda ips: ips[0] if ips else "")
        return address.apply(lambda ip: f"postgresql://{ip}:5432/{DATABASE}"), self.data_key_ref()
