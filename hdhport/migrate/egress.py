"""The move's one-off cost in `hdhport migrate plan`: the source cloud's egress for the data that leaves it.

Egress is billed by the cloud the data leaves, per GB sent out. The GB are those the runbook sends over the
link: each moved service's share of --volume-tb times its method's passes (hdhport migrate objects reads each
object twice at the source), 1 TB = 1,000 GB as the runbook counts. The price is the source offer's
`egress/internet` entry in its price book (providers/prices/<id>.yaml); when the book has no such entry, says
`unknown`, or does not exist, the cost is `unknown`, never 0. One price per GB: tiers, free allowances and
private interconnects (which some clouds bill otherwise) are not modelled.

What bounds the rate at which those GB leave (`egress_bound`): the link given to the runbook, and the source
store's own egress ceiling where its operator publishes one (STORE_EGRESS_CEILINGS, by API family and region,
each with its source and date); a ceiling nobody published is `unknown`, and the link is then the only bound
stated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hdhport.migrate.runbook import Runbook

METER = "egress/internet"
GB_PER_TB = 1000.0


@dataclass(frozen=True)
class Ceiling:
    """A store's published egress ceiling: the most one account sends out, by default."""

    gbps: float
    applies_to: str
    source: str
    date: str  # the source's own date
    note: str


_AZURE_TARGETS = ("https://learn.microsoft.com/en-us/azure/storage/common/scalability-targets-standard-account "
                  "(Scalability and performance targets for standard storage accounts; its table is "
                  "MicrosoftDocs/azure-docs includes/azure-storage-account-limits-standard.md)")
_AZURE_NOTE = ("a default target, not a guarantee; Azure Support raises it on request; it applies per storage "
               "account, so data spread over N accounts can leave N times as fast")

#: By API family, then by the profile's region id: the published default egress ceiling of one storage account.
STORE_EGRESS_CEILINGS: dict[str, dict[str, Ceiling]] = {
    "azure": {
        # "Default maximum egress for general-purpose v2, Blob Storage accounts, and disk access resources in the
        # following regions: ... Europe: France Central, Germany West Central, North Europe, Norway East, Sweden
        # Central, UK South, West Europe ... 200 Gbps"; "in regions that aren't listed in the previous row. 50
        # Gbps" (the same figures in the versions dated 2025-10-31 and 2025-11-12).
        "francecentral": Ceiling(200.0, "default maximum egress of a general-purpose v2 or Blob Storage account "
                                        "(standard), France Central", _AZURE_TARGETS, "2025-11-19", _AZURE_NOTE),
        "francesouth": Ceiling(50.0, "default maximum egress of a general-purpose v2 or Blob Storage account "
                                     "(standard) in a region the table does not list, as France South",
                               _AZURE_TARGETS, "2025-11-19", _AZURE_NOTE),
    },
}


@dataclass(frozen=True)
class MoveEgress:
    """Egress GB the move sends out of the source cloud, and what the source's price book says they cost."""

    offer: str
    volume_gb: float
    eur: float | None  # None: unknown
    unit_price: float | None  # EUR per GB, when known
    source: str  # the price's source, or why there is none
    read: str | None
    note: str | None

    @property
    def text(self) -> str:
        if self.eur is None:
            return f"unknown ({self.volume_gb:,.0f} GB out of {self.offer}, at no known price per GB)"
        return (f"{self.eur:,.2f} EUR excl. VAT ({self.volume_gb:,.0f} GB x {self.unit_price:g} EUR/GB, "
                f"{self.offer}'s list price)")

    def to_json(self) -> dict[str, Any]:
        return {"item": "egress from the source cloud", "meter": METER, "offer": self.offer,
                "volume_gb": round(self.volume_gb, 3), "unit_price_eur_per_gb": self.unit_price,
                "eur": None if self.eur is None else round(self.eur, 2),
                "status": "unknown" if self.eur is None else "priced", "currency": "EUR", "vat": "excluded",
                "source": self.source, "read": self.read, "note": self.note,
                "formula": "EUR = sum over moved services of (volume_TB x passes x 1000) x the source's egress "
                           "price per GB"}


def sent_gb(runbook: Runbook) -> float:
    """GB the move sends out of the source: each moved service's volume times its method's passes."""
    return sum(s.volume_tb * s.method.passes for s in runbook.steps
               if s.status == "method" and s.method is not None) * GB_PER_TB


def egress_cost(runbook: Runbook) -> MoveEgress:
    from hdhport.cost.book import load_book
    from hdhport.errors import InputError

    offer = runbook.source.id
    volume = sent_gb(runbook)
    try:
        book = load_book(offer)
    except InputError as exc:  # a broken shipped book: say so, price nothing
        return MoveEgress(offer, volume, None, None, f"price book providers/prices/{offer}.yaml is invalid: "
                          f"{exc.problems[0].message}", None, None)
    if book is None:
        return MoveEgress(offer, volume, None, None, f"no price book: providers/prices/{offer}.yaml does not exist",
                          None, None)
    price = book.get(METER)
    if price is None:
        return MoveEgress(offer, volume, None, None, f"providers/prices/{offer}.yaml has no {METER} entry", None,
                          None)
    read = price.read.isoformat()
    if not price.known:
        return MoveEgress(offer, volume, None, None, f"{METER} is unknown in providers/prices/{offer}.yaml "
                          f"(source named: {price.source})", read, price.note)
    per_gb = price.per_base_unit()
    return MoveEgress(offer, volume, volume * per_gb, float(price.price), price.source, read, price.note)


