"""The IaaS primitives every API family provides, so self-hosted services are written once.

A family implements `Iaas` (providers/azure/iaas.py, providers/openstack/iaas.py); the self-hosted
services and the research-project enclaves compose these primitives and never name a cloud.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import pulumi

#: An Ingress source standing for "where this family's administrative sessions come from", which only the
#: family knows: the services subnet (a self-hosted bastion, the virtual desktop hosts) and, where the managed
#: bastion has a subnet of its own (Azure Bastion's AzureBastionSubnet, outside SERVICES_CIDR), that subnet
#: too. Each family's firewall resolves it with `sources()`; a literal CIDR would miss one of the two.
ADMIN_SOURCE = "admin-sessions"


@dataclass(frozen=True)
class Ingress:
    """One allowed inbound flow; everything else is denied."""

    port: int
    source: str
    protocol: Literal["tcp", "udp"] = "tcp"
    description: str = ""


def sources(rule: Ingress, admin_sources: Sequence[str]) -> tuple[str, ...]:
    """The address ranges `rule` admits on a family whose administrative sessions come from `admin_sources`."""
    return tuple(admin_sources) if rule.source == ADMIN_SOURCE else (rule.source,)


@dataclass(frozen=True)
class ServerRequest:
    """A private virtual machine with its own data disk and firewall."""

    role: str
    flavor: str
    image: str
    user_data: str
    ingress: Sequence[Ingress]
    subnet_id: pulumi.Input[str]
    data_disk_gb: int
    keeps_state: bool
    """Whether the data disk holds what must outlive the machine (health data, audit trails, identities,
    secrets, queues...): protected and retained on delete."""
    count: int = 1
    guest_encrypted: bool = False
    """Whether the machine encrypts its data disk itself (LUKS bound to the platform's Tang servers) because
    the provider's volume carries no customer key: families say so on the volume."""
    boot_disk_gb: int | None = None
    """None: the family's default boot disk. A size: the boot disk holds more than the system (a research
    machine's users write there, a GPU machine carries its driver and CUDA stack), so it is that large and
    encrypted like the data disk; a family whose default boot disk is local and unencrypted (Nova's ephemeral
    disk) boots from a volume of the data disk's kind instead, kept, with the machine, when `keeps_state`."""
    own_subnet: bool = False
    """Whether the machines also reach the rest of their own subnet (a research project's share, its Tang servers
    and its other machines, in its enclave); otherwise only the platform's ranges. Out only: nothing from an
    enclave's range comes into an enclave but `ingress` (the enclave-isolation policy). A family that cannot open
    it refuses the request rather than build machines that cannot reach their share."""


@dataclass
class Servers:
    ids: list[pulumi.Output[str]] = field(default_factory=list)
    private_ips: list[pulumi.Output[str]] = field(default_factory=list)
    firewall_id: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class Segment:
    """A private subnet with its deny-by-default firewall (one per research-project enclave)."""

    subnet_id: pulumi.Output[str]
    firewall_id: pulumi.Output[str]
    cidr: str


class Iaas(Protocol):
    """What an API family offers the provider-neutral code."""

    admin_sources: tuple[str, ...]
    """The ranges administrative sessions come from on this family: what ADMIN_SOURCE stands for."""

    def servers(self, owner: pulumi.ComponentResource, name: str, request: ServerRequest) -> Servers:
        """Private VMs (no public IP) with an encrypted data disk each and a deny-by-default firewall."""
        ...

    def segment(self, owner: pulumi.ComponentResource, name: str, cidr: str,
                ingress: Sequence[Ingress]) -> Segment:
        """A subnet of the platform network with a firewall that denies everything but `ingress`."""
        ...

    def publish(self, owner: pulumi.ComponentResource, label: str, addresses: Sequence[pulumi.Output[str]]) -> bool:
        """An A record `<label>.<private zone>` for `addresses` in the placement's native private zone; False
        when there is none to publish in (private_dns self-hosted, a gap, or not built yet)."""
        ...
