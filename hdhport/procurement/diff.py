"""Compare bidders with the specification, service by service, and optionally with a baseline profile.

For every catalogue service and every profile: the offer, whether applications reach it through an
open interface, which required controls it supports, its SecNumCloud / HDS scope, and whether this
toolkit deploys it today. A fact the profile does not state stays `unknown`; nothing here turns an
unknown into a yes.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from hdhport.loader import Specification
from hdhport.model import Catalogue, Offer, Profile, Service
from hdhport.procurement.report import (
    Bidder, BidderCost, Cell, Change, ChangeKind, ControlsVerdict, Deployment, InterfaceVerdict, Qualification, Report,
    ServiceInfo,
)
from hdhport.procurement.scores import CostScoring, UNVERIFIABLE_FLAG, score, unverifiable_self_hosted, verdict
from hdhport.procurement.weights import Lot, Weights
from hdhport.resolve import resolve

_OFFER_RANK = {"gap": 0, "self-hosted": 1, "native": 2}
_INTERFACE_RANK = {"proprietary": 0, "open": 1}
_CHANGE_KINDS: tuple[ChangeKind, ...] = ("gained", "lost", "degraded", "improved", "same", "unknown")


def interface_verdict(service: Service, offer: Offer, catalogue: Catalogue) -> InterfaceVerdict:
    """Open when the offer speaks one of the service's open interfaces, or another open interface without
    a proprietary API; proprietary when the only stated way in is a proprietary API; unknown otherwise."""
    if offer.offer == "gap":
        return InterfaceVerdict(status="n/a", spoken=[], detail="not offered")
    if offer.offer == "unknown":
        return InterfaceVerdict(status="unknown", spoken=[], detail="offer unknown")
    spoken = [term for term in service.interfaces if term in offer.interfaces]
    vocabulary = catalogue.vocabulary.interfaces
    # A term the vocabulary lacks is one of the bidder's own_interfaces (the loader allows no other): proprietary.
    open_terms = {term for term in offer.interfaces if term in vocabulary and vocabulary[term].open}
    proprietary = [term for term in offer.interfaces if term not in open_terms]
    other_open = [term for term in offer.interfaces if term in open_terms]
    expected = ", ".join(service.interfaces)
    if spoken:
        lock = f"; management API proprietary ({', '.join(proprietary)})" if proprietary else ""
        return InterfaceVerdict(status="open", spoken=spoken, detail=f"speaks {', '.join(spoken)}{lock}")
    if offer.proprietary_api == "yes" or (proprietary and not other_open):
        stated = ", ".join(offer.interfaces) or "a proprietary API"
        return InterfaceVerdict(status="proprietary", spoken=[], detail=f"only {stated}; none of {expected}")
    if other_open:
        return InterfaceVerdict(status="open", spoken=[],
                                detail=f"speaks {', '.join(other_open)}, open but not the catalogue's {expected}")
    if offer.proprietary_api == "no":
        return InterfaceVerdict(status="open", spoken=[], detail="states no proprietary API; interfaces not listed")
    return InterfaceVerdict(status="unknown", spoken=[], detail=f"interfaces not stated; expected {expected}")


def controls_verdict(service: Service, offer: Offer) -> ControlsVerdict:
    """Which of the service's required controls the offer states it supports (absent list: unknown)."""
    if offer.offer == "gap":
        return ControlsVerdict(status="n/a", supported=[], missing=[])
    if offer.controls is None:
        return ControlsVerdict(status="unknown", supported=[], missing=[])
    supported = [c for c in service.controls if c in offer.controls]
    missing = [c for c in service.controls if c not in offer.controls]
    status = "all" if not missing else "none" if not supported else "partial"
    return ControlsVerdict(status=status, supported=supported, missing=missing)


def _compare(aspect: str, before: str, after: str, rank: dict[str, int],
             worse: list[str], better: list[str]) -> None:
    if before in rank and after in rank and rank[before] != rank[after]:
        (worse if rank[after] < rank[before] else better).append(f"{aspect}: {before} -> {after}")


