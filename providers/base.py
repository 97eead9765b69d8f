"""The component every service implementation derives from: naming, options, outputs contract.

Subclasses build their resources in `build()` and return the endpoint (and, for data-bearing
services, the key reference). Data-bearing resources take `self.keep()` options: protect=True and
retain_on_delete=True, so no `pulumi destroy` or refactor can lose data.
"""
from __future__ import annotations

from typing import ClassVar

import pulumi

from hdhport.prerequisites import Prerequisite
from providers.contract import Placement, ServiceArgs, ServiceOutputs, Sizing, ServiceSpec, tag_list


class ServiceComponent(pulumi.ComponentResource):
    """Base of every implementation of a catalogue service (`hdh:<family>:<Service>`)."""

    #: Placement fields this service provides to the services built after it (foundation services).
    PROVIDES: ClassVar[tuple[str, ...]] = ()

    outputs: ServiceOutputs

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(args["spec"].component_type, name, None, opts)
        self.name = name
        self.spec: ServiceSpec = args["spec"]
        self.placement: Placement = args["placement"]
        self.sizing: Sizing = args["sizing"]
        self.tags: dict[str, str] = dict(args["tags"])
        self.enclave: str | None = args["enclave"]
        self.provided: dict[str, pulumi.Input[str]] = {}
        endpoint, key_ref = self.build()
        self.outputs = ServiceOutputs(
            service=self.spec.id,
            implementation=self.spec.implementation,
            product=self.spec.product,
            interface=self.spec.interface,
            endpoint=pulumi.Output.from_input(endpoint),
            region=self.placement.region,
            key_ref=pulumi.Output.from_input(key_ref if key_ref is not None else ""),
            private=True,
        )
        self.register_outputs(dict(self.outputs))

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        """What this implementation needs from the stack before anything is built, read from the stack
        configuration alone (none by default); unmet, a real engine's run stops before its first resource
        (hdhport/prerequisites.py). `build` may then take them as given."""
        return ()

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        """Create the resources; return (endpoint, key reference or None)."""
        raise NotImplementedError(f"{type(self).__name__} must implement build()")

    # ----------------------------------------------------------------- helpers for subclasses

    def child(self, **extra: object) -> pulumi.ResourceOptions:
        """Options for a child resource: parented to this component."""
        return pulumi.ResourceOptions(parent=self, **extra)  # type: ignore[arg-type]

    def keep(self, **extra: object) -> pulumi.ResourceOptions:
        """Options for a data-bearing child: parented, protected and retained on delete."""
        return pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True, **extra)  # type: ignore[arg-type]

    @property
    def scope_name(self) -> str:
        """Who owns the resources: the research project (enclave) or the platform."""
        return self.enclave or "platform"

    def scoped(self, suffix: str) -> str:
        """Cloud-side name of a resource: hdh-<enclave or platform>-<suffix>."""
        return f"hdh-{self.scope_name}-{suffix}"

    @property
    def tag_list(self) -> list[str]:
        """The component's tags as key=value strings, for clouds whose tags are plain strings."""
        return tag_list(self.tags)

    def role(self, role: str) -> str:
        """Logical name of a child resource: `<component>-<role>`."""
        return f"{self.name}-{role}"

    def declared_provides(self) -> tuple[str, ...]:
        return self.PROVIDES

    def provide(self, **fields: pulumi.Input[str]) -> None:
        """Hand placement fields (network, subnet, key...) to the services built after this one."""
        unknown = set(fields) - set(self.declared_provides())
        if unknown:
            raise ValueError(f"{type(self).__name__} provides {sorted(unknown)} without declaring them in PROVIDES")
        self.provided.update(fields)
