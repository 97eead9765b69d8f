"""vm_image_catalogue on Scaleway: the platform's Debian 12 image, imported from the project's own bucket."""
from __future__ import annotations

import pulumi
from pulumiverse_scaleway import block, instance, object as object_storage

from providers.scaleway.common import ScalewayService
from providers.scaleway.object_storage import bucket_name


class VmImageCatalogue(ScalewayService):
    """Abstract service vm_image_catalogue, with Scaleway Block Storage snapshots and Instance images.

    A private, versioned bucket holds the platform's qcow2 images; the Debian 12 generic cloud image
    (`hdh:imageObject`, uploaded there by the operator from the project's mirror after checking Debian's
    signed SHA512SUMS, since Scaleway imports images from its own Object Storage only, never from a URL) is
    imported as a Block Storage snapshot and registered as a private Instance image (`hdh-debian-12`) in
    the stack's zone. The bucket is protected and retained; the image is not public. A new upload under
    another key makes a new snapshot and image; running machines keep theirs (they ignore image changes).
    The endpoint is the image id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        zone = self.settings.zone
        name = bucket_name(self.scope_name, "images")
        bucket = object_storage.Bucket(
            self.role("bucket"), name=name, force_destroy=False,
            versioning=object_storage.BucketVersioningArgs(enabled=True), tags=self.tags, opts=self.keep())
        snapshot = block.Snapshot(
            self.role("debian-12-snapshot"), name=self.scoped("debian-12"), zone=zone,
            import_=block.SnapshotImportArgs(bucket=bucket.name, key=self.settings.image_object),
            tags=self.tag_list, opts=self.child())
        image = instance.Image(
            self.role("debian-12"), name="hdh-debian-12" if self.enclave is None else self.scoped("debian-12"),
            root_volume_id=snapshot.id, architecture="x86_64", public=False, zone=zone, tags=self.tag_list,
            opts=self.child())
        return image.id, None
