"""Provider limits a plan must stay under, per API family, each with its source and the date of that source.

A limit here is one the provider states for every customer, as every subscription starts with it (where a
support request can raise it, the message says to what): past it, `pulumi up` fails midway. `hdhport plan`
counts the resources of every stack it plans (the platform and its enclave stacks share one network and
one subscription) and refuses a size it cannot deploy, naming the limit. Quotas that differ per account
(OpenStack projects) are asked of the real cloud by `hdhport preflight`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hdhport.planner import PlannedResource


@dataclass(frozen=True)
class Limit:
    family: str
    what: str
    token: str
    maximum: int
    source: str
    date: str


LIMITS: tuple[Limit, ...] = (
    Limit("azure", "private endpoints in one virtual network", "azure-native:network:PrivateEndpoint", 1000,
          "Azure Private Link limits (MicrosoftDocs azure-docs, includes/azure-private-link-limits.md)", "2020-04-21"),
    Limit("azure", "storage accounts per region per subscription (standard endpoints; 500 on request)",
          "azure-native:storage:StorageAccount", 250,
          "Azure Storage account overview, standard endpoints (MicrosoftDocs azure-docs, "
          "articles/storage/common/storage-account-overview.md)", "2025-03-04"),
    Limit("azure", "subnets per virtual network", "azure-native:network:Subnet", 3000,
          "Azure networking limits (MicrosoftDocs azure-docs, includes/azure-virtual-network-limits.md)", "2022-12-05"),
    Limit("azure", "network security groups per region per subscription", "azure-native:network:NetworkSecurityGroup",
          5000, "Azure networking limits (MicrosoftDocs azure-docs, includes/azure-virtual-network-limits.md)",
          "2022-12-05"),
)


@dataclass(frozen=True)
class Breach:
    limit: Limit
    planned: int

    def describe(self) -> str:
        return (f"{self.planned} {self.limit.what} planned, over Azure's limit of {self.limit.maximum}"
                if self.limit.family == "azure" else
                f"{self.planned} {self.limit.what} planned, over the limit of {self.limit.maximum}") \
            + f" ({self.limit.source}, {self.limit.date})"


def breaches(family: str, resources: Iterable[PlannedResource]) -> list[Breach]:
    """The limits of `family` that the created (not read) resources exceed, counted together."""
    counts = Counter(r.type for r in resources if r.custom and not r.read)
    return [Breach(limit, counts[limit.token]) for limit in LIMITS
            if limit.family == family and counts[limit.token] > limit.maximum]
