"""GPU research machines on Azure (N-series sizes)."""
from __future__ import annotations

import pulumi

from providers.azure.research_vm import build_research_vm
from providers.base import ServiceComponent


class GpuVm(ServiceComponent):
    """gpu_vm with Azure Virtual Machines of an N-series size (sizing.gpu_flavor), secured like cpu_vm.

    A single machine, not a scale set: GPU sizes are scarce and quota-bound, so each is requested
    deliberately. NVIDIA drivers come with the GPU golden image of the image catalogue.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        return build_research_vm(self, self.sizing.gpu_flavor, scale_set=False), self.placement.key_ref
