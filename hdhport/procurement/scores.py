"""Scores that explain themselves, and the eligibility verdict.

Each criterion is a score out of 100 that is exactly the sum of its parts' points, and the total is
exactly the sum of the criteria's contributions (score x weight / 100). Everything is rounded to the
cent before it is added up (largest remainder where a sum must stay whole), so the numbers a reader
adds up by hand give the number shown. An unknown fact earns 0 and has its own line flagged `unknown`;
a `must` service answered `gap` has its own line flagged `disqualifying`.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Mapping, Callable, Sequence
from dataclasses import dataclass

from hdhport.eu import EU_MEMBER_STATES
from hdhport.evidence import (
    SECNUMCLOUD_VALIDITY_YEARS, UNKNOWN_COUNTRY, is_placeholder, lapsed, version_numbers,
)
from hdhport.model import Catalogue, Implementations, Profile, Service, Sourced
from hdhport.procurement.report import (
    BidderCost, Cell, Criterion, CriterionId, Part, Qualification, Scores, Verdict,
)
from hdhport.procurement.weights import Weights

REQUIREMENTS = ("must", "should", "may")
_DAYS_PER_YEAR = 365.25
UNVERIFIABLE_FLAG = "unverifiable self-hosted claim"
#: Services the catalogue can self-host, but whose self-hosted form on tenant VMs does not do the job, each with
#: why. (Services every implementation of which is native with no fallback are found in the catalogue itself.)
UNVERIFIABLE_SELF_HOSTED = {
    "ddos_protection": "a volumetric attack saturates the link before it reaches the tenant's machines: it is "
                       "absorbed upstream, in the provider's network, or not at all",
}


def unverifiable_self_hosted(service: Service) -> str | None:
    """Why the buyer cannot run this service on the bidder's plain IaaS, or None when it can.

    From the catalogue: a service every API family implements natively, with no self-hosted fallback, is part
    of the IaaS itself (a VM, a disk, the network, the access control of the cloud's API); plus the short
    stated list UNVERIFIABLE_SELF_HOSTED."""
    if service.id in UNVERIFIABLE_SELF_HOSTED:
        return UNVERIFIABLE_SELF_HOSTED[service.id]
    implementations = [service.implementation(family) for family in Implementations.model_fields]
    if all(i.kind == "native" and not i.fallback for i in implementations):
        return ("the catalogue builds it natively on every cloud and has no self-hosted form: it is part of the "
                "provider's platform, not software the buyer runs on its VMs")
    return None


def is_unverifiable(cell: Cell) -> bool:
    return any(flag.startswith(UNVERIFIABLE_FLAG) for flag in cell.flags)


def _stated(fact: Sourced, status: str) -> str:
    """The status a fact can be credited with: `unknown` when only a placeholder backs it."""
    return "unknown" if is_placeholder(fact.source) else status


_PLACEHOLDER_DETAIL = "its source is a template placeholder, so it counts as unknown until sourced"


def apportion(values: Sequence[float]) -> list[float]:
    """Round each value to the cent so that the rounded values add up to the rounded sum."""
    cents = [v * 100 for v in values]
    floors = [math.floor(c + 1e-9) for c in cents]
    short = round(sum(cents)) - sum(floors)
    by_remainder = sorted(range(len(cents)), key=lambda i: cents[i] - floors[i], reverse=True)
    for i in by_remainder[:max(short, 0)]:
        floors[i] += 1
    return [f / 100 for f in floors]


def contribution(score_: float, weight: float) -> float:
    """A criterion's share of the total: score x weight / 100, rounded half up to the cent, in decimal, as a
    spreadsheet's ROUND(score*weight/100, 2) does. The total is the sum of these, so the CLI and the live
    formulas of the xlsx grid apply one rule and agree to the cent."""
    exact = decimal.Decimal(repr(score_)) * decimal.Decimal(repr(weight)) / 100
    return float(exact.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))


@dataclass
class _Line:
    """A part before rounding: what it could earn, and the share of that it does earn."""

    label: str
    detail: str
    max_points: float
    credit: float
    services: tuple[str, ...] = ()
    unknown: bool = False
    disqualifying: bool = False


def _criterion(criterion: CriterionId, label: str, weight: float, lines: list[_Line]) -> Criterion:
    # The maxima are rounded so they add up to 100 exactly, and each line earns its credit of its
    # rounded maximum: a line at full credit then shows the same number twice, and a bidder that
    # earns everything scores 100.00, not 99.99.
    maxima = apportion([line.max_points for line in lines])
    points = [round(maximum * line.credit, 2) for line, maximum in zip(lines, maxima)]
    parts = [Part(label=line.label, detail=line.detail, services=list(line.services), points=p, max_points=m,
                  unknown=line.unknown, disqualifying=line.disqualifying)
             for line, p, m in zip(lines, points, maxima)]
    return Criterion(id=criterion, label=label, weight=weight, score=round(sum(points), 2), contribution=0.0,
                     parts=parts)


@dataclass(frozen=True)
class _Group:
    """Services that earn the same credit, shown as one line of the breakdown."""

    key: str
    label: str
    detail: str
    credit: float
    unknown: bool = False
    disqualifying: bool = False


def _service_lines(catalogue: Catalogue, weights: Weights, groups: Sequence[_Group],
                   group_of: Callable[[Service, Cell], str | None], cells: Sequence[Cell]) -> list[_Line]:
    """One line per non-empty group of services; a service's share is its requirement's weight.

    `group_of` gives a service's group key, or None to leave it out of the score (it then earns and
    loses nothing, and the other services share all the points).
    """
    counted = [(s, group_of(s, c)) for s, c in zip(catalogue.services, cells)]
    weight_of = {r: float(getattr(weights.requirement, r)) for r in REQUIREMENTS}
    whole = sum(weight_of[s.requirement] for s, key in counted if key is not None)
    lines = []
    for group in groups:
        members = [s for s, key in counted if key == group.key]
        if not members:
            continue
        share = sum(weight_of[s.requirement] for s in members)
        maximum = 100 * share / whole if whole else 0.0
        lines.append(_Line(group.label, group.detail, maximum, group.credit, tuple(s.id for s in members),
                           group.unknown, group.disqualifying))
    return lines


def _coverage(catalogue: Catalogue, cells: Sequence[Cell], weights: Weights) -> list[_Line]:
    credits = weights.coverage
    groups = []
    for req in REQUIREMENTS:
        groups += [
            _Group(f"{req}/native", f"{req}, native", f"managed by the bidder; credit {credits.native:g}",
                   credits.native),
            _Group(f"{req}/self-hosted", f"{req}, self-hosted",
                   f"run by the buyer on the bidder's IaaS; credit {credits.self_hosted:g}", credits.self_hosted),
            _Group(f"{req}/gap", f"{req}, gap",
                   "not offered" + ("; disqualifying" if req == "must" else ""), 0.0,
                   disqualifying=req == "must"),
            _Group(f"{req}/unknown", f"{req}, unknown", "the bidder has not answered; 0 until it does", 0.0,
                   unknown=True),
            _Group(f"{req}/unverifiable", f"{req}, {UNVERIFIABLE_FLAG}",
                   "claimed self-hosted, but it cannot be run on the bidder's plain IaaS; scores as unknown "
                   "until the bidder shows how", 0.0, unknown=True),
        ]
    return _service_lines(catalogue, weights, groups,
                          lambda s, c: f"{s.requirement}/{'unverifiable' if is_unverifiable(c) else c.offer}", cells)


def _reversibility(catalogue: Catalogue, cells: Sequence[Cell], weights: Weights,
                   migration_gaps: Mapping[str, str]) -> list[_Line]:
    credits = weights.reversibility
    groups = [
        _Group("no-method", "no migration method from the baseline",
               "its data cannot be moved from the baseline by any known method (hdhport migrate plan); credit 0",
               0.0),
        _Group("open", "open interface", f"applications keep working elsewhere; credit {credits.open:g}",
               credits.open),
        _Group("proprietary", "proprietary only",
               f"code must be rewritten to leave; credit {credits.proprietary:g}", credits.proprietary),
        _Group("unstated", "interfaces not stated", "offered, but how applications reach it is unknown", 0.0,
               unknown=True),
        _Group("unknown", "offer unknown", "the bidder has not answered", 0.0, unknown=True),
        _Group("unverifiable", UNVERIFIABLE_FLAG, "claimed self-hosted on a service that cannot be run on the "
               "bidder's plain IaaS: its interfaces are not credited", 0.0, unknown=True),
    ]

    def group(service: Service, cell: Cell) -> str | None:
        if cell.offer == "gap":
            return None
        if service.id in migration_gaps:
            return "no-method"
        if cell.offer == "unknown":
            return "unknown"
        if is_unverifiable(cell):
            return "unverifiable"
        return "unstated" if cell.interface.status == "unknown" else cell.interface.status

    lines = _service_lines(catalogue, weights, groups, group, cells)
    gaps = tuple(c.service for c in cells if c.offer == "gap")
    if gaps:
        lines.append(_Line("gaps left out", "not offered, so nothing to be locked into (coverage counts them)",
                           0.0, 0.0, gaps))
    return lines


def _deployability(catalogue: Catalogue, cells: Sequence[Cell], weights: Weights) -> list[_Line]:
    credits = weights.deployability
    reasons = {c.deployable.reason for c in cells if c.deployable.way == "gap"}
    why = reasons.pop() if len(reasons) == 1 else "the reason for each service is in the matrix"
    groups = [
        _Group("native", "native", f"built on the bidder's managed service; credit {credits.native:g}",
               credits.native),
        _Group("self-hosted", "self-hosted",
               f"built from the toolkit's provider-neutral template on the bidder's VMs; "
               f"credit {credits.self_hosted:g}", credits.self_hosted),
        _Group("gap", "not deployable by hdhport today", why, 0.0),
    ]
    return _service_lines(catalogue, weights, groups, lambda s, c: c.deployable.way, cells)


def _secnumcloud(profile: Profile, weights: Weights, today: dt.date) -> list[_Line]:
    snc, sov = profile.qualifications.secnumcloud, weights.sovereignty
    points, credits = sov.points, sov.secnumcloud_status
    credit = {"qualified": credits.qualified, "j0": credits.j0, "in-progress": credits.in_progress,
              "none": credits.none}
    expired = lapsed(snc, today)
    if expired is not None and not is_placeholder(snc.source):
        why = _lapsed_detail(snc, expired)
        return [_Line("SecNumCloud status", why, points.secnumcloud_status, 0.0, unknown=True),
                _Line("SecNumCloud version", "unknown, as the status is (lapsed)", points.secnumcloud_version, 0.0,
                      unknown=True),
                _Line("SecNumCloud qualification date", why, points.secnumcloud_date, 0.0, unknown=True)]
    if _stated(snc, snc.status) == "unknown":
        why = f"{snc.status} claimed, but {_PLACEHOLDER_DETAIL}" if snc.status != "unknown" else "unknown"
        unknown = "unknown, as the status is" + (" (placeholder source)" if snc.status != "unknown" else "")
        return [_Line("SecNumCloud status", why, points.secnumcloud_status, 0.0, unknown=True),
                _Line("SecNumCloud version", unknown, points.secnumcloud_version, 0.0, unknown=True),
                _Line("SecNumCloud qualification date", unknown, points.secnumcloud_date, 0.0, unknown=True)]
    status = _Line("SecNumCloud status", f"{snc.status}: credit {credit[snc.status]:g}",
                   points.secnumcloud_status, credit[snc.status])
    if snc.status != "qualified":
        why = f"not qualified ({snc.status})"
        return [status, _Line("SecNumCloud version", why, points.secnumcloud_version, 0.0),
                _Line("SecNumCloud qualification date", why, points.secnumcloud_date, 0.0)]
    minimum = sov.secnumcloud_min_version
    found = version_numbers(snc.version)
    if found is None:
        stated = f"'{snc.version}' not understood" if snc.version else "not stated"
        version = _Line("SecNumCloud version", f"{stated}: unknown", points.secnumcloud_version, 0.0, unknown=True)
    else:
        meets = found >= (version_numbers(minimum) or ())
        version = _Line("SecNumCloud version", f"{snc.version} ({'meets' if meets else 'below'} {minimum})",
                        points.secnumcloud_version, 1.0 if meets else 0.0)
    if snc.qualified_on is None:
        date = _Line("SecNumCloud qualification date", "not stated: unknown", points.secnumcloud_date, 0.0,
                     unknown=True)
    else:
        age = (today - snc.qualified_on).days / _DAYS_PER_YEAR
        limit = sov.qualification_max_age_years
        recent = age <= limit
        verdict = "recent enough" if recent else f"older than {limit} years: ask for evidence it is in force"
        date = _Line("SecNumCloud qualification date", f"{snc.qualified_on.isoformat()} ({age:.1f} years ago; "
                     f"{verdict})", points.secnumcloud_date, 1.0 if recent else 0.0)
    return [status, version, date]


def _lapsed_detail(snc: Sourced, expired: dt.date) -> str:
    on = getattr(snc, "qualified_on", None)
    return (f"qualified on {on.isoformat() if on else '?'}, so lapsed on {expired.isoformat()} (a qualification "
            f"lasts {SECNUMCLOUD_VALIDITY_YEARS} years) unless renewed: unknown until a renewal is sourced")


def _key_custody(profile: Profile, weights: Weights) -> _Line:
    keys, most = profile.key_custody, weights.sovereignty.points.key_custody
    credits = weights.sovereignty.key_custody
    label = "Key custody"
    if is_placeholder(keys.source):
        return _Line(label, _PLACEHOLDER_DETAIL, most, 0.0, unknown=True)
    if keys.hyok == "yes":
        return _Line(label, f"hold your own key (HYOK): credit {credits.hyok:g}", most, credits.hyok)
    if keys.byok == "yes":
        return _Line(label, f"bring your own key (BYOK), HYOK {keys.hyok}: credit {credits.byok:g}",
                     most, credits.byok)
    if keys.byok == "no" and keys.hyok == "no":
        return _Line(label, "provider-managed keys only", most, 0.0)
    return _Line(label, f"unknown (BYOK {keys.byok}, HYOK {keys.hyok})", most, 0.0, unknown=True)


def _tri_state(label: str, answer: str, earning: str, points: float, texts: dict[str, str]) -> _Line:
    """A fact where the `earning` answer earns every point, the others none, and `unknown` is flagged."""
    return _Line(label, texts[answer], points, 1.0 if answer == earning else 0.0, unknown=answer == "unknown")


def _sovereignty(profile: Profile, weights: Weights, today: dt.date) -> list[_Line]:
    points = weights.sovereignty.points
    law = profile.jurisdiction
    if is_placeholder(law.source):
        headquarters = _Line("Headquarters", f"{law.headquarters}, but {_PLACEHOLDER_DETAIL}", points.headquarters,
                             0.0, unknown=True)
        law = law.model_copy(update={"extraterritorial_exposure": "unknown"})
    elif law.headquarters == UNKNOWN_COUNTRY:
        headquarters = _Line("Headquarters", "not stated: unknown", points.headquarters, 0.0, unknown=True)
    else:
        inside = law.headquarters in EU_MEMBER_STATES
        headquarters = _Line("Headquarters", f"{law.headquarters}, {'inside' if inside else 'outside'} the EU",
                             points.headquarters, 1.0 if inside else 0.0)
    exposure = _tri_state("Extraterritorial exposure", law.extraterritorial_exposure, "no",
                          points.extraterritorial_exposure,
                          {"no": "none stated", "yes": "exposed to " + (", ".join(law.laws) or "non-EU law"),
                           "unknown": "unknown"})
    hds_fact = profile.qualifications.hds
    hds = _tri_state("HDS certification", _stated(hds_fact, hds_fact.status), "certified", points.hds,
                     {"certified": "certified", "none": "not certified",
                      "unknown": f"{hds_fact.status} claimed, but {_PLACEHOLDER_DETAIL}"
                      if hds_fact.status != "unknown" else "unknown"})
    return [headquarters, exposure, *_secnumcloud(profile, weights, today), hds, _key_custody(profile, weights)]


@dataclass(frozen=True)
class CostScoring:
    """What the cost criterion needs: the bidder's cost and the cheapest scorable cost among the bidders."""

    own: BidderCost | None
    cheapest: float | None


