"""Price books: one YAML file per offer in providers/prices/, list prices with their source, checked like a profile.

A price is keyed by a *meter*, `<kind>/<name>` (`flavor/b3-8`, `volume/sbs-5k`, `egress/internet`): the cost
engine (hdhport.cost.meters) turns every resource of a plan into meters and quantities, the book says what one
unit of each costs. The kinds and the billing units each kind may use are closed vocabularies, so a price in
the wrong unit (a volume priced per hour) is an error, not a silent factor of 730. A price nobody has published
is `unknown`, never 0; 0 is accepted only with a `note` saying why the provider charges nothing.
"""
from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from hdhport.errors import InputError, Problem
from hdhport.model import SourceDate, Strict, Text
from hdhport.yamlsource import Document, PathKey, load_document

PRICES_DIR = Path(__file__).resolve().parent.parent.parent / "providers" / "prices"

#: Hours in the month every monthly figure is computed for (8,760 hours a year / 12), as providers bill.
HOURS_PER_MONTH = 730.0

Unit = Literal["hour", "month", "gb-month", "gb-hour", "gb", "10k-operations", "million-operations"]

#: What one unit of each billing unit is, in the base quantity of its kind (hours, GB-months, GB, operations).
UNIT_SIZE: dict[str, float] = {
    "hour": 1.0, "month": HOURS_PER_MONTH,
    "gb-month": 1.0, "gb-hour": 1.0 / HOURS_PER_MONTH,
    "gb": 1.0,
    "10k-operations": 10_000.0, "million-operations": 1_000_000.0,
}

_TIME: tuple[str, ...] = ("hour", "month")
_CAPACITY: tuple[str, ...] = ("gb-month", "gb-hour")
#: Meter kinds, what each measures and the billing units it accepts. The quantity of a time kind is hours of
#: one resource running, of a capacity kind GB held for a month, of a transfer kind GB moved, of requests
#: operations.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "flavor": ("a virtual machine (CPU or GPU) of that flavor or size, per machine", _TIME),
    "disk": ("a managed disk billed per disk of a size tier (Azure)", _TIME),
    "database": ("a managed database node of that size", _TIME),
    "kubernetes": ("a managed Kubernetes control plane of that tier", _TIME),
    "load-balancer": ("a managed load balancer", _TIME),
    "public-ip": ("a public IP address", _TIME),
    "gateway": ("a router, NAT or VPN gateway", _TIME),
    "keys": ("a key held in a key manager", _TIME),
    "secrets": ("a secret held in a secrets store", _TIME),
    "resource": ("any other billable resource, per resource", _TIME),
    "volume": ("block storage provisioned, by volume type", _CAPACITY),
    "file-storage": ("file shares provisioned", _CAPACITY),
    "object-storage": ("object storage held, by storage class", _CAPACITY),
    "backup": ("backup or snapshot storage held", _CAPACITY),
    "egress": ("data sent out of the cloud", ("gb",)),
    "logs": ("log data ingested", ("gb",)),
    "requests": ("API requests or key operations", ("10k-operations", "million-operations")),
}

MeterId = Annotated[str, Field(pattern=r"^[a-z][a-z-]*/[A-Za-z0-9_.:+/-]+$", max_length=160)]


class Price(Strict):
    """One list price, excluding VAT, in the book's currency."""

    id: MeterId = Field(description="The meter: <kind>/<name>, e.g. flavor/b3-8, volume/sbs-5k.")
    price: Annotated[float, Field(ge=0)] | Literal["unknown"] = Field(
        description="Price of one unit, excluding VAT; `unknown` when no published figure was found.")
    unit: Unit = Field(description="Billing unit, from a closed vocabulary the meter's kind restricts.")
    source: Text = Field(description="URL or document the price was read in.")
    read: SourceDate = Field(description="When the source was read: YYYY-MM-DD or YYYY-MM.")
    region: Text | None = Field(default=None, description="Region the price is for, when not the book's.")
    note: Text | None = Field(default=None, description="What the figure covers, or why it is unknown or 0.")

    @property
    def known(self) -> bool:
        return self.price != "unknown"

    def per_base_unit(self) -> float:
        """The price of one base quantity of its kind (one hour, one GB-month, one GB, one operation)."""
        assert self.price != "unknown"
        return float(self.price) / UNIT_SIZE[self.unit]


class PriceBook(Strict):
    """The list prices of one offer (a profile id), in euros excluding VAT."""

    offer: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=64)] = Field(
        description="The profile id these prices are for.")
    currency: Literal["EUR"]
    vat: Literal["excluded"]
    region: Text = Field(description="The region every price is for unless it says otherwise.")
    prices: list[Price]

    def get(self, meter: str) -> Price | None:
        return next((p for p in self.prices if p.id == meter), None)


def is_price_book(doc: Document) -> bool:
    return isinstance(doc.data, dict) and "prices" in doc.data and "services" not in doc.data


def looks_like_book(path: Path) -> bool:
    """Whether `path` parses as a price book; a file that does not parse is left to the other readers to report."""
    try:
        return is_price_book(load_document(path))
    except InputError:
        return False


def _check(book: PriceBook, doc: Document, today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, price in enumerate(book.prices):
        at: PathKey = ("prices", i)
        kind = price.id.split("/", 1)[0]
        if price.id in seen:
            problems.append(doc.problem(at + ("id",), f"duplicate meter '{price.id}' (first on line {seen[price.id]})"))
        else:
            seen[price.id] = doc.where(at)[0]
        if kind not in KINDS:
            problems.append(doc.problem(at + ("id",), f"unknown meter kind '{kind}'; expected one of "
                                        + ", ".join(sorted(KINDS))))
        elif price.unit not in KINDS[kind][1]:
            problems.append(doc.problem(at + ("unit",), f"unit '{price.unit}' does not fit a {kind} meter; expected "
                                        + " or ".join(KINDS[kind][1])))
        if price.price == 0 and price.note is None:
            problems.append(doc.problem(at + ("price",), "a price of 0 needs a `note` saying why nothing is charged; "
                                        "write `unknown` when no figure was published"))
        if price.read > today:
            problems.append(doc.problem(at + ("read",), f"date {price.read.isoformat()} is in the future"))
        if price.source.strip() in ("(to fill)", "unknown"):
            problems.append(doc.problem(at + ("source",), "a price needs the URL or document it was read in"))
    return problems


def book_from(doc: Document, today: dt.date | None = None) -> PriceBook:
    from hdhport.loader import _validate  # the model's errors, worded and located as for profiles

    book, problems = _validate(PriceBook, doc)
    if book is not None:
        problems += _check(typing.cast(PriceBook, book), doc, today or dt.date.today())
    if problems:
        raise InputError(problems)
    return typing.cast(PriceBook, book)


def check_books(paths: list[Path]) -> tuple[list[PriceBook], list[Problem]]:
    """Every book in `paths`, and the problems of all of them."""
    books, problems = [], []
    for path in paths:
        try:
            books.append(book_from(load_document(path, _display(path))))
        except InputError as exc:
            problems += exc.problems
    return books, problems


def shipped_books(directory: Path = PRICES_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def load_book(offer: str, directory: Path = PRICES_DIR) -> PriceBook | None:
    """The shipped price book of `offer`, or None when there is none."""
    path = directory / f"{offer}.yaml"
    if not path.exists():
        return None
    return book_from(load_document(path, _display(path)))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
