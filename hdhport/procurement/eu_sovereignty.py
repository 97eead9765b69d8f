"""Sovereignty against a public yardstick: the European Commission's Cloud Sovereignty Framework (v1.2.1, 2025-10).

The framework (eu_sovereignty.yaml beside this module, every fact sourced) grades a cloud service per sovereignty
objective on its SEAL scale, 0 (no sovereignty) to 4 (full digital sovereignty). A profile does not answer the
framework's criteria, so this module only says what the profile's facts establish, objective by objective:

- `at_least`: the highest level the facts establish (0 when they establish nothing);
- `at_most`: the highest level the facts still allow (4 when they rule nothing out);
- `level`: the level itself when the two meet, else None: unknown is an answer, never rounded to a level.

Every rule names the facts it used (field path and value) and says in one line why. A fact whose source is the bid
template's placeholder counts as unknown, as in the scores. Beside it, the framework's weighted Sovereignty Score,
estimated: an objective earns its weight x at_least / 4 (SEAL level / 4 standing in for the framework's "Score /
Max. Score", which needs its 48-criterion calculator), so what is unknown earns 0; `best_case` is the same with
at_most. Both are hdhport's estimate, not the Commission's number, and every report must say so.
"""
from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from hdhport import loader
from hdhport.errors import InputError, Problem
from hdhport.eu import EU_MEMBER_STATES
from hdhport.evidence import UNKNOWN_COUNTRY, is_placeholder, lapsed, version_numbers
from hdhport.model import Profile, Sourced, Strict, Term, Text
from hdhport.yamlsource import Document, load_document

DEFAULT_FRAMEWORK = Path(__file__).resolve().parent / "eu_sovereignty.yaml"

ObjectiveId = Literal["SOV-1", "SOV-2", "SOV-3", "SOV-4", "SOV-5", "SOV-6", "SOV-7", "SOV-8"]
OBJECTIVE_IDS: tuple[str, ...] = typing.get_args(ObjectiveId)
Seal = Annotated[int, Field(ge=0, le=4, description="A SEAL level, 0 (no sovereignty) to 4 (full).")]
LOWEST, HIGHEST = 0, 4
Weight = Annotated[float, Field(ge=0, le=100, description="Percent of the Sovereignty Score.")]
#: SecNumCloud's version that added the immunity to non-EU law (mapping_facts.secnumcloud-3.2-immunity).
IMMUNITY_VERSION = (3, 2)
SCORE_METHOD = ("hdhport's estimate of the framework's Sovereignty Score: each objective earns its weight x "
                "(SEAL level its facts establish) / 4, so an unknown objective earns 0; the Commission scores "
                "48 criteria instead, which no profile answers")


# ------------------------------------------------------------------ the framework, as loaded


class Framework(Sourced):
    title: Text
    version: Text
    publisher: Text
    url: Text
    use: Text


class Objective(Sourced):
    """One sovereignty objective: what it assesses, its contributing factors, its weight (None: unknown)."""

    id: ObjectiveId
    title: Text
    assesses: Text
    factors: list[Text] = Field(min_length=1)
    weight: Weight | None = Field(description="Percent of the Sovereignty Score; null when no source gives it.")


class SealLevel(Sourced):
    level: Seal
    name: Text
    definition: Text


class ScoreFormula(Sourced):
    formula: Text


class SealAggregation(Sourced):
    rule: Literal["lowest"] = Field(description="The provider's SEAL is its lowest across criteria.")
    detail: Text


class MinimumSeal(Sourced):
    framework: Seal | None = Field(description="The framework sets none: each tender does.")
    cloud_iii_dps: Seal | None = Field(description="The Commission's own tender's minimum; null when unknown.")
    note: Text


class MappingFact(Sourced):
    """A fact outside the framework that a mapping rule relies on."""

    id: Term
    statement: Text


