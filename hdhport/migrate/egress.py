"""The move's one-off cost in `hdhport migrate plan`: the source cloud's egress for the data that leaves it.

Egress is billed by the cloud the data leaves, per GB sent out. The GB are those the runbook sends over the
link: each moved service's share of --volume-tb times its method's passes (hdhport migrate objects reads each
object twice at the source), 1 TB = 1,000 GB as the runbook counts. The price is the source offer's
`egress/internet` entry in its price book (providers/prices/<id>.yaml); when the book has no such entry, says
`unknown`, or does not exist, the cost is `unknown`, never 0. One price per GB: tiers, free allowances and
private interconnects (which some clouds bill otherwise) are not modelled.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hdhport.migrate.runbook import Runbook

METER = "egress/internet"
GB_PER_TB = 1000.0


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
