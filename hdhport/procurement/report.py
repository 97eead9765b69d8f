"""The diff report as data: what every output format renders, and what the published JSON Schema describes.

One model for all formats, so the table, Markdown, HTML, CSV, spreadsheet and JSON never disagree.
The JSON Schema (schemas/diff.schema.json) is generated from these models: `python -m
hdhport.procurement.report` prints it, `make schemas` rewrites it and a test checks it is current.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hdhport.model import (
    Jurisdiction, KeyCustody, OfferKind, OpenStackApis, Qualifications, Region, Requirement, SourceDate, TriState,
)
from hdhport.procurement.eu_sovereignty import EuSovereignty
from hdhport.procurement.weights import Lot, Weights

SCHEMA_ID = "https://hdhport.example/schemas/diff.schema.json"

InterfaceStatus = Literal["open", "proprietary", "unknown", "n/a"]
ControlsStatus = Literal["all", "partial", "none", "unknown", "n/a"]
DeployWay = Literal["native", "self-hosted", "gap"]
ChangeKind = Literal["gained", "lost", "degraded", "improved", "same", "unknown"]
CriterionId = Literal["coverage", "sovereignty", "reversibility", "deployability", "cost"]
CostStatus = Literal["estimated", "no price book", "not deployable", "not planned", "not computed"]
Qualification = Literal["secnumcloud", "hds"]
VerdictStatus = Literal["eligible", "to confirm", "not eligible"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceInfo(_Frozen):
    """One catalogue service, as the rows of the matrix show it."""

    id: str
    name: str
    family: str
    requirement: Requirement
    data_bearing: bool
    interfaces: list[str] = Field(description="The open interfaces the catalogue asks for.")
    controls: list[str] = Field(description="The controls the catalogue requires.")


class InterfaceVerdict(_Frozen):
    status: InterfaceStatus = Field(description="open: reached through an open interface; proprietary: only "
                                                "through a proprietary API; n/a: the offer is a gap.")
    spoken: list[str] = Field(description="The catalogue's interfaces for this service that the offer speaks.")
    detail: str


class ControlsVerdict(_Frozen):
    status: ControlsStatus = Field(description="unknown when the offer does not list its controls.")
    supported: list[str]
    missing: list[str]


class Deployment(_Frozen):
    """How this toolkit builds the service on the bidder today (hdhport.resolve)."""

    way: DeployWay
    product: str | None
    reason: str


class Change(_Frozen):
    """What changes for one service against the baseline profile."""

    kind: ChangeKind
    details: list[str]


class Cell(_Frozen):
    """One bidder's answer for one catalogue service, with what the diff concludes from it."""

    service: str
    offer: OfferKind
    product: str | None
    interface: InterfaceVerdict
    controls: ControlsVerdict
    secnumcloud_scope: TriState
    hds_scope: TriState
    deployable: Deployment
    change: Change | None = Field(description="Against the baseline; null without a baseline or for the baseline.")
    reason: str | None = Field(description="Why the service is a gap, as the bidder states it.")
    notes: str | None
    source: str
    date: SourceDate
    flags: list[str] = Field(default_factory=list, description=(
        "Why the answer scores less than it claims, e.g. an unverifiable self-hosted claim on a service that "
        "cannot be run on tenant machines (it then scores as unknown)."))


class Part(_Frozen):
    """One line of a score's breakdown: what earned (or could have earned) how many points."""

    label: str
    detail: str
    services: list[str] = Field(description="The services this line counts, when it counts services.")
    points: float = Field(description="Points earned; a criterion's score is the sum of its parts' points.")
    max_points: float = Field(description="Points this line could have earned.")
    unknown: bool = Field(description="True when the points are 0 because the fact is unknown.")
    disqualifying: bool = Field(description="True when this line makes the bidder not eligible.")


class Criterion(_Frozen):
    id: CriterionId
    label: str
    weight: float = Field(description="Share of the total, in percent.")
    score: float = Field(description="Out of 100: the sum of the parts' points.")
    contribution: float = Field(description="score x weight / 100 rounded half up to the cent (a spreadsheet's "
                                            "ROUND); the total is their sum.")
    parts: list[Part]


class Scores(_Frozen):
    total: float = Field(description="Out of 100: the sum of the criteria's contributions.")
    criteria: list[Criterion]


