"""Each bidder's monthly cost of the same platform, for `hdhport diff`: `hdhport cost` run per bidder, kept on disk.

A bidder is estimated only when hdhport can plan it (its API family is one the toolkit deploys) and its offer
has a price book (providers/prices/<id>.yaml); the others say why there is no figure. Planning runs the
Pulumi program on the mock engine (seconds per bidder, and it imports the SDK), so an estimate is kept in a
cache (out/cache/cost/, or $HDHPORT_CACHE_DIR/cost/) under the SHA-256 of everything it depends on: the
bidder's profile file, its price book, the stack files, the enclaves, and the program itself (hdhport/,
providers/, infra/, the catalogue, the locked SDK versions). Any change to one of them is a new key, so a
cached figure is never stale, only absent. `diff --cost` plans what the cache lacks and fills it; the HTML
report shows the cached figures by default without planning (and says which bidders still need `--cost`),
so it stays as fast as the other formats and never imports the SDK. The usage no plan can see is the same
for every bidder (hdhport.cost.meters.Assumptions defaults), so the figures compare like with like.
"""
from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hdhport import outputs, paths
from hdhport.errors import InputError
from hdhport.model import Profile
from hdhport.procurement.report import BidderCost
from hdhport.registry import API_FAMILIES

#: Enclaves every bidder is costed for unless --enclaves says otherwise: what the shipped stacks plan.
DEFAULT_ENCLAVES = 3

_CACHE: dict[tuple[str, int], BidderCost] = {}

#: Where estimates are kept between runs (a directory; `cost/` is made in it); default out/cache of the project.
CACHE_ENV = "HDHPORT_CACHE_DIR"
#: Bumped when what a cache entry holds, or how its key is made, changes.
CACHE_FORMAT = "hdhport-diff-cost/1"
#: What the program that plans and prices reads, under paths.ROOT (every file, __pycache__ aside).
_PROGRAM_TREES = ("hdhport", "providers", "infra")
_PROGRAM_FILES = ("services_catalog.yaml", "Pulumi.yaml", "requirements/lock.txt")
#: The SDKs a plan runs on: their installed versions stand in for requirements/lock.txt when it is absent.
_SDKS = ("pulumi", "pulumi-azure-native", "pulumi-openstack", "pulumiverse-scaleway")


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


def bidder_cost(profile: Profile, source: str, enclaves: int, *, plan: bool = True) -> BidderCost:
    """The bidder's cost: from this process's memory, else from the disk cache, else planned and priced (and then
    cached) when `plan`; without `plan`, a bidder the cache lacks is `not computed` (never planned, no SDK import)."""
    key = (str(Path(source).resolve()), enclaves)
    if key in _CACHE:
        return _CACHE[key]
    cost = _unplannable(profile, enclaves)
    if cost is None:
        digest = cache_key(profile, source, enclaves)
        cost = _cached(digest)
        if cost is None:
            if not plan:
                return _none("not computed", enclaves, "not computed yet: `hdhport diff --cost` plans it once "
                             "(offline, several seconds a bidder) and keeps the figure for the next reports",
                             f"providers/prices/{profile.id}.yaml")
            cost = _estimate(profile, source, enclaves)
            program_digest.cache_clear()  # a file edited while planning: the figure is of neither version
            if cache_key(profile, source, enclaves) == digest:
                _keep(digest, cost)
    _CACHE[key] = cost
    return cost


def cache_dir() -> Path:
    given = os.environ.get(CACHE_ENV)
    return (Path(given) if given else paths.ROOT / "out" / "cache") / "cost"


def _digest_files(digest: Any, files: Sequence[Path]) -> None:
    for path in files:
        try:
            content = path.read_bytes()
        except OSError:  # absent (a lock file outside a checkout): its absence is part of the key
            content = b"\0absent"
        name = str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path)
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)


