"""file_share on OpenStack: a Manila NFS share on the private network, open to one subnet only."""
from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_openstack import sharedfilesystem
from pulumi_openstack.sharedfilesystem import outputs

from providers.openstack.common import OpenStackService, subnet_cidr


def _preferred_path(locations: Sequence[outputs.ShareExportLocation]) -> str:
    preferred = [loc.path for loc in locations if loc.path and loc.preferred == "true"]
    paths = preferred or [loc.path for loc in locations if loc.path]
    return paths[0] if paths else ""


class FileShare(OpenStackService):
    """Abstract service file_share, with OpenStack Manila (NFS).

    A share network on the placement's subnet (the services subnet, or the research project's own
    subnet when built for an enclave), so the share server's export address is private; an NFS share
    of the default data-disk size, protected and retained; and one access rule: read-write from that
    subnet's address range only (looked up from Neutron, so an enclave's share is never open to
    another enclave or to the platform). Manila denies every other client.

    Encryption at rest is the share type's back end: `hdh:shareType` names an operator type whose
    back end encrypts (e.g. a CephFS or NetApp pool on encrypted disks); Manila's per-share keys
    in Barbican (API 2.90) are not reachable through pulumi-openstack. The endpoint is the share's
    preferred export path (`host:/path`), mounted over NFSv4.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        network = sharedfilesystem.ShareNetwork(
            self.role("network"), name=self.scoped("share-network"), description=self.description,
            neutron_net_id=self.placement.network_id, neutron_subnet_id=self.placement.subnet_id,
            opts=self.child())
        share = sharedfilesystem.Share(
            self.role("share"), name=self.scoped("share"), description=self.description, share_proto="NFS",
            size=self.sizing.data_disk_gb, share_network_id=network.id, share_type=self.settings.share_type,
            is_public=False, metadata=self.tags, opts=self.keep())
        sharedfilesystem.ShareAccess(
            self.role("access"), share_id=share.id, access_type="ip", access_level="rw",
            access_to=subnet_cidr(self.placement.subnet_id), opts=self.child())
        return share.export_locations.apply(_preferred_path), self.data_key_ref()