@dataclass(frozen=True)
class EgressBound:
    """What bounds the rate at which the move's data leaves the source, and the hours that gives."""

    offer: str
    region: str | None
    link_gbps: float
    efficiency: float
    ceiling: Ceiling | None
    ceiling_reason: str  # why no ceiling is known, when none is
    objects_tb: float  # moved by hdhport migrate objects
    objects_passes: int
    egress_tb: float  # everything the move sends out of the source

    @property
    def bound(self) -> str:
        return "storage account egress ceiling" if self.ceiling and self.ceiling.gbps < self.link_gbps else "link"

    @property
    def bound_gbps(self) -> float:
        return min(self.link_gbps, self.ceiling.gbps) if self.ceiling else self.link_gbps

    @property
    def sustained_gbps(self) -> float:
        return self.bound_gbps * self.efficiency

    @property
    def hours(self) -> float:
        return self.egress_tb * 8000 / (self.sustained_gbps * 3600)

    @property
    def objects_egress_tb(self) -> float:
        return self.objects_tb * self.objects_passes

    @property
    def accounts_for_the_link(self) -> int | None:
        """Storage accounts the data must be spread over for the link, not the ceiling, to bound the move."""
        return math.ceil(self.link_gbps / self.ceiling.gbps) if self.ceiling else None

    @property
    def text(self) -> str:
        from hdhport.migrate.runbook import hours_text  # runbook imports this module

        where = f" in {self.region}" if self.region else ""
        if self.ceiling is None:
            ceiling = f"its storage's own egress ceiling{where} is unknown ({self.ceiling_reason})"
        else:
            ceiling = (f"its storage's default egress ceiling{where} is {self.ceiling.gbps:g} Gbit/s per storage "
                       f"account (its operator's figure, dated {self.ceiling.date}: {self.ceiling.note})")
        bounded = ("the link" if self.bound == "link" else
                   f"the storage account's ceiling, unless the data is spread over {self.accounts_for_the_link} "
                   "accounts or more")
        objects = (f"Every byte moved by `hdhport migrate objects` leaves {self.offer} at most "
                   f"{_times(self.objects_passes)} (read once for the manifest, once for the copy; an object of "
                   f"32 MiB or more, on a first run from a remote source, is sent on as the manifest reads it, so "
                   f"once): its {self.objects_tb:g} TB are at most {self.objects_egress_tb:g} TB of egress. "
                   if self.objects_tb else "")
        return (f"Out of {self.offer}, the move runs at most at the lower of the link you give ({self.link_gbps:g} "
                f"Gbit/s) and the egress the source allows: {ceiling}. Here that is {bounded}: "
                f"{self.bound_gbps:g} Gbit/s, {self.sustained_gbps:g} sustained ({self.efficiency:.0%}). {objects}"
                f"In all, at most {self.egress_tb:g} TB leave {self.offer}: {hours_text(self.hours)} at that rate.")

    def to_json(self) -> dict[str, Any]:
        return {"offer": self.offer, "region": self.region, "link_gbps": self.link_gbps,
                "link_efficiency": self.efficiency,
                "account_egress_ceiling": {"status": "unknown", "gbps": None, "reason": self.ceiling_reason}
                if self.ceiling is None else {"status": "stated", "gbps": self.ceiling.gbps,
                                              "applies_to": self.ceiling.applies_to, "source": self.ceiling.source,
                                              "date": self.ceiling.date, "note": self.ceiling.note},
                "bound": self.bound, "bound_gbps": self.bound_gbps, "sustained_gbps": round(self.sustained_gbps, 3),
                "accounts_for_the_link": self.accounts_for_the_link,
                "objects": {"volume_tb": round(self.objects_tb, 3), "passes": self.objects_passes,
                            "egress_tb": round(self.objects_egress_tb, 3)},
                "egress_tb": round(self.egress_tb, 3), "hours": round(self.hours, 2),
                "formula": "hours = egress_TB x 8000 / (min(link_Gbit/s, account ceiling_Gbit/s) x link efficiency "
                           "x 3600), egress_TB = sum over moved services of volume_TB x passes over the link",
                "text": self.text}


def _times(passes: int) -> str:
    return {1: "once", 2: "twice"}.get(passes, f"{passes} times")


def egress_bound(runbook: Runbook) -> EgressBound:
    """The bound on the rate out of the source: the link, and the source store's published ceiling for the
    source profile's first region (the region the platform runs in), when its operator publishes one."""
    from hdhport.migrate.runbook import LINK_EFFICIENCY, MEASURED_METHODS

    source = runbook.source
    region = source.regions[0].id if source.regions else None
    family = STORE_EGRESS_CEILINGS.get(source.api_family)
    ceiling = family.get(region) if family is not None and region is not None else None
    reason = ("" if ceiling is not None else
              f"no published per-account egress ceiling is recorded for API family {source.api_family}"
              if family is None else f"none recorded for region {region}")
    moved = [s for s in runbook.steps if s.status == "method" and s.method is not None
             and s.method.id in MEASURED_METHODS]
    passes = max((s.method.passes for s in moved if s.method is not None), default=0)
    return EgressBound(source.id, region, runbook.bandwidth_gbps, LINK_EFFICIENCY, ceiling, reason,
                       sum(s.volume_tb for s in moved), passes, sent_gb(runbook) / GB_PER_TB)