class EuFramework(Strict):
    framework: Framework
    objectives: list[Objective] = Field(min_length=1)
    seal_levels: list[SealLevel] = Field(min_length=1)
    sovereignty_score: ScoreFormula
    seal_aggregation: SealAggregation
    minimum_seal: MinimumSeal
    mapping_facts: list[MappingFact]

    def objective(self, objective_id: str) -> Objective:
        return next(o for o in self.objectives if o.id == objective_id)

    def seal(self, level: int) -> SealLevel:
        return next(s for s in self.seal_levels if s.level == level)

    @property
    def weights_known(self) -> bool:
        return all(o.weight is not None for o in self.objectives)


def _exactly_once(doc: Document, key: str, found: list[str], expected: tuple[str, ...], what: str) -> list[Problem]:
    problems = []
    for index, value in enumerate(found):
        if value in found[:index]:
            problems.append(doc.problem((key, index), f"{what} {value} is listed twice"))
    missing = [e for e in expected if e not in found]
    if missing:
        problems.append(doc.problem((key,), f"missing {what}: {', '.join(missing)}; expected each of "
                                            f"{', '.join(expected)} once"))
    return problems


def framework_from(doc: Document) -> EuFramework:
    """Check a framework document; every problem is reported at once, at its line and column."""
    model, problems = loader._validate(EuFramework, doc)  # the loader's located pydantic messages
    if model is None:
        raise InputError(problems)
    checked = typing.cast(EuFramework, model)
    problems = _exactly_once(doc, "objectives", [o.id for o in checked.objectives], OBJECTIVE_IDS, "objective")
    problems += _exactly_once(doc, "seal_levels", [f"SEAL-{s.level}" for s in checked.seal_levels],
                              tuple(f"SEAL-{n}" for n in range(LOWEST, HIGHEST + 1)), "level")
    if checked.weights_known:
        total = sum(o.weight or 0.0 for o in checked.objectives)
        if abs(total - 100) > 1e-9:
            problems.append(doc.problem(("objectives",), f"the weights add up to {total:g}; they must add up to 100 "
                                                         "(or write an unknown weight as null)"))
    if problems:
        raise InputError(problems)
    return checked


def load_framework(path: Path = DEFAULT_FRAMEWORK) -> EuFramework:
    """The framework as shipped (or a buyer's corrected copy)."""
    return framework_from(load_document(path))


# ------------------------------------------------------------------ the assessment, as reported


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactUsed(_Frozen):
    path: str = Field(description="Field path in the profile, e.g. jurisdiction.headquarters.")
    value: str = Field(description="Its value as the profile states it; `(placeholder source)` is appended when "
                                   "only the bid template's placeholder backs it.")


class ObjectiveAssessment(_Frozen):
    """What a profile's facts say about one objective."""

    id: ObjectiveId
    title: str
    weight: float | None
    level: Seal | None = Field(description="The SEAL level when the facts pin it down, else null (unknown).")
    at_least: Seal = Field(description="Highest level the facts establish; 0 when they establish nothing.")
    at_most: Seal = Field(description="Highest level the facts still allow; 4 when they rule nothing out.")
    facts: list[FactUsed]
    reason: str


class EuSovereignty(_Frozen):
    """A profile against the Cloud Sovereignty Framework, beside hdhport's own sovereignty criterion."""

    framework: str = Field(description="Title and version of the framework.")
    source: str
    date: str
    objectives: list[ObjectiveAssessment]
    level: Seal | None = Field(description="The overall SEAL (the lowest across objectives) when known, else null.")
    at_least: Seal
    at_most: Seal
    assessed: int = Field(description="Objectives whose level the facts pin down.")
    unknown: int = Field(description="Objectives whose level the facts leave open.")
    score: float | None = Field(description="Estimated Sovereignty Score out of 100 from what the facts establish "
                                            "(unknown earns 0); null when a weight is unknown.")
    best_case: float | None = Field(description="The same with every objective at the highest level the facts "
                                                "allow; null when a weight is unknown.")
    score_method: str


# ------------------------------------------------------------------ the rules: profile facts -> SEAL bounds


