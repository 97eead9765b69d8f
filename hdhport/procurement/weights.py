"""The weights of the procurement scores: the documented defaults, and a buyer's override checked line by line.

The defaults live in weights.yaml beside this module, one comment per weight. A buyer's file holds only
the keys to change; it is merged over the defaults and then checked as a whole, so a mistyped key or an
out-of-range value is reported at its line and column in the buyer's file, like any other input.
"""
from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hdhport import loader
from hdhport.errors import InputError, Problem
from hdhport.yamlsource import Document, load_document

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


class Weights(_Strict):
    """Every number the scores use; see weights.yaml for what each means and why it has its default."""

    criteria: CriteriaWeights
    requirement: RequirementWeights
    coverage: OfferCredits
    deployability: OfferCredits
    reversibility: InterfaceCredits
    sovereignty: SovereigntyWeights
    cost: CostWeights


def _merged(defaults: Any, override: Any) -> Any:
    """The defaults with the override's keys replacing theirs, mapping by mapping."""
    if not isinstance(defaults, dict) or not isinstance(override, dict):
        return override
    merged = dict(defaults)
    for key, value in override.items():
        merged[key] = _merged(defaults.get(key), value) if key in defaults else value
    return merged


def _must_add_up_to_100(doc: Document, path: tuple[str, ...], values: BaseModel) -> list[Problem]:
    total = sum(float(v) for v in values.model_dump().values())
    if abs(total - 100) > 1e-9:
        return [doc.problem(path, f"these add up to {total:g}; they must add up to 100")]
    return []


def weights_from(doc: Document) -> Weights:
    """Check a complete weights document; every problem is reported at once."""
    weights, problems = loader._validate(Weights, doc)  # the loader's located pydantic messages
    if weights is None:
        raise InputError(problems)
    checked = typing.cast(Weights, weights)
    problems = _must_add_up_to_100(doc, ("criteria",), checked.criteria)
    problems += _must_add_up_to_100(doc, ("sovereignty", "points"), checked.sovereignty.points)
    if not any(checked.requirement.model_dump().values()):
        problems.append(doc.problem(("requirement",), "at least one requirement must weigh more than 0"))
    if problems:
        raise InputError(problems)
    return checked


def load_weights(override: Path | None = None) -> tuple[Weights, str]:
    """The weights to score with, and the file they came from (the override's name when there is one)."""
    defaults = load_document(DEFAULT_WEIGHTS)
    if override is None:
        return weights_from(defaults), str(DEFAULT_WEIGHTS)
    given = load_document(override)
    merged = Document(given.file, _merged(defaults.data, given.data), given.positions)
    return weights_from(merged), given.file
