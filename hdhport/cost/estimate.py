"""The monthly cost of a plan: its metered usage priced by the offer's price book, per service, enclave and in total.

A line whose meter has no known price is kept, marked unknown, and counted in the unknown share; the total is
then a floor ("at least"). The share is of lines, not of euros: an unknown price has no euros to weigh.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hdhport.cost.book import KINDS, Price, PriceBook
from hdhport.cost.meters import PLATFORM, Assumptions, Metered

_BASE_UNIT = {"hour": "h", "month": "h", "gb-month": "GB-month", "gb-hour": "GB-month", "gb": "GB",
              "10k-operations": "operations", "million-operations": "operations"}


def base_unit(meter: str) -> str:
    kind = meter.split("/", 1)[0]
    return _BASE_UNIT[KINDS[kind][1][0]] if kind in KINDS else "?"


@dataclass
class Line:
    """Every usage of one meter by one service in one enclave."""

    service: str
    enclave: str
    meter: str
    quantity: float
    resources: int
    price: Price | None
    basis: str = ""

    @property
    def monthly(self) -> float | None:
        if self.price is None or not self.price.known:
            return None
        return self.quantity * self.price.per_base_unit()

    @property
    def rounded(self) -> float | None:
        """The monthly amount to the cent, as shown: totals add these, so they add up by hand."""
        monthly = self.monthly
        return None if monthly is None else round(monthly, 2)

    @property
    def status(self) -> str:
        if self.price is None:
            return "not in price book"
        return "priced" if self.price.known else "unknown"

    def to_json(self) -> dict[str, Any]:
        monthly = self.rounded
        return {"service": self.service, "enclave": self.enclave, "meter": self.meter,
                "quantity": round(self.quantity, 4), "quantity_unit": base_unit(self.meter),
                "resources": self.resources, "status": self.status,
                "unit_price": None if self.price is None or not self.price.known else self.price.price,
                "billing_unit": self.price.unit if self.price else None,
                "monthly_eur": monthly,
                "source": self.price.source if self.price else None,
                "read": self.price.read.isoformat() if self.price else None,
                "basis": self.basis}


@dataclass
class Estimate:
    stack: str
    offer: str
    api_family: str
    enclaves: int
    book: PriceBook | None
    lines: list[Line]
    assumptions: list[str]
    not_billed: dict[str, int] = field(default_factory=dict)

    @property
    def known_total(self) -> float:
        return round(sum(line.rounded or 0.0 for line in self.lines), 2)

    @property
    def unknown_lines(self) -> list[Line]:
        return [line for line in self.lines if line.rounded is None]

    @property
    def unknown_share(self) -> float:
        return len(self.unknown_lines) / len(self.lines) if self.lines else 0.0

    def total_text(self) -> str:
        words = "at least " if self.unknown_lines else ""
        return (f"{words}{self.known_total:,.2f} EUR/month excl. VAT; {len(self.unknown_lines)} of {len(self.lines)} "
                f"lines ({self.unknown_share:.0%}) have no known price")

    def by(self, key: str) -> dict[str, tuple[float, int, int]]:
        """service or enclave -> (known EUR, unknown lines, lines)."""
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
        for line in self.lines:
            row = sums[getattr(line, key)]
            row[0] += line.rounded or 0.0
            row[1] += line.rounded is None
            row[2] += 1
        return {k: (round(v[0], 2), int(v[1]), int(v[2])) for k, v in sorted(sums.items())}

    def summary(self) -> dict[str, Any]:
        return {"known_total_eur": round(self.known_total, 2), "at_least": bool(self.unknown_lines),
                "lines": len(self.lines), "unknown_lines": len(self.unknown_lines),
                "unknown_share": round(self.unknown_share, 4)}


def price(metered: Metered, book: PriceBook | None, *, stack: str, offer: str, api_family: str, enclaves: int,
          assumptions: list[str]) -> Estimate:
    grouped: dict[tuple[str, str, str], list[Any]] = {}
    for usage in metered.usages:
        key = (usage.service, usage.enclave, usage.meter)
        row = grouped.setdefault(key, [0.0, 0, set()])
        row[0] += usage.quantity
        row[1] += 1
        if usage.basis:
            row[2].add(usage.basis)
    lines = [Line(service, enclave, meter_id, quantity, count, book.get(meter_id) if book else None,
                  "; ".join(sorted(bases)))
             for (service, enclave, meter_id), (quantity, count, bases) in grouped.items()]
    lines.sort(key=lambda line: (line.enclave != PLATFORM, line.enclave, line.service, line.meter))
    return Estimate(stack, offer, api_family, enclaves, book, lines, assumptions, dict(sorted(metered.not_billed.items())))