def _cost(scoring: CostScoring, weights: Weights) -> list[_Line]:
    """One line: 100 x cheapest / own when the bidder's estimate is scorable; 0, flagged unknown, otherwise."""
    from hdhport.procurement.costs import scorable

    own, threshold = scoring.own, weights.cost.min_known_share
    label = "Monthly cost"
    if own is None or own.status != "estimated":
        why = own.detail if own is not None else "not estimated"
        return [_Line(label, f"no estimate ({why}): not scored", 100.0, 0.0, unknown=True)]
    if not scorable(own, threshold) or scoring.cheapest is None:
        share = own.unknown_share or 0.0
        return [_Line(label, f"not scored: {share:.0%} of its {own.lines} cost lines have no known price (scored "
                      f"from {threshold:.0%} known); its total, {own.known_eur:,.2f} EUR/month, is only a floor",
                      100.0, 0.0, unknown=True)]
    assert own.known_eur is not None
    floor = f"; {own.unknown_lines} line(s) unknown, so a floor" if own.at_least else ""
    return [_Line(label, f"{own.known_eur:,.2f} EUR/month{floor}; 100 x cheapest scored "
                  f"({scoring.cheapest:,.2f}) / this", 100.0, scoring.cheapest / own.known_eur)]


def score(catalogue: Catalogue, profile: Profile, cells: Sequence[Cell], weights: Weights,
          today: dt.date, migration_gaps: Mapping[str, str] | None = None,
          cost: CostScoring | None = None) -> Scores:
    """The four scores, and the cost score when `cost` is given (the diff was asked for costs);
    `migration_gaps` (service -> why) are the services with no way to move their data from the baseline,
    which earn no reversibility whatever the interface."""
    share = weights.criteria
    criteria = [
        _criterion("coverage", "Coverage", share.coverage, _coverage(catalogue, cells, weights)),
        _criterion("sovereignty", "Sovereignty", share.sovereignty, _sovereignty(profile, weights, today)),
        _criterion("reversibility", "Reversibility", share.reversibility,
                   _reversibility(catalogue, cells, weights, migration_gaps or {})),
        _criterion("deployability", "Deployability by hdhport", share.deployability,
                   _deployability(catalogue, cells, weights)),
    ]
    if cost is not None:
        criteria.append(_criterion("cost", "Monthly cost", share.cost, _cost(cost, weights)))
    contributions = [contribution(c.score, c.weight) for c in criteria]
    criteria = [c.model_copy(update={"contribution": share_}) for c, share_ in zip(criteria, contributions)]
    return Scores(total=round(sum(contributions), 2), criteria=criteria)


