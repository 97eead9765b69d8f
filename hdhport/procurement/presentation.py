"""What every output format shows the same way: colours, short cell texts, flat rows and bidder facts.

Kept in one place so the Markdown, HTML, CSV and spreadsheet reports cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hdhport.model import Hds, OfferKind, SecNumCloud
from hdhport.procurement.eu_sovereignty import EuSovereignty, ObjectiveAssessment
from hdhport.procurement.report import Bidder, BidderCost, Cell, Report, ServiceInfo

OFFER_KINDS: tuple[OfferKind, ...] = ("native", "self-hosted", "gap", "unknown")
# Light fills, readable when printed in greys; every coloured cell also carries its word, so colour
# is never the only signal.
OFFER_COLOURS = {"native": "#cdebd3", "self-hosted": "#fbe7b0", "gap": "#f6c4c0", "unknown": "#e3e3e3"}
VERDICT_COLOURS = {"eligible": OFFER_COLOURS["native"], "to confirm": OFFER_COLOURS["self-hosted"],
                   "not eligible": OFFER_COLOURS["gap"]}
# Best first, for sorting the matrix and reading rows top down.
OFFER_RANK = {"native": 0, "self-hosted": 1, "unknown": 2, "gap": 3}
REQUIREMENT_RANK = {"must": 0, "should": 1, "may": 2}
LEGEND = {
    "native": "a managed service of the bidder",
    "self-hosted": "software the buyer runs on the bidder's IaaS",
    "gap": "not offered",
    "unknown": "the bidder has not said",
    "open": "reached through an open interface",
    "proprietary": "reached only through a proprietary API",
    "SNC": "inside the bidder's SecNumCloud scope",
    "HDS": "inside the bidder's HDS scope",
}

CSV_COLUMNS = (
    "rank", "bidder", "service", "service_name", "family", "requirement", "offer", "product", "interface",
    "interfaces_spoken", "interface_detail", "controls", "controls_supported", "controls_missing",
    "secnumcloud_scope", "hds_scope", "deployable", "deployable_reason", "change", "change_details",
    "reason", "notes", "source", "date", "flags",
)
LIST_SEPARATOR = "; "
#: Added to every CSV row when the diff was run with --cost: the row's bidder's monthly cost.
COST_COLUMNS = ("monthly_cost_status", "monthly_cost_eur", "monthly_cost_at_least", "monthly_cost_unknown_share",
                "monthly_cost_enclaves")

#: What a spreadsheet takes as the start of a formula (or of a DDE call) when a cell's text begins with it:
#: the OWASP "CSV injection" list, plus a line feed, which some spreadsheets also skip before a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def spreadsheet_text(value: str) -> str:
    """A bidder's text as a CSV cell no spreadsheet evaluates: one starting with a formula trigger gets a
    leading `'` (OWASP), which Excel and LibreOffice read as "this is text". A plain number, such as `-3` or
    `+1.5`, is left alone: it cannot run anything, and stays a number. A carriage return becomes a line
    feed: the csv module quotes a field holding a line feed, but not one holding a lone carriage return,
    which spreadsheets read as the end of the row."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def cell_tags(cell: Cell) -> list[str]:
    """The short marks shown after the offer in a matrix cell."""
    tags: list[str] = []
    if cell.interface.status in ("open", "proprietary"):
        tags.append(cell.interface.status)
    if cell.secnumcloud_scope == "yes":
        tags.append("SNC")
    if cell.hds_scope == "yes":
        tags.append("HDS")
    return tags


def change_label(cell: Cell) -> str:
    """The change against the baseline worth showing in a matrix cell: none when nothing changed, or when
    the cell already says its own offer is unknown."""
    if cell.change is None or cell.change.kind == "same":
        return ""
    if cell.change.kind == "unknown" and cell.offer == "unknown":
        return ""
    return cell.change.kind


def cell_text(cell: Cell) -> str:
    """One line for a matrix cell: offer, marks, and the change against the baseline."""
    text = " · ".join([cell.offer, *cell_tags(cell)])
    change = change_label(cell)
    return f"{text} ({change})" if change else text


