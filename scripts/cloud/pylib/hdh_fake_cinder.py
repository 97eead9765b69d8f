"""Cinder's in-tree fake volume driver, plus image -> volume copies that write nothing.

FakeLoggingVolumeDriver keeps LVM's copy_image_to_volume (qemu-img into /dev/cinder-volumes/...)
and the base driver's copy_image_to_encrypted_volume (an os-brick attach through privsep): both
fail with no LVM or iSCSI on the host, so a bootable volume made from an image (what Nova does for
a boot-from-volume server, and what the hdhport stack asks for with its LUKS boot disks) went to
`error`. Here they only log: the volume is created from the image's metadata, no byte is copied.
"""
from oslo_log import log as logging

from cinder.tests.fake_driver import FakeLoggingVolumeDriver

LOG = logging.getLogger(__name__)


class HdhFakeVolumeDriver(FakeLoggingVolumeDriver):
    def copy_image_to_volume(self, context, volume, image_service, image_id, *args, **kwargs):
        LOG.info('fake copy of image %s to volume %s (nothing written)', image_id, volume.id)

    def copy_image_to_encrypted_volume(self, context, volume, image_service, image_id, *args, **kwargs):
        LOG.info('fake copy of image %s to encrypted volume %s (nothing written)', image_id, volume.id)