@dataclass
class _Bounds:
    """What the rules of one objective found: each raise of the floor and each cap, with its reason."""

    facts: list[FactUsed] = field(default_factory=list)
    floor: int = LOWEST
    ceiling: int = HIGHEST
    why_floor: list[str] = field(default_factory=list)
    why_ceiling: list[str] = field(default_factory=list)

    def use(self, path: str, value: object, source: str) -> None:
        shown = "null" if value is None else str(value)
        if is_placeholder(source):
            shown += " (placeholder source)"
        entry = FactUsed(path=path, value=shown)
        if entry not in self.facts:
            self.facts.append(entry)

    def at_least(self, level: int, why: str) -> None:
        if level > self.floor:
            self.floor, self.why_floor = level, [why]
        elif level == self.floor and level > LOWEST:
            self.why_floor.append(why)

    def at_most(self, level: int, why: str) -> None:
        if level < self.ceiling:
            self.ceiling, self.why_ceiling = level, [why]
        elif level == self.ceiling and level < HIGHEST:
            self.why_ceiling.append(why)


@dataclass(frozen=True)
class _Facts:
    """The profile's facts the rules read, each None when unknown (unstated, or backed only by a placeholder)."""

    headquarters_in_eu: bool | None
    exposure: str  # yes / no / unknown
    regions_in_eu: bool | None  # all regions in EU member states
    snc_immunity: bool  # a valid SecNumCloud >= 3.2 qualification
    snc_qualified: bool  # a valid qualification, any version
    hds_certified: bool


def _facts(profile: Profile, today: dt.date) -> _Facts:
    where = profile.jurisdiction
    known = not is_placeholder(where.source)
    headquarters: bool | None = where.headquarters in EU_MEMBER_STATES
    if not known or where.headquarters == UNKNOWN_COUNTRY:
        headquarters = None
    regions = [r for r in profile.regions if not is_placeholder(r.source) and r.country != UNKNOWN_COUNTRY]
    in_eu = [r.country in EU_MEMBER_STATES for r in regions]
    # one region known outside the EU settles it; all inside needs every region known
    regions_in_eu = False if not all(in_eu) else (True if len(regions) == len(profile.regions) else None)
    snc = profile.qualifications.secnumcloud
    valid = snc.status == "qualified" and not is_placeholder(snc.source) and lapsed(snc, today) is None
    version = version_numbers(snc.version)
    hds = profile.qualifications.hds
    return _Facts(headquarters_in_eu=headquarters, exposure=where.extraterritorial_exposure if known else "unknown",
                  regions_in_eu=regions_in_eu,
                  snc_immunity=valid and version is not None and version >= IMMUNITY_VERSION,
                  snc_qualified=valid, hds_certified=hds.status == "certified" and not is_placeholder(hds.source))


def _use_jurisdiction(b: _Bounds, profile: Profile, *, exposure: bool = True) -> None:
    j = profile.jurisdiction
    b.use("jurisdiction.headquarters", j.headquarters, j.source)
    if exposure:
        b.use("jurisdiction.extraterritorial_exposure", j.extraterritorial_exposure, j.source)
        if j.laws:
            b.use("jurisdiction.laws", ", ".join(j.laws), j.source)


def _use_regions(b: _Bounds, profile: Profile) -> None:
    for index, region in enumerate(profile.regions):
        b.use(f"regions[{index}].country", region.country, region.source)


def _use_secnumcloud(b: _Bounds, profile: Profile) -> None:
    snc = profile.qualifications.secnumcloud
    b.use("qualifications.secnumcloud.status", snc.status, snc.source)
    if snc.status == "qualified":
        b.use("qualifications.secnumcloud.version", snc.version, snc.source)
        b.use("qualifications.secnumcloud.qualified_on", snc.qualified_on.isoformat() if snc.qualified_on else None,
              snc.source)


_IMMUNITY = ("SecNumCloud 3.2 qualified: its §19.6 requires an EU seat and caps non-EU capital and votes "
             "(24% each, 39% together), so EU law is enforceable and non-EU control at most indirect")