class BidderCost(_Frozen):
    """The bidder's monthly list-price cost of the same platform (`hdhport cost`), when the diff was asked for it."""

    status: CostStatus = Field(description=(
        "estimated: planned offline and priced from the offer's price book; no price book: deployable, but no "
        "providers/prices/<id>.yaml; not deployable: its API family is not one hdhport plans; not planned: the "
        "offline plan failed (detail says why); not computed: deployable and priced, but not yet planned (the HTML "
        "report shows cached costs only; `hdhport diff --cost` computes them)."))
    enclaves: int = Field(description="Research-project enclaves planned; the same for every bidder.")
    known_eur: float | None = Field(description="EUR a month excl. VAT of the lines whose price is known; a floor "
                                                "when `at_least`. Null unless estimated.")
    at_least: bool = Field(description="True when some lines have no known price: the total is a floor.")
    lines: int = Field(description="Cost lines (service x enclave x meter) of the estimate.")
    unknown_lines: int = Field(description="Lines without a known price.")
    unknown_share: float | None = Field(description="unknown_lines / lines, from 0 to 1 (null unless estimated).")
    price_book: str | None = Field(description="The price book used.")
    stack: str | None = Field(description="The stack file or profile the plan was made from.")
    detail: str = Field(description="The total as `hdhport cost` states it, or why there is none.")


class Verdict(_Frozen):
    status: VerdictStatus = Field(description="not eligible: a disqualifying reason; to confirm: a `must` "
                                              "service or a required qualification is unknown; eligible "
                                              "otherwise.")
    reasons: list[str] = Field(description="Why the bidder is not eligible: a `must` gap, or a required "
                                           "qualification the bidder states it does not hold.")
    to_confirm: list[str] = Field(default_factory=list, description=(
        "Required qualifications whose status is unknown or backed only by a template placeholder: to "
        "confirm with the bidder, not a reason to exclude it."))
    unknown_musts: list[str] = Field(description="The `must` services whose offer is unknown: to confirm "
                                                 "before the bidder can be called eligible.")


class Bidder(_Frozen):
    """One profile compared with the specification: its facts, its answers, its verdict and scores."""

    id: str
    kind: Literal["bidder", "reference"] = Field(description="A reference profile is shown but never ranked.")
    rank: int | None = Field(description=(
        "1 for the highest total among the bidders; equal totals share a rank (1, 2, 2, 4). Null for a "
        "reference profile. Bidders are listed by rank, ties by id, then the references."))
    name: str
    operator: str
    api_family: str
    file: str = Field(description="The profile file the facts come from.")
    baseline: bool
    jurisdiction: Jurisdiction
    qualifications: Qualifications
    key_custody: KeyCustody
    regions: list[Region]
    openstack: OpenStackApis | None
    counts: dict[OfferKind, int] = Field(description="Number of services per offer kind.")
    changes: dict[ChangeKind, int] = Field(description="Number of services per change against the baseline.")
    verdict: Verdict
    scores: Scores
    cells: list[Cell] = Field(description="One per catalogue service, in catalogue order.")
    cost: BidderCost | None = Field(default=None, description="Monthly cost of the same platform; null unless "
                                                              "the diff was run with --cost.")
    eu_sovereignty: EuSovereignty | None = Field(default=None, description=(
        "The bidder's facts against the European Commission's Cloud Sovereignty Framework (SEAL levels per "
        "objective), shown beside hdhport's own sovereignty criterion; it does not enter the total."))


class Report(_Frozen):
    report: Literal["hdhport-diff"]
    version: Literal[1]
    generated_on: dt.date
    catalogue: str = Field(description="The catalogue file.")
    baseline: str | None = Field(description="The profile every other bidder is compared with.")
    required: list[Qualification] = Field(description="Qualifications a bidder must hold to be eligible.")
    weights_file: str
    weights: Weights = Field(description="The weights scored with: a lot's own criteria and requirement weights "
                                         "when the report is of one lot.")
    lot: Lot | None = Field(default=None, description=(
        "The part of the tender this report compares (`hdhport diff --lot ID`): only its services are listed, "
        "scored and judged. Null: the whole catalogue."))
    services: list[ServiceInfo]
    bidders: list[Bidder]
    cost_assumptions: list[str] = Field(default_factory=list, description=(
        "Usage no plan can see, assumed alike for every bidder's cost (empty without --cost)."))


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `hdhport diff --format json`."""
    schema = Report.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "hdhport diff report", **{k: v for k, v in schema.items() if k != "title"}}


if __name__ == "__main__":
    print(json.dumps(report_schema(), indent=2, ensure_ascii=False))
