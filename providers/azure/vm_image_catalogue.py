"""The golden images on Azure: an Azure Compute Gallery and its image definitions."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import compute

from providers.base import ServiceComponent
from providers.contract import safe_name

#: The platform's golden images: (definition, SKU, what it adds to hardened Debian 12).
DEFINITIONS = (
    ("debian-12-hardened-cpu", "cpu", "hardened Debian 12 for platform services and CPU research machines"),
    ("debian-12-hardened-gpu", "gpu", "the CPU image plus NVIDIA drivers and CUDA, for N-series machines"),
)


class VmImageCatalogue(ServiceComponent):
    """vm_image_catalogue with an Azure Compute Gallery (private sharing, soft delete) and one image
    definition per golden image (generalized Linux, Hyper-V generation 2, Trusted Launch capable).

    Image versions are not created here: each is published by the image pipeline (Packer's azure-arm
    builder targeting this gallery) from a freshly built and scanned machine, and encrypted in every
    target region with the platform's disk encryption set. A version needs that built source, which
    does not exist when the stack is created.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        gallery = compute.Gallery(
            self.role("gallery"), resource_group_name=self.placement.scope, location=self.placement.region,
            gallery_name=safe_name(f"hdh_{self.name}", 80, "_"),
            description="hdhport: the platform's hardened golden images",
            sharing_profile=compute.SharingProfileArgs(permissions=compute.GallerySharingPermissionTypes.PRIVATE),
            soft_delete_policy=compute.SoftDeletePolicyArgs(is_soft_delete_enabled=True),
            tags=self.tags, opts=self.child())
        for definition, sku, description in DEFINITIONS:
            compute.GalleryImage(
                self.role(definition), resource_group_name=self.placement.scope, location=self.placement.region,
                gallery_name=gallery.name, gallery_image_name=definition, description=description,
                identifier=compute.GalleryImageIdentifierArgs(publisher="hdh", offer="debian-12-hardened", sku=sku),
                os_type=compute.OperatingSystemTypes.LINUX, os_state=compute.OperatingSystemStateTypes.GENERALIZED,
                hyper_v_generation=compute.HyperVGeneration.V2, architecture=compute.Architecture.X64,
                features=[compute.GalleryImageFeatureArgs(name="SecurityType", value="TrustedLaunchSupported")],
                tags=self.tags, opts=self.child())
        return gallery.id, None