def change(before: Cell, after: Cell) -> Change:
    """Gained, lost, degraded, improved, same, or unknown for one service, with what changed.

    Compares what the bidders offer (offer, interface, scopes, controls), not whether this toolkit
    deploys it: that has its own column and score, and would otherwise mark every cloud the toolkit
    does not drive yet as degraded."""
    if before.offer == "unknown" or after.offer == "unknown":
        whose = "baseline's" if before.offer == "unknown" else "bidder's"
        return Change(kind="unknown", details=[f"the {whose} offer is unknown"])
    if before.offer == "gap" or after.offer == "gap":
        if before.offer == after.offer:
            return Change(kind="same", details=["a gap on both"])
        kind: ChangeKind = "lost" if after.offer == "gap" else "gained"
        return Change(kind=kind, details=[f"offer: {before.offer} -> {after.offer}"])
    worse: list[str] = []
    better: list[str] = []
    _compare("offer", before.offer, after.offer, _OFFER_RANK, worse, better)
    _compare("interface", before.interface.status, after.interface.status, _INTERFACE_RANK, worse, better)
    for scope in ("secnumcloud_scope", "hds_scope"):
        _compare(scope.replace("_", " "), getattr(before, scope), getattr(after, scope), {"no": 0, "yes": 1},
                 worse, better)
    if "unknown" not in (before.controls.status, after.controls.status):
        lost = [c for c in before.controls.supported if c in after.controls.missing]
        added = [c for c in after.controls.supported if c in before.controls.missing]
        worse += [f"control no longer stated: {c}" for c in lost]
        better += [f"control now stated: {c}" for c in added]
    if worse:
        return Change(kind="degraded", details=worse + better)
    return Change(kind="improved", details=better) if better else Change(kind="same", details=[])


def cells(catalogue: Catalogue, profile: Profile) -> list[Cell]:
    """The profile's answer for every catalogue service, in catalogue order."""
    result = []
    for service, deployment in zip(catalogue.services, resolve(catalogue, profile)):
        offer = profile.offers[service.id]
        why = unverifiable_self_hosted(service) if offer.offer == "self-hosted" else None
        result.append(Cell(
            service=service.id, offer=offer.offer, product=offer.product,
            interface=interface_verdict(service, offer, catalogue),
            controls=controls_verdict(service, offer),
            secnumcloud_scope=offer.secnumcloud_scope, hds_scope=offer.hds_scope,
            deployable=Deployment(way=deployment.way, product=deployment.product, reason=deployment.reason),
            change=None, reason=offer.reason, notes=offer.notes, source=offer.source, date=offer.date,
            flags=[f"{UNVERIFIABLE_FLAG}: {why}"] if why else []))
    return result


def _against(answers: list[Cell], baseline: list[Cell] | None) -> list[Cell]:
    if baseline is None:
        return answers
    return [a.model_copy(update={"change": change(b, a)}) for a, b in zip(answers, baseline)]


def shown_path(path: str) -> str:
    """A file as a person would type it, never where this machine keeps it: relative to hdhport's own tree for the
    files it ships (`providers/profiles/x.yaml`, `hdhport/procurement/weights.yaml`), else relative to the
    working directory when it lies inside it (unless that is / or the home folder), else the file's name alone. A
    report travels to bidders and committees: an absolute path would tell them the author's home and layout."""
    from hdhport.paths import ROOT

    resolved = Path(path).resolve()
    cwd = Path.cwd().resolve()
    # Relative to / or to a home folder, a path is still the machine's layout (`tmp/x/...`, `Documents/...`).
    for base in (ROOT, *(() if cwd in (Path("/"), Path.home().resolve()) else (cwd,))):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return resolved.name


def _migration_gaps(catalogue: Catalogue, source: Profile, target: Profile) -> dict[str, str]:
    """Services whose data has no migration method from the baseline to this bidder (hdhport migrate plan)."""
    from hdhport.migrate.runbook import reversibility_gaps

    return {g.service: g.reason for g in reversibility_gaps(catalogue, source, target) if g.status == "gap"}


