"""Each bidder's monthly cost of the same platform, for `hdhport diff --cost`: `hdhport cost` run per bidder.

A bidder is estimated only when hdhport can plan it (its API family is one the toolkit deploys) and its offer
has a price book (providers/prices/<id>.yaml); the others say why there is no figure. Planning runs the
Pulumi program on the mock engine (seconds per bidder, and it imports the SDK), which is why the diff does it
only when asked; each (profile file, enclaves) is planned once per run. The usage no plan can see is the same
for every bidder (hdhport.cost.meters.Assumptions defaults), so the figures compare like with like.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.errors import InputError
from hdhport.model import Profile
from hdhport.procurement.report import BidderCost
from hdhport.registry import API_FAMILIES

#: Enclaves every bidder is costed for unless --enclaves says otherwise: what the shipped stacks plan.
DEFAULT_ENCLAVES = 3

_CACHE: dict[tuple[str, int], BidderCost] = {}


def _shipped_stack(profile_id: str) -> str | None:
    """The shipped Pulumi.<stack>.yaml whose `hdh:profile` is this profile (it holds the bidder's zones and
    flavors), or None."""
    from hdhport import stackfile

    for path in sorted(paths.ROOT.glob("Pulumi.*.yaml")):
        name = path.name[len("Pulumi."):-len(".yaml")]
        if stackfile.exists(name) and stackfile.read(name).config.get("hdh:profile") == profile_id:
            return name
    return None


def _plan_input(profile: Profile, source: str) -> tuple[str, dict[str, Any], str]:
    """Stack name, config and origin to plan this bidder with: its shipped stack when the profile is the shipped
    file, else a config made from the profile file itself (a bidder's own answer given on the command line)."""
    from hdhport import planner

    shipped = paths.PROFILES_DIR / f"{profile.id}.yaml"
    if shipped.exists() and Path(source).resolve() == shipped.resolve():
        stack = _shipped_stack(profile.id)
        if stack is not None:
            return stack, planner.stack_config(stack), f"Pulumi.{stack}.yaml"
        name, config = planner.config_for_profile(profile.id)
        return name, config, str(shipped)
    name, config = planner.config_for_profile(source)
    return name, config, source


def bidder_cost(profile: Profile, source: str, enclaves: int) -> BidderCost:
    """The bidder's cost, planned and priced once per (profile file, enclaves) in this process."""
    key = (str(Path(source).resolve()), enclaves)
    if key not in _CACHE:
        _CACHE[key] = _estimate(profile, source, enclaves)
    return _CACHE[key]


def _none(status: Any, enclaves: int, detail: str, book: str | None = None, stack: str | None = None) -> BidderCost:
    return BidderCost(status=status, enclaves=enclaves, known_eur=None, at_least=False, lines=0, unknown_lines=0,
                      unknown_share=None, price_book=book, stack=stack, detail=detail)


def _estimate(profile: Profile, source: str, enclaves: int) -> BidderCost:
    from hdhport.cost import book as books

    if profile.api_family not in API_FAMILIES:
        return _none("not deployable", enclaves, f"api family '{profile.api_family}' is not planned by hdhport "
                                                 f"(deployable: {', '.join(API_FAMILIES)})")
    book_file = books.PRICES_DIR / f"{profile.id}.yaml"
    if not book_file.exists():
        return _none("no price book", enclaves, f"no price book: providers/prices/{profile.id}.yaml does not exist")
    from hdhport.cost.cli import estimate
    from hdhport.cost.meters import Assumptions
    from infra.program import GapError

    book = books.load_book(profile.id)
    shown = f"providers/prices/{profile.id}.yaml"
    stack, config, origin = _plan_input(profile, source)
    try:
        result = estimate(stack, config, origin, enclaves=enclaves, assume=Assumptions(), book=book)
    except (GapError, InputError) as exc:
        return _none("not planned", enclaves, f"the offline plan failed: {' '.join(str(exc).split())}", shown, origin)
    summary = result.summary()
    return BidderCost(status="estimated", enclaves=result.enclaves, known_eur=summary["known_total_eur"],
                      at_least=summary["at_least"], lines=summary["lines"], unknown_lines=summary["unknown_lines"],
                      unknown_share=summary["unknown_share"], price_book=shown, stack=origin,
                      detail=result.total_text())


def assumptions() -> list[str]:
    from hdhport.cost.meters import Assumptions
    from hdhport.migrate.runbook import VOLUME_SHARES

    return Assumptions().describe(VOLUME_SHARES)


def costs(profiles: Mapping[str, Profile], sources: Mapping[str, str], bidder_ids: Sequence[str],
          enclaves: int) -> dict[str, BidderCost]:
    return {pid: bidder_cost(profiles[pid], sources[pid], enclaves) for pid in bidder_ids}


def scorable(cost: BidderCost | None, min_known_share: float) -> bool:
    """Whether a cost can be compared: estimated, above 0, and with at least `min_known_share` of its lines
    priced. An unknown-heavy total is a floor, and a floor ranks whoever published least as the cheapest."""
    return (cost is not None and cost.status == "estimated" and cost.known_eur is not None and cost.known_eur > 0
            and 1 - (cost.unknown_share or 0.0) >= min_known_share - 1e-9)