def cell_tooltip(cell: Cell, service: ServiceInfo) -> str:
    """Everything about one answer, for the matrix cell's hover text."""
    lines = [f"{service.name}: {cell.offer}" + (f" ({cell.product})" if cell.product else ""),
             f"interface: {cell.interface.status}, {cell.interface.detail}",
             f"controls: {controls_text(cell)}",
             f"SecNumCloud scope: {cell.secnumcloud_scope}; HDS scope: {cell.hds_scope}",
             f"deployable by hdhport: {cell.deployable.way} ({cell.deployable.reason})"]
    if cell.change:
        lines.append(f"vs baseline: {cell.change.kind}" + (f" ({'; '.join(cell.change.details)})"
                                                            if cell.change.details else ""))
    if cell.reason:
        lines.append(f"reason: {cell.reason}")
    lines += cell.flags
    lines.append(f"source: {cell.source} ({cell.date.isoformat()})")
    return "\n".join(lines)


def controls_text(cell: Cell) -> str:
    verdict = cell.controls
    if verdict.status in ("unknown", "n/a"):
        return verdict.status
    stated = f"{len(verdict.supported)}/{len(verdict.supported) + len(verdict.missing)}"
    return stated + (f", missing {', '.join(verdict.missing)}" if verdict.missing else "")


def csv_row(bidder: Bidder, service: ServiceInfo, cell: Cell) -> dict[str, str]:
    """One answer as flat text, the columns of CSV_COLUMNS; lists are joined with LIST_SEPARATOR."""
    join = LIST_SEPARATOR.join
    return {
        "rank": "" if bidder.rank is None else str(bidder.rank), "bidder": bidder.id, "service": service.id,
        "service_name": service.name, "family": service.family,
        "requirement": service.requirement, "offer": cell.offer, "product": cell.product or "",
        "interface": cell.interface.status, "interfaces_spoken": join(cell.interface.spoken),
        "interface_detail": cell.interface.detail, "controls": cell.controls.status,
        "controls_supported": join(cell.controls.supported), "controls_missing": join(cell.controls.missing),
        "secnumcloud_scope": cell.secnumcloud_scope, "hds_scope": cell.hds_scope,
        "deployable": cell.deployable.way, "deployable_reason": cell.deployable.reason,
        "change": cell.change.kind if cell.change else "",
        "change_details": join(cell.change.details) if cell.change else "",
        "reason": cell.reason or "", "notes": cell.notes or "", "source": cell.source,
        "date": cell.date.isoformat(), "flags": join(cell.flags),
    }


def csv_rows(report: Report) -> list[dict[str, str]]:
    return [csv_row(bidder, service, cell)
            for bidder in report.bidders for service, cell in zip(report.services, bidder.cells)]


@dataclass(frozen=True)
class Fact:
    """One sourced statement about a bidder, as the drill-down lists it."""

    topic: str
    value: str
    source: str
    date: dt.date


def _stated(value: object) -> str:
    return "not stated" if value in (None, "", []) else str(value)


def bidder_facts(bidder: Bidder) -> list[Fact]:
    law, snc, hds, keys = (bidder.jurisdiction, bidder.qualifications.secnumcloud, bidder.qualifications.hds,
                           bidder.key_custody)
    facts = [
        Fact("Headquarters", law.headquarters, law.source, law.date),
        Fact("Extraterritorial exposure", law.extraterritorial_exposure
             + (f" ({', '.join(law.laws)})" if law.laws else ""), law.source, law.date),
        Fact("SecNumCloud", f"{snc.status}; version: {_stated(snc.version)}; qualified on: "
                            f"{_stated(snc.qualified_on)}"
                            + (f"; expected on: {snc.expected_on.isoformat()}" if snc.expected_on else "")
                            + f"; scope: {_stated(snc.scope)}", snc.source, snc.date),
        Fact("HDS", f"{hds.status}; activities: {_stated(', '.join(hds.activities))}; scope: {_stated(hds.scope)}",
             hds.source, hds.date),
        Fact("Key custody", f"provider-managed {keys.provider_managed}; BYOK {keys.byok}; HYOK {keys.hyok}"
                            + (f"; {keys.notes}" if keys.notes else ""), keys.source, keys.date),
    ]
    facts += [Fact("Region", f"{r.name} ({r.id}, {r.country}" + (f", {r.city}" if r.city else "") + ")",
                   r.source, r.date) for r in bidder.regions]
    if bidder.openstack:
        facts.append(Fact("OpenStack services", ", ".join(bidder.openstack.services), bidder.openstack.source,
                          bidder.openstack.date))
    return facts


