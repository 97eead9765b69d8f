"""vm_image_catalogue on OpenStack: the platform's Debian 12 image in Glance, private and protected."""
from __future__ import annotations

import pulumi
from pulumi_openstack import images

from providers.openstack.common import OpenStackService

#: How Nova should present the machine to the guest (virtio everywhere, guest agent, entropy).
HARDWARE = {
    "os_distro": "debian", "os_version": "12", "os_admin_user": "debian", "os_type": "linux",
    "hw_disk_bus": "virtio", "hw_vif_model": "virtio", "hw_rng_model": "virtio", "hw_qemu_guest_agent": "yes",
}


class VmImageCatalogue(OpenStackService):
    """Abstract service vm_image_catalogue, with OpenStack Glance.

    The platform's own Debian 12 image, registered from `hdh:imageSourceUrl` (default Debian's
    generic cloud image; air-gapped sites point it at the project's mirror): qcow2, visible to
    this project only (private), protected in Glance so nobody deletes it from under the machines
    booted from it, with hardware properties for virtio devices, the QEMU guest agent and a
    virtio RNG. The checksum of what Glance stored is verified against what was downloaded; the
    download itself should be checked against Debian's signed SHA512SUMS by the mirror. Its name
    (`hdh-debian-12`) is not the operator's public image's, so a lookup by name is never
    ambiguous. The endpoint is the image id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        image = images.Image(
            self.role("debian-12"), name="hdh-debian-12" if self.enclave is None else self.scoped("debian-12"),
            image_source_url=self.settings.image_source_url, container_format="bare", disk_format="qcow2",
            visibility="private", protected=True, verify_checksum=True, min_disk_gb=3, min_ram_mb=512,
            properties=HARDWARE, tags=self.tag_list, opts=self.child())
        return image.id, None
