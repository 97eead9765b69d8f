"""gpu_vm on Scaleway: the research machine of cpu_vm on a GPU Instance type, in the GPU zone."""
from __future__ import annotations

from providers.scaleway.cpu_vm import CpuVm


class GpuVm(CpuVm):
    """Abstract service gpu_vm, with Scaleway GPU Instances (H100, L40S, L4).

    Everything of cpu_vm, on the profile's GPU type (or `hdh:gpuFlavor`), in the GPU zone (`hdh:gpuZone`,
    fr-par-2 by default: GPU Instances are offered in PAR2 only among the Paris zones, per Scaleway's
    product availability guide validated 2025-12-04). The GPU zone's machines reach the services Private
    Network, which is regional.
    """

    role_name = "gpu"

    def flavor(self) -> str:
        return self.sizing.gpu_flavor

    def zone(self) -> str:
        return self.settings.gpu_zone
