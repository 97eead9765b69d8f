"""gpu_vm on OpenStack: the research machine of cpu_vm on a GPU flavor."""
from __future__ import annotations

from providers.openstack.cpu_vm import CpuVm


class GpuVm(CpuVm):
    """Abstract service gpu_vm, with OpenStack Nova GPU flavors (PCI passthrough or vGPU).

    Everything of cpu_vm (private named port, deny-by-default security group, boot and data volumes of the
    encrypted type, operators' key only, the platform's base from the mirror), on the profile's GPU flavor (or
    `hdh:gpuFlavor`), with a larger boot volume for the GPU driver and CUDA stack. The flavor carries the GPU:
    which accelerator, and whether passthrough or vGPU, is the operator's flavor definition.
    """

    boot_disk_gb = 50

    def flavor(self) -> str:
        return self.sizing.gpu_flavor