@functools.cache
def program_digest() -> str:
    """SHA-256 of the program that plans and prices a bidder, with the data it reads: every file of hdhport/,
    providers/ and infra/, the catalogue, the Pulumi project and stack files, and the SDK versions (the lock
    file, else the installed versions). Read once a process: a few MB, a fraction of a second."""
    import hdhport

    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{hdhport.__version__}\0".encode())
    trees = [p for top in _PROGRAM_TREES for p in sorted((paths.ROOT / top).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    stacks = sorted(paths.ROOT.glob("Pulumi.*.yaml"))
    _digest_files(digest, [*trees, *(paths.ROOT / f for f in _PROGRAM_FILES), *stacks])
    if not (paths.ROOT / "requirements" / "lock.txt").is_file():
        from importlib import metadata

        for name in _SDKS:
            try:
                digest.update(f"{name}=={metadata.version(name)}\0".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name} absent\0".encode())
    return digest.hexdigest()


def cache_key(profile: Profile, source: str, enclaves: int) -> str:
    """The key of a bidder's estimate: the program, the profile file as given (a bidder's own answer may live
    anywhere), its price book, the enclaves and the usage assumed (the Assumptions defaults are in the program)."""
    from hdhport.cost import book as books

    shipped = paths.PROFILES_DIR / f"{profile.id}.yaml"
    as_shipped = shipped.exists() and Path(source).resolve() == shipped.resolve()  # planned from its stack file
    digest = hashlib.sha256(f"{program_digest()}\0{profile.id}\0{enclaves}\0{as_shipped}\0".encode())
    _digest_files(digest, [Path(source).resolve(), books.PRICES_DIR / f"{profile.id}.yaml"])
    return digest.hexdigest()


def _cached(key: str) -> BidderCost | None:
    try:
        text = (cache_dir() / f"{key}.json").read_text(encoding="utf-8")
        return BidderCost.model_validate_json(text)
    except (OSError, ValueError):  # absent, unreadable or from another version: plan again
        return None


def _keep(key: str, cost: BidderCost) -> None:
    """Keep an estimate for the next runs; a cache that cannot be written only costs a plan next time."""
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        outputs.write_atomic(cache_dir() / f"{key}.json", cost.model_dump_json(indent=1) + "\n")
    except OSError:
        pass


def _none(status: Any, enclaves: int, detail: str, book: str | None = None, stack: str | None = None) -> BidderCost:
    return BidderCost(status=status, enclaves=enclaves, known_eur=None, at_least=False, lines=0, unknown_lines=0,
                      unknown_share=None, price_book=book, stack=stack, detail=detail)


def _unplannable(profile: Profile, enclaves: int) -> BidderCost | None:
    """Why the bidder has no figure, known without planning: not deployable, or no price book; else None."""
    from hdhport.cost import book as books

    if profile.api_family not in API_FAMILIES:
        return _none("not deployable", enclaves, f"api family '{profile.api_family}' is not planned by hdhport "
                                                 f"(deployable: {', '.join(API_FAMILIES)})")
    if not (books.PRICES_DIR / f"{profile.id}.yaml").exists():
        return _none("no price book", enclaves, f"no price book: providers/prices/{profile.id}.yaml does not exist")
    return None


def _estimate(profile: Profile, source: str, enclaves: int) -> BidderCost:
    from hdhport.cost import book as books
    from hdhport.cost.cli import estimate
    from hdhport.cost.meters import Assumptions
    from hdhport.resolve import GapError

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
          enclaves: int, *, plan: bool = True) -> dict[str, BidderCost]:
    return {pid: bidder_cost(profiles[pid], sources[pid], enclaves, plan=plan) for pid in bidder_ids}


def scorable(cost: BidderCost | None, min_known_share: float) -> bool:
    """Whether a cost can be compared: estimated, above 0, and with at least `min_known_share` of its lines
    priced. An unknown-heavy total is a floor, and a floor ranks whoever published least as the cheapest."""
    return (cost is not None and cost.status == "estimated" and cost.known_eur is not None and cost.known_eur > 0
            and 1 - (cost.unknown_share or 0.0) >= min_known_share - 1e-9)
