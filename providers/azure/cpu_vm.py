"""General-purpose research machines on Azure."""
from __future__ import annotations

import pulumi

from providers.azure.research_vm import build_research_vm
from providers.base import ServiceComponent


class CpuVm(ServiceComponent):
    """cpu_vm with Azure Virtual Machines in a flexible Virtual Machine Scale Set: private (no public IP,
    deny-by-default NSG, no internet egress), OS and data disks encrypted with the customer key through
    the disk encryption set and at host, the data disk protected.

    The scale set is the project's elastic pool: more machines join it without touching the ones
    holding data.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        return build_research_vm(self, self.sizing.cpu_flavor, scale_set=True), self.placement.key_ref