_REQUIRED_STATUS = {"secnumcloud": ("SecNumCloud", "qualified"), "hds": ("HDS", "certified")}


def verdict(catalogue: Catalogue, profile: Profile, required: Sequence[Qualification],
            today: dt.date | None = None) -> Verdict:
    """Not eligible on a `must` gap or on a required qualification the bidder states it lacks (none, j0,
    in progress); to confirm on a `must` unknown (or claimed self-hosted where it cannot be), or on a required
    qualification whose status is unknown, rests on a placeholder source, or has outlived its validity."""
    must = [s for s in catalogue.services if s.requirement == "must"]
    reasons = [f"must service {s.id} ({s.name}) is a gap: {profile.offers[s.id].reason}"
               for s in must if profile.offers[s.id].offer == "gap"]
    to_confirm = []
    for qualification in required:
        name, needed = _REQUIRED_STATUS[qualification]
        fact = getattr(profile.qualifications, qualification)
        status = _stated(fact, fact.status)
        expired = lapsed(fact, today or dt.date.today()) if qualification == "secnumcloud" else None
        if expired is not None and status == needed:
            to_confirm.append(f"{name} required: {_lapsed_detail(fact, expired)}: to confirm with the bidder")
            continue
        if status == needed:
            continue
        if status != "unknown":
            reasons.append(f"{name} required: status is {status} (needs {needed})")
        elif fact.status != "unknown":
            to_confirm.append(f"{name} required: status {fact.status} rests on a template placeholder source, "
                              f"so it is unknown: to confirm with the bidder's certificate")
        else:
            to_confirm.append(f"{name} required: status is unknown (needs {needed}): to confirm with the bidder; "
                              f"only a stated lack of it makes the bidder not eligible")
    unknown = [s.id for s in must if profile.offers[s.id].offer == "unknown"
               or (profile.offers[s.id].offer == "self-hosted" and unverifiable_self_hosted(s))]
    status = "not eligible" if reasons else "to confirm" if unknown or to_confirm else "eligible"
    return Verdict(status=status, reasons=reasons, to_confirm=to_confirm, unknown_musts=unknown)
