"""The weights of the procurement scores: the documented defaults, and a buyer's override checked line by line.

The defaults live in weights.yaml beside this module, one comment per weight. A buyer's file holds only
the keys to change; it is merged over the defaults and then checked as a whole, so a mistyped key or an
out-of-range value is reported at its line and column in the buyer's file, like any other input.
"""
from __future__ import annotations

import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hdhport import loader
from hdhport.errors import InputError, Problem
from hdhport.yamlsource import Document, PathKey, load_document

if TYPE_CHECKING:
    from hdhport.model import Catalogue

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights.yaml"

Percent = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1, description="Share of the points earned, from 0 to 1.")]
RequirementWeight = Annotated[float, Field(ge=0, le=1000, description="Relative weight of one service.")]
_VERSION = r"^[0-9]+(\.[0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CriteriaWeights(_Strict):
    """Share of the total per criterion, in percent."""

    coverage: Percent
    sovereignty: Percent
    reversibility: Percent
    deployability: Percent
    cost: Percent = 0.0  # off unless a weights file sets it; a criteria mapping written before it stays valid


class RequirementWeights(_Strict):
    """How much one service counts, by requirement."""

    must: RequirementWeight
    should: RequirementWeight
    may: RequirementWeight


class OfferCredits(_Strict):
    native: Share
    self_hosted: Share


class InterfaceCredits(_Strict):
    open: Share
    proprietary: Share


class SovereigntyPoints(_Strict):
    """Points out of 100 per sovereignty fact."""

    headquarters: Percent
    extraterritorial_exposure: Percent
    secnumcloud_status: Percent
    secnumcloud_version: Percent
    secnumcloud_date: Percent
    hds: Percent
    key_custody: Percent


class SecNumCloudCredits(_Strict):
    qualified: Share
    j0: Share
    in_progress: Share
    none: Share


class KeyCustodyCredits(_Strict):
    hyok: Share
    byok: Share


class SovereigntyWeights(_Strict):
    points: SovereigntyPoints
    secnumcloud_status: SecNumCloudCredits
    secnumcloud_min_version: Annotated[str, Field(pattern=_VERSION)]
    qualification_max_age_years: Annotated[int, Field(ge=1, le=50)]
    key_custody: KeyCustodyCredits


class CostWeights(_Strict):
    """When a bidder's cost estimate is complete enough to be scored."""

    min_known_share: Share


class Lot(_Strict):
    """A part of the tender awarded on its own (hosting of the data, the projects' environments...): the services
    it buys, the qualifications it requires, and the criteria and requirement weights it is scored with.

    `criteria` and `requirement` hold only the keys that differ from the file's own; the merged criteria must
    still add up to 100."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Named by `hdhport diff --lot ID`.")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    services: list[str] = Field(default_factory=list, description="Catalogue service ids in the lot.")
    families: list[str] = Field(default_factory=list, description=(
        "Catalogue service families whose every service is in the lot (with `services`)."))
    require: list[Literal["secnumcloud", "hds"]] = Field(default_factory=list, description=(
        "Qualifications a bidder must hold for this lot, beside those of --require."))
    criteria: CriteriaWeights | None = None
    requirement: RequirementWeights | None = None

    def members(self, catalogue: Catalogue) -> list[str]:
        """The lot's services, in catalogue order."""
        named, families = set(self.services), set(self.families)
        return [s.id for s in catalogue.services if s.id in named or s.family in families]


class Weights(_Strict):
    """Every number the scores use; see weights.yaml for what each means and why it has its default."""

    criteria: CriteriaWeights
    requirement: RequirementWeights
    coverage: OfferCredits
    deployability: OfferCredits
    reversibility: InterfaceCredits
    sovereignty: SovereigntyWeights
    cost: CostWeights
    lots: list[Lot] = Field(default_factory=list, description=(
        "Parts of the tender scored and ranked on their own (`hdhport diff --lot ID`); none by default."))

    def for_lot(self, lot: Lot) -> Weights:
        """The weights one lot is scored with: its criteria and requirement weights where it gives them."""
        return self.model_copy(update={"criteria": lot.criteria or self.criteria,
                                       "requirement": lot.requirement or self.requirement})

    def lot(self, lot_id: str, weights_file: str) -> Lot:
        """The lot of that id, or a one-line error naming the lots the file defines."""
        for lot in self.lots:
            if lot.id == lot_id:
                return lot
        defined = ", ".join(lot.id for lot in self.lots) if self.lots else "none"
        raise InputError([Problem.argument("--lot", f"no lot '{lot_id}' in {weights_file} (lots defined: "
                                                     f"{defined})")])