def qualification_text(fact: SecNumCloud | Hds) -> str:
    """A qualification's status with the date of its source (`certified (2025-11-12)`): a committee sees how fresh
    the fact is on the summary row; the source itself is in the bidder's facts."""
    return fact.status if fact.status == "unknown" else f"{fact.status} ({fact.date})"


def has_costs(report: Report) -> bool:
    """Whether the report carries costs (`--cost`, or the HTML report's cached ones): every bidder then has one."""
    return any(b.cost is not None for b in report.bidders)


def cost_text(cost: BidderCost | None) -> str:
    """A bidder's monthly cost on one line: `at least 2,130.66 EUR/month; 76 of 118 lines (64%) unknown`, or why
    there is none (`no price book`, `not deployable by hdhport`, `not planned: ...`)."""
    if cost is None:
        return ""
    if cost.status == "not deployable":
        return "not deployable by hdhport"
    if cost.status == "not planned":
        return cost.detail
    if cost.status == "not computed":
        return "not computed yet: run `hdhport diff --cost`"
    if cost.status != "estimated" or cost.known_eur is None:
        return cost.status
    words = "at least " if cost.at_least else ""
    return (f"{words}{cost.known_eur:,.2f} EUR/month; {cost.unknown_lines} of {cost.lines} lines "
            f"({cost.unknown_share or 0:.0%}) unknown")


def cost_columns(cost: BidderCost | None) -> dict[str, str]:
    """The COST_COLUMNS of a bidder, as flat text."""
    if cost is None:
        return {column: "" for column in COST_COLUMNS}
    return {"monthly_cost_status": cost.status,
            "monthly_cost_eur": "" if cost.known_eur is None else f"{cost.known_eur:.2f}",
            "monthly_cost_at_least": "yes" if cost.at_least else "no" if cost.status == "estimated" else "",
            "monthly_cost_unknown_share": "" if cost.unknown_share is None else f"{cost.unknown_share:.4f}",
            "monthly_cost_enclaves": str(cost.enclaves)}


def seal_text(bounds: ObjectiveAssessment | EuSovereignty) -> str:
    """A SEAL level as the facts bound it: `SEAL-2`, `SEAL-1 to 3`, `at most SEAL-1`, or `unknown`."""
    if bounds.level is not None:
        return f"SEAL-{bounds.level}"
    if bounds.at_least == 0 and bounds.at_most == 4:
        return "unknown"
    if bounds.at_least == 0:
        return f"at most SEAL-{bounds.at_most}"
    return f"SEAL-{bounds.at_least} to {bounds.at_most}"


def eu_text(eu: EuSovereignty | None) -> str:
    """The bidder's standing in the EU Cloud Sovereignty Framework, in one line: overall SEAL and estimated score."""
    if eu is None:
        return ""
    score = ("score not computed (a weight is unknown)" if eu.score is None or eu.best_case is None
             else f"estimated score {eu.score:.2f} to {eu.best_case:.2f}")
    return f"{seal_text(eu)} overall, {eu.assessed} of {len(eu.objectives)} objectives settled, {score}"


def eu_cell(eu: EuSovereignty | None) -> str:
    """The table's column: the framework's estimated score as a range, from what the facts establish (unknown
    earns 0) to what they still allow (unknown at its best), and the overall SEAL when the facts bound it."""
    if eu is None:
        return ""
    score = "?" if eu.score is None or eu.best_case is None else f"{eu.score:.2f}-{eu.best_case:.2f}"
    level = seal_text(eu)
    return score if level == "unknown" else f"{score}, {level}"