def ranked(bidders: Sequence[Bidder]) -> list[Bidder]:
    """The bidders by total, highest first, each with its rank; then the reference profiles, unranked.

    Equal totals share a rank (1, 2, 2, 4: the next rank counts every bidder above) and are listed by id.
    The verdict does not move a rank: it is shown beside it."""
    competing = sorted((b for b in bidders if b.kind == "bidder"), key=lambda b: (-b.scores.total, b.id))
    result = [b.model_copy(update={"rank": 1 + sum(o.scores.total > b.scores.total for o in competing)})
              for b in competing]
    return result + [b for b in bidders if b.kind != "bidder"]


def build_report(spec: Specification, bidder_ids: Sequence[str], *, baseline: str | None,
                 required: Sequence[Qualification], weights: Weights, weights_file: str,
                 catalogue_file: str, today: dt.date, costs: Mapping[str, BidderCost] | None = None,
                 cost_assumptions: Sequence[str] = (), lot: Lot | None = None) -> Report:
    """The whole comparison; `bidder_ids` are profiles of `spec`, the baseline first when there is one.
    With `costs` (profile id -> its cost), each bidder shows it and is scored on it (hdhport.procurement.costs).
    With a `lot`, only its services are compared, scored (with its weights) and judged (with its qualifications
    required as well); a lot is never costed (the weights and the command line refuse it: a cost is the whole
    platform's)."""
    from hdhport.procurement.costs import scorable
    from hdhport.procurement.eu_sovereignty import assess, load_framework

    framework = load_framework()
    catalogue = spec.catalogue
    if lot is not None:
        members = set(lot.members(catalogue))
        catalogue = catalogue.model_copy(update={"services": [s for s in catalogue.services if s.id in members]})
        weights = weights.for_lot(lot)
        required = list(dict.fromkeys([*required, *lot.require]))
    cheapest = None
    if costs is not None:
        # only competing bidders set the benchmark; a reference profile is shown, never a yardstick
        known = [c.known_eur for pid, c in costs.items() if spec.profiles[pid].kind == "bidder"
                 and scorable(c, weights.cost.min_known_share) and c.known_eur is not None]
        cheapest = min(known) if known else None
    answers = {pid: cells(catalogue, spec.profiles[pid]) for pid in bidder_ids}
    reference = answers[baseline] if baseline else None
    bidders = []
    for pid in bidder_ids:
        profile, is_baseline = spec.profiles[pid], pid == baseline
        compared = answers[pid] if is_baseline else _against(answers[pid], reference)
        offers = Counter(cell.offer for cell in compared)
        changes = Counter(cell.change.kind for cell in compared if cell.change)
        bidders.append(Bidder(
            id=pid, kind=profile.kind, rank=None, name=profile.name, operator=profile.operator, api_family=profile.api_family,
            file=shown_path(spec.sources[pid]), baseline=is_baseline, jurisdiction=profile.jurisdiction,
            qualifications=profile.qualifications, key_custody=profile.key_custody,
            regions=profile.regions, openstack=profile.openstack,
            counts={kind: offers.get(kind, 0) for kind in ("native", "self-hosted", "gap", "unknown")},
            changes={kind: changes.get(kind, 0) for kind in _CHANGE_KINDS} if reference and not is_baseline else {},
            verdict=verdict(catalogue, profile, required, today),
            scores=score(catalogue, profile, compared, weights, today,
                         _migration_gaps(catalogue, spec.profiles[baseline], profile)
                         if baseline and not is_baseline else None,
                         CostScoring(costs.get(pid), cheapest) if costs is not None else None),
            cells=compared, cost=costs.get(pid) if costs is not None else None,
            eu_sovereignty=assess(profile, framework, today)))
    bidders = ranked(bidders)
    services = [ServiceInfo(id=s.id, name=s.name, family=s.family, requirement=s.requirement,
                            data_bearing=s.data_bearing, interfaces=s.interfaces, controls=s.controls)
                for s in catalogue.services]
    return Report(report="hdhport-diff", version=1, generated_on=today, catalogue=shown_path(catalogue_file),
                  baseline=baseline, required=list(required), weights_file=shown_path(weights_file), weights=weights,
                  lot=lot, services=services, bidders=bidders, cost_assumptions=list(cost_assumptions))