def _merged(defaults: Any, override: Any) -> Any:
    """The defaults with the override's keys replacing theirs, mapping by mapping."""
    if not isinstance(defaults, dict) or not isinstance(override, dict):
        return override
    merged = dict(defaults)
    for key, value in override.items():
        merged[key] = _merged(defaults.get(key), value) if key in defaults else value
    return merged


def _must_add_up_to_100(doc: Document, path: PathKey, values: BaseModel) -> list[Problem]:
    total = sum(float(v) for v in values.model_dump().values())
    if abs(total - 100) > 1e-9:
        return [doc.problem(path, f"these add up to {total:g}; they must add up to 100")]
    return []


def _lots_merged(data: Any) -> Any:
    """Each lot's criteria and requirement completed by the file's own, so a lot states only what differs."""
    if not isinstance(data, dict) or not isinstance(data.get("lots"), list):
        return data
    lots = []
    for lot in data["lots"]:
        if isinstance(lot, dict):
            lot = dict(lot)
            for key in ("criteria", "requirement"):
                if isinstance(lot.get(key), dict):
                    lot[key] = _merged(data.get(key), lot[key])
        lots.append(lot)
    return {**data, "lots": lots}


def _lot_problems(doc: Document, lots: Sequence[Lot], criteria: CriteriaWeights,
                  catalogue: Catalogue | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, lot in enumerate(lots):
        where = ("lots", i)
        own: list[Problem] = []
        if lot.id in seen:
            own.append(doc.problem((*where, "id"), f"lot '{lot.id}' is defined twice"))
        seen.add(lot.id)
        if lot.criteria is not None:
            own += _must_add_up_to_100(doc, (*where, "criteria"), lot.criteria)
        if (lot.criteria or criteria).cost > 0:
            # `hdhport cost` prices the whole platform; a lot buys part of it.
            own.append(doc.problem((*where, "criteria", "cost"), "a lot is not scored on cost (the monthly cost "
                                   "is the whole platform's, never a lot's): give the lot criteria with cost: 0"))
        if lot.requirement is not None and not any(lot.requirement.model_dump().values()):
            own.append(doc.problem((*where, "requirement"), "at least one requirement must weigh more than 0"))
        if catalogue is not None:
            ids, families = {s.id for s in catalogue.services}, {s.family for s in catalogue.services}
            named = [doc.problem((*where, "services", j), f"no catalogue service '{name}'")
                     for j, name in enumerate(lot.services) if name not in ids]
            named += [doc.problem((*where, "families", j), f"no catalogue family '{name}' (families: "
                                  f"{', '.join(sorted(families))})")
                      for j, name in enumerate(lot.families) if name not in families]
            if not named and not lot.members(catalogue):
                named.append(doc.problem(where, f"lot '{lot.id}' has no service: give `services` or `families`"))
            own += named
        problems += own
    return problems


def weights_from(doc: Document, catalogue: Catalogue | None = None) -> Weights:
    """Check a complete weights document; every problem is reported at once. With the catalogue, the lots'
    services and families are checked against it too."""
    doc = Document(doc.file, _lots_merged(doc.data), doc.positions)
    weights, problems = loader._validate(Weights, doc)  # the loader's located pydantic messages
    if weights is None:
        raise InputError(problems)
    checked = typing.cast(Weights, weights)
    problems = _must_add_up_to_100(doc, ("criteria",), checked.criteria)
    problems += _must_add_up_to_100(doc, ("sovereignty", "points"), checked.sovereignty.points)
    if not any(checked.requirement.model_dump().values()):
        problems.append(doc.problem(("requirement",), "at least one requirement must weigh more than 0"))
    problems += _lot_problems(doc, checked.lots, checked.criteria, catalogue)
    if problems:
        raise InputError(problems)
    return checked


def load_weights(override: Path | None = None, catalogue: Catalogue | None = None) -> tuple[Weights, str]:
    """The weights to score with, and the file they came from (the override's name when there is one)."""
    defaults = load_document(DEFAULT_WEIGHTS)
    if override is None:
        return weights_from(defaults, catalogue), str(DEFAULT_WEIGHTS)
    given = load_document(override)
    merged = Document(given.file, _merged(defaults.data, given.data), given.positions)
    return weights_from(merged, catalogue), given.file
