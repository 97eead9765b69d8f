"""The diff's judgements one rule at a time: interfaces, controls, changes, sovereignty, and the arithmetic."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hdhport import paths
from hdhport.loader import load_specification
from hdhport.model import Offer, Profile
from hdhport.procurement.diff import cells, change, controls_verdict, interface_verdict
from hdhport.procurement.report import Scores
from hdhport.procurement.scores import apportion, score
from hdhport.procurement.weights import Weights, load_weights

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
CATALOGUE = SPEC.catalogue
OBJECTS = CATALOGUE.service("object_storage")
DEFAULTS, _ = load_weights()
TODAY = dt.date(2026, 11, 22)


def _offer(**fields: Any) -> Offer:
    return Offer.model_validate({"source": "test", "date": TODAY, **fields})


@pytest.mark.parametrize(("fields", "status", "spoken"), [
    ({"offer": "native", "product": "Swift", "interfaces": ["swift", "s3"]}, "open", ["s3"]),
    ({"offer": "native", "product": "Swift", "interfaces": ["swift"]}, "open", []),
    ({"offer": "native", "product": "Blob", "interfaces": ["azure-blob", "https"], "proprietary_api": "yes"},
     "proprietary", []),
    ({"offer": "native", "product": "Blob", "interfaces": ["azure-arm", "azure-blob"], "proprietary_api": "yes"},
     "proprietary", []),
    ({"offer": "native", "product": "Blob", "interfaces": ["azure-blob"]}, "proprietary", []),
    ({"offer": "native", "product": "K", "interfaces": ["ovh-api", "s3"], "proprietary_api": "yes"}, "open", ["s3"]),
    ({"offer": "self-hosted", "product": "MinIO", "proprietary_api": "no"}, "open", []),
    ({"offer": "native", "product": "X"}, "unknown", []),
    ({"offer": "unknown"}, "unknown", []),
    ({"offer": "gap", "reason": "none"}, "n/a", []),
])
def test_interface_verdict(fields: dict[str, Any], status: str, spoken: list[str]) -> None:
    verdict = interface_verdict(OBJECTS, _offer(**fields), CATALOGUE)
    assert (verdict.status, verdict.spoken) == (status, spoken)


def test_a_management_api_that_is_proprietary_is_named_even_when_the_data_interface_is_open() -> None:
    verdict = interface_verdict(OBJECTS, _offer(offer="native", product="K", interfaces=["ovh-api", "s3"]), CATALOGUE)
    assert verdict.detail == "speaks s3; management API proprietary (ovh-api)"


def test_controls_absent_from_the_offer_are_unknown_not_missing() -> None:
    assert controls_verdict(OBJECTS, _offer(offer="native", product="S")).status == "unknown"
    some = controls_verdict(OBJECTS, _offer(offer="native", product="S", controls=["versioning"]))
    assert some.status == "partial" and some.supported == ["versioning"]
    assert set(some.missing) == set(OBJECTS.controls) - {"versioning"}
    everything = controls_verdict(OBJECTS, _offer(offer="native", product="S", controls=list(OBJECTS.controls)))
    assert (everything.status, everything.missing) == ("all", [])


def _cell(profile_id: str, service: str) -> Any:
    profile = SPEC.profiles[profile_id]
    return cells(CATALOGUE, profile)[[s.id for s in CATALOGUE.services].index(service)]


def _variant(profile_id: str, offer: dict[str, Any]) -> Any:
    profile = SPEC.profiles[profile_id]
    offers = dict(profile.offers) | {"object_storage": _offer(**offer)}
    changed = profile.model_copy(update={"offers": offers})
    return cells(CATALOGUE, changed)[[s.id for s in CATALOGUE.services].index("object_storage")]


def test_changes_against_the_baseline() -> None:
    before = _cell("azure-francecentral", "object_storage")
    assert before.offer == "native" and before.interface.status == "proprietary"
    lost = change(before, _variant("openstack-reference", {"offer": "gap", "reason": "no"}))
    assert (lost.kind, lost.details) == ("lost", ["offer: native -> gap"])
    unknown = change(before, _variant("openstack-reference", {"offer": "unknown"}))
    assert unknown.kind == "unknown"
    opened = change(before, _variant("openstack-reference", {"offer": "native", "product": "Swift",
                                                              "interfaces": ["s3"], "secnumcloud_scope": "yes"}))
    assert opened.kind == "improved"
    assert "interface: proprietary -> open" in opened.details and "secnumcloud scope: no -> yes" in opened.details
    self_run = change(before, _variant("openstack-reference", {"offer": "self-hosted", "product": "MinIO",
                                                               "interfaces": ["s3"]}))
    assert self_run.kind == "degraded" and self_run.details[0] == "offer: native -> self-hosted"
    gained = change(_variant("openstack-reference", {"offer": "gap", "reason": "no"}), before)
    assert gained.kind == "gained"


def _profile(**changes: Any) -> Profile:
    """The S3NS profile (qualified 3.2 on 2025-12-17) with some sovereignty facts changed."""
    profile = SPEC.profiles["s3ns-premi3ns"]
    return profile.model_copy(update=changes)


def _sovereignty(profile: Profile, weights: Weights = DEFAULTS, today: dt.date = TODAY) -> dict[str, Any]:
    scores = score(CATALOGUE, profile, cells(CATALOGUE, profile), weights, today)
    return {p.label: p for p in next(c for c in scores.criteria if c.id == "sovereignty").parts}


def test_a_recent_qualification_on_the_required_version_earns_its_points() -> None:
    parts = _sovereignty(_profile())
    assert parts["SecNumCloud status"].points == 25
    assert parts["SecNumCloud version"].points == 5 and parts["SecNumCloud version"].detail == "3.2 (meets 3.2)"
    assert parts["SecNumCloud qualification date"].points == 5


def test_an_old_qualification_or_an_older_version_earns_no_date_or_version_points() -> None:
    # A buyer asking for a qualification under 2 years; still within its 3-year validity (2025-12-17).
    stricter = DEFAULTS.model_copy(update={"sovereignty": DEFAULTS.sovereignty.model_copy(
        update={"qualification_max_age_years": 2})})
    snc = SPEC.profiles["s3ns-premi3ns"].qualifications.secnumcloud.model_copy(update={"version": "3.1"})
    qualifications = SPEC.profiles["s3ns-premi3ns"].qualifications.model_copy(update={"secnumcloud": snc})
    parts = _sovereignty(_profile(qualifications=qualifications), stricter, today=dt.date(2028, 6, 1))
    assert parts["SecNumCloud status"].points == 25
    assert parts["SecNumCloud version"].points == 0 and not parts["SecNumCloud version"].unknown
    date = parts["SecNumCloud qualification date"]
    assert date.points == 0 and "older than 2 years" in date.detail


def test_a_qualification_past_its_three_years_is_unknown() -> None:
    parts = _sovereignty(_profile(), today=dt.date(2030, 1, 1))
    for label in ("SecNumCloud status", "SecNumCloud version", "SecNumCloud qualification date"):
        assert parts[label].points == 0 and parts[label].unknown, label
    assert "lapsed on 2028-12-17" in parts["SecNumCloud status"].detail


@pytest.mark.parametrize(("byok", "hyok", "points", "unknown"), [
    ("yes", "yes", 15, False), ("yes", "unknown", 9, False), ("no", "no", 0, False),
    ("unknown", "no", 0, True), ("no", "unknown", 0, True),
])
def test_key_custody(byok: str, hyok: str, points: float, unknown: bool) -> None:
    keys = SPEC.profiles["s3ns-premi3ns"].key_custody.model_copy(update={"byok": byok, "hyok": hyok})
    part = _sovereignty(_profile(key_custody=keys))["Key custody"]
    assert (part.points, part.unknown) == (points, unknown)


def test_headquarters_zz_is_unknown_and_outside_the_eu_earns_nothing() -> None:
    law = SPEC.profiles["s3ns-premi3ns"].jurisdiction
    unstated = _sovereignty(_profile(jurisdiction=law.model_copy(update={"headquarters": "ZZ"})))["Headquarters"]
    assert (unstated.points, unstated.unknown) == (0, True)
    abroad = _sovereignty(_profile(jurisdiction=law.model_copy(update={"headquarters": "US"})))["Headquarters"]
    assert (abroad.points, abroad.unknown, abroad.detail) == (0, False, "US, outside the EU")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=60))
def test_apportioned_cents_add_up_to_the_rounded_sum(values: list[float]) -> None:
    rounded = apportion(values)
    assert round(sum(rounded), 2) == round(round(sum(values) * 100) / 100, 2)
    assert all(abs(r - v) < 0.01 + 1e-9 for r, v in zip(rounded, values))


def _weights(data: dict[str, Any]) -> Weights:
    return Weights.model_validate(DEFAULTS.model_dump() | data)


@settings(max_examples=40, deadline=None)
@given(criteria=st.lists(st.integers(min_value=0, max_value=100), min_size=3, max_size=3).filter(
           lambda w: sum(w) <= 100),
       must=st.integers(min_value=1, max_value=10), should=st.integers(min_value=0, max_value=10),
       may=st.integers(min_value=0, max_value=10), self_hosted=st.floats(min_value=0, max_value=1),
       profile_id=st.sampled_from(sorted(SPEC.profiles)))
def test_totals_add_up_from_their_breakdown_whatever_the_weights(criteria: list[int], must: int, should: int,
                                                                 may: int, self_hosted: float,
                                                                 profile_id: str) -> None:
    shares = dict(zip(("coverage", "sovereignty", "reversibility"), criteria)) | {"deployability": 100 - sum(criteria)}
    weights = _weights({"criteria": shares, "requirement": {"must": must, "should": should, "may": may},
                        "coverage": {"native": 1.0, "self_hosted": self_hosted}})
    profile = SPEC.profiles[profile_id]
    scores: Scores = score(CATALOGUE, profile, cells(CATALOGUE, profile), weights, TODAY)
    for c in scores.criteria:
        assert c.score == round(sum(p.points for p in c.parts), 2)
        assert round(sum(p.max_points for p in c.parts), 2) in (0.0, 100.0)
        assert all(0 <= p.points <= p.max_points for p in c.parts)
    assert scores.total == round(sum(c.contribution for c in scores.criteria), 2)
    assert 0 <= scores.total <= 100