def _everywhere(b: _Bounds, f: _Facts) -> None:
    """The caps that SEAL-4's definition ("complete EU control, subject only to EU law") puts on every objective."""
    if f.headquarters_in_eu is False:
        b.at_most(3, "a non-EU headquarters rules out complete EU control (SEAL-4)")
    if f.exposure == "yes":
        b.at_most(3, "exposure to non-EU law rules out 'subject only to EU law' (SEAL-4)")


def _strategic(profile: Profile, f: _Facts) -> _Bounds:
    b = _Bounds()
    _use_jurisdiction(b, profile, exposure=False)
    _use_secnumcloud(b, profile)
    if f.headquarters_in_eu is False:
        b.at_most(1, "headquarters outside the EU: the bodies with decisive authority are under non-EU control")
    if f.snc_immunity:
        b.at_least(2, _IMMUNITY)
    return b


def _legal(profile: Profile, f: _Facts) -> _Bounds:
    b = _Bounds()
    _use_jurisdiction(b, profile)
    _use_regions(b, profile)
    _use_secnumcloud(b, profile)
    if f.regions_in_eu:
        b.at_least(1, "every region is in an EU member state, so EU law applies to the service")
    if f.headquarters_in_eu and f.exposure == "no":
        b.at_least(2, "EU headquarters and no exposure to non-EU law stated: EU law applicable and enforceable")
    if f.snc_immunity:
        b.at_least(2, _IMMUNITY)
    if f.headquarters_in_eu is False:
        b.at_most(1, "headquarters outside the EU: non-EU law governs the operator, EU law is only formally applicable")
    elif f.exposure == "yes":
        b.at_most(2, "exposed to non-EU law with cross-border reach: more than marginal non-EU control")
    return b


def _data(profile: Profile, f: _Facts) -> _Bounds:
    b = _Bounds()
    keys = profile.key_custody
    _use_regions(b, profile)
    b.use("key_custody.hyok", keys.hyok, keys.source)
    b.use("key_custody.byok", keys.byok, keys.source)
    _use_jurisdiction(b, profile)
    hyok = keys.hyok if not is_placeholder(keys.source) else "unknown"
    if f.regions_in_eu:
        b.at_least(1, "data stored in EU member states only")
    if f.regions_in_eu and hyok == "yes" and f.headquarters_in_eu and f.exposure != "yes":
        b.at_least(2, "customer-held keys (HYOK), EU-only regions and an EU operator: only the customer controls "
                      "cryptographic access under enforceable EU law")
    if f.regions_in_eu is False:
        b.at_most(1, "a region outside the EU: storage is not confined to European jurisdictions")
    if f.exposure == "yes" and hyok == "no":
        b.at_most(1, "no customer-held key and an operator exposed to non-EU law that can be compelled to decrypt")
    return b


def _security(profile: Profile, f: _Facts) -> _Bounds:
    b = _Bounds()
    _use_secnumcloud(b, profile)
    hds = profile.qualifications.hds
    b.use("qualifications.hds.status", hds.status, hds.source)
    if f.hds_certified:
        b.at_least(1, "HDS certified: a French legal certification, so EU (member-state) requirements apply")
    if f.snc_qualified:
        b.at_least(1, "SecNumCloud qualified by ANSSI, an EU member-state authority")
    if f.snc_immunity:
        b.at_least(2, _IMMUNITY)
    return b


def _technology(profile: Profile, f: _Facts) -> _Bounds:
    b = _Bounds()
    offered = {sid: o for sid, o in profile.offers.items() if o.offer in ("native", "self-hosted")}
    answers = [o.proprietary_api for o in offered.values()]
    counts = ", ".join(f"{answer} {answers.count(answer)}" for answer in ("no", "yes", "unknown") if answer in answers)
    b.facts.append(FactUsed(path="offers.*.proprietary_api",
                            value=f"{len(offered)} services offered: {counts}" if offered else "no service offered"))
    return b


def _nothing(profile: Profile, f: _Facts) -> _Bounds:
    return _Bounds()


