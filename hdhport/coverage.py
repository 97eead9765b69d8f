"""How much of the catalogue each profile covers, by offer kind and by requirement."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hdhport.model import Catalogue, Profile
from hdhport.registry import API_FAMILIES

OFFER_KINDS = ("native", "self-hosted", "gap", "unknown")


@dataclass(frozen=True)
class Coverage:
    profile: Profile
    counts: dict[str, int]        # offer kind -> number of services
    must_total: int
    must_covered: int             # `must` services offered native or self-hosted
    must_missing: list[str]       # `must` services the profile answers `gap`
    deployable: bool              # the toolkit deploys this API family

    def row(self) -> list[object]:
        p = self.profile
        return [p.id, p.api_family, "yes" if self.deployable else "no",
                p.qualifications.secnumcloud.status, p.qualifications.hds.status,
                p.jurisdiction.extraterritorial_exposure,
                *(self.counts[k] for k in OFFER_KINDS), f"{self.must_covered}/{self.must_total}"]


HEADERS = ["profile", "api family", "deployable", "secnumcloud", "hds", "extraterritorial",
           *OFFER_KINDS, "must covered"]


def coverage(catalogue: Catalogue, profile: Profile) -> Coverage:
    counts: Counter[str] = Counter(offer.offer for offer in profile.offers.values())
    must = [s.id for s in catalogue.services if s.requirement == "must"]
    covered = [s for s in must if profile.offers[s].offer in ("native", "self-hosted")]
    missing = [s for s in must if profile.offers[s].offer == "gap"]
    return Coverage(profile, {k: counts.get(k, 0) for k in OFFER_KINDS}, len(must), len(covered), missing,
                    profile.api_family in API_FAMILIES)