_NOT_RECORDED: Mapping[str, str] = {
    "SOV-1": "ownership, change-of-control assurances and financing are not in the profile",
    "SOV-2": "IP location, international regimes (export control) and technical access channels are not in the profile",
    "SOV-3": "access visibility, deletion evidence and AI pipelines are not in the profile",
    "SOV-4": "no profile fact says where operations and support run, with which staff, code or subcontractors",
    "SOV-5": "no profile fact covers hardware, firmware or software origin, or the supplier chain",
    "SOV-6": ("the profile records API openness (one of four factors); open licences, design visibility and EU "
              "independence of processors are not recorded, so no level follows"),
    "SOV-7": "SOC jurisdiction, patch autonomy and EU audit access are not in the profile",
    "SOV-8": "no profile fact covers energy or raw-material dependency",
}

#: One rule per objective, keyed like the framework's objectives (a test checks the two sets are the same).
RULES: Mapping[str, Callable[[Profile, _Facts], _Bounds]] = {
    "SOV-1": _strategic,
    "SOV-2": _legal,
    "SOV-3": _data,
    "SOV-4": _nothing,
    "SOV-5": _nothing,
    "SOV-6": _technology,
    "SOV-7": _security,
    "SOV-8": _nothing,
}


def _reason(b: _Bounds, objective_id: str) -> tuple[int | None, int, int, str]:
    if b.floor > b.ceiling:  # two facts disagree: believe neither
        why = (f"the facts contradict each other ({'; '.join(b.why_floor)}; yet {'; '.join(b.why_ceiling)}): "
               "unknown until the bidder resolves it")
        return None, LOWEST, HIGHEST, why
    parts = b.why_floor + b.why_ceiling
    if b.floor == b.ceiling:
        return b.floor, b.floor, b.ceiling, f"SEAL-{b.floor}: {'; '.join(parts)}"
    head = (f"at least SEAL-{b.floor}" if b.floor > LOWEST else "nothing established") + (
        f", at most SEAL-{b.ceiling}" if b.ceiling < HIGHEST else "")
    return None, b.floor, b.ceiling, f"{head}: {'; '.join([*parts, _NOT_RECORDED[objective_id]])}"


def _weighted(objectives: list[ObjectiveAssessment], bound: Callable[[ObjectiveAssessment], int]) -> float | None:
    if any(o.weight is None for o in objectives):
        return None
    return round(sum((o.weight or 0.0) * bound(o) / HIGHEST for o in objectives), 2)


def assess(profile: Profile, framework: EuFramework, today: dt.date) -> EuSovereignty:
    """What the profile's facts establish on each objective of the framework, and overall. Pure: reads nothing."""
    facts = _facts(profile, today)
    objectives = []
    for objective in framework.objectives:
        bounds = RULES[objective.id](profile, facts)
        _everywhere(bounds, facts)
        level, low, high, reason = _reason(bounds, objective.id)
        objectives.append(ObjectiveAssessment(id=objective.id, title=objective.title, weight=objective.weight,
                                              level=level, at_least=low, at_most=high, facts=bounds.facts,
                                              reason=reason))
    low = min(o.at_least for o in objectives)
    high = min(o.at_most for o in objectives)
    assessed = sum(o.level is not None for o in objectives)
    meta = framework.framework
    return EuSovereignty(
        framework=f"{meta.title} v{meta.version}", source=meta.url, date=meta.date.isoformat(), objectives=objectives,
        level=low if low == high else None, at_least=low, at_most=high, assessed=assessed,
        unknown=len(objectives) - assessed, score=_weighted(objectives, lambda o: o.at_least),
        best_case=_weighted(objectives, lambda o: o.at_most), score_method=SCORE_METHOD)


def meets_minimum(result: EuSovereignty, minimum: int) -> bool | None:
    """Whether the bidder clears a tender's minimum SEAL on every objective: True or False when the facts settle it,
    None when they leave it open."""
    if result.at_least >= minimum:
        return True
    if result.at_most < minimum:
        return False
    return None
