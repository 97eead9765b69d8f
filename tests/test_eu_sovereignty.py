"""The EU Cloud Sovereignty Framework as data, and what each profile's facts establish against it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from hdhport import paths
from hdhport.errors import InputError
from hdhport.loader import load_specification
from hdhport.model import Profile
from hdhport.procurement.eu_sovereignty import (
    DEFAULT_FRAMEWORK, OBJECTIVE_IDS, RULES, EuSovereignty, ObjectiveAssessment, assess, load_framework,
    meets_minimum,
)
from hdhport.yamlsource import load_document

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
FRAMEWORK = load_framework()
TODAY = dt.date(2026, 11, 22)


def _assess(profile: Profile, today: dt.date = TODAY) -> EuSovereignty:
    return assess(profile, FRAMEWORK, today)


def _objective(result: EuSovereignty, objective_id: str) -> ObjectiveAssessment:
    return next(o for o in result.objectives if o.id == objective_id)


def _profile(profile_id: str) -> Profile:
    return SPEC.profiles[profile_id]


def _with(profile: Profile, part: str, **fields: Any) -> Profile:
    """The profile with some fields of one part changed (jurisdiction, key_custody...)."""
    return profile.model_copy(update={part: getattr(profile, part).model_copy(update=fields)})


def _with_secnumcloud(profile: Profile, **fields: Any) -> Profile:
    q = profile.qualifications
    return profile.model_copy(update={"qualifications": q.model_copy(
        update={"secnumcloud": q.secnumcloud.model_copy(update=fields)})})


# ------------------------------------------------------------------ the shipped framework


def test_the_shipped_framework_loads_with_its_eight_objectives_five_levels_and_sourced_weights() -> None:
    assert [o.id for o in FRAMEWORK.objectives] == list(OBJECTIVE_IDS)
    assert [s.level for s in FRAMEWORK.seal_levels] == [0, 1, 2, 3, 4]
    assert {o.id: o.weight for o in FRAMEWORK.objectives} == {
        "SOV-1": 15, "SOV-2": 10, "SOV-3": 10, "SOV-4": 15, "SOV-5": 20, "SOV-6": 15, "SOV-7": 10, "SOV-8": 5}
    assert FRAMEWORK.framework.version == "1.2.1"
    assert FRAMEWORK.framework.date.isoformat() == "2025-10"  # the source gives only the month
    assert FRAMEWORK.minimum_seal.cloud_iii_dps is None  # unknown, not guessed


def test_every_objective_has_one_rule_and_every_rule_an_objective() -> None:
    assert set(RULES) == {o.id for o in FRAMEWORK.objectives}


# ------------------------------------------------------------------ a malformed framework, located


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "eu_sovereignty.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and text in line)


def _shipped() -> dict[str, Any]:
    data = load_document(DEFAULT_FRAMEWORK).data
    assert isinstance(data, dict)
    return data


def test_an_objective_without_its_source_is_reported_at_that_objective(tmp_path: Path) -> None:
    data = _shipped()
    del data["objectives"][1]["source"]
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_framework(path)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("objectives.SOV-2", _line_of(path, "id: SOV-2"))
    assert "source" in problem.message


def test_a_level_off_the_scale_is_reported_at_its_line(tmp_path: Path) -> None:
    data = _shipped()
    data["seal_levels"][2]["level"] = 7
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_framework(path)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("seal_levels[2].level", _line_of(path, "level: 7"))


def test_a_missing_level_a_repeated_objective_and_bad_weights_are_all_reported_at_once(tmp_path: Path) -> None:
    data = _shipped()
    data["seal_levels"][3]["level"] = 2  # SEAL-2 twice, SEAL-3 missing
    data["objectives"][7]["id"] = "SOV-7"  # SOV-7 twice, SOV-8 missing
    data["objectives"][0]["weight"] = 25  # the weights now add up to 110
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_framework(path)
    messages = sorted(p.message for p in caught.value.problems)
    assert any("level SEAL-2 is listed twice" in m for m in messages)
    assert any("missing level: SEAL-3" in m for m in messages)
    assert any("objective SOV-7 is listed twice" in m for m in messages)
    assert any("missing objective: SOV-8" in m for m in messages)
    assert any("add up to 110" in m for m in messages)
    assert all(p.line > 0 for p in caught.value.problems)


def test_an_unknown_weight_loads_and_leaves_the_weighted_score_uncomputed(tmp_path: Path) -> None:
    data = _shipped()
    data["objectives"][4]["weight"] = None
    framework = load_framework(_write(tmp_path, data))
    result = assess(_profile("azure-francecentral"), framework, TODAY)
    assert (result.score, result.best_case) == (None, None)
    assert _objective(result, "SOV-2").level == 1  # the levels do not need the weights


# ------------------------------------------------------------------ shipped profiles


def test_azure_is_exactly_seal_1_on_legal_and_capped_at_1_on_strategic_and_overall() -> None:
    result = _assess(_profile("azure-francecentral"))
    legal = _objective(result, "SOV-2")
    assert (legal.level, legal.at_least, legal.at_most) == (1, 1, 1)
    assert {f.path: f.value for f in legal.facts}["jurisdiction.headquarters"] == "US"
    strategic = _objective(result, "SOV-1")
    assert (strategic.level, strategic.at_least, strategic.at_most) == (None, 0, 1)
    # SEAL-4 needs complete EU control, subject only to EU law: ruled out everywhere
    assert all(o.at_most <= 3 for o in result.objectives)
    assert (result.level, result.at_least, result.at_most) == (None, 0, 1)
    assert meets_minimum(result, 2) is False  # settled by the facts: a SEAL-2 tender excludes it
    assert (result.score, result.best_case) == (7.5, 62.5)


def test_scaleway_is_at_least_seal_1_on_legal_but_its_level_is_unknown() -> None:
    result = _assess(_profile("scaleway"))
    legal = _objective(result, "SOV-2")
    assert (legal.level, legal.at_least, legal.at_most) == (None, 1, 4)
    assert "at least SEAL-1" in legal.reason
    assert _objective(result, "SOV-3").at_least == 1  # BYOK, HYOK unknown: EU regions only
    assert _objective(result, "SOV-7").at_least == 1  # HDS certified, SecNumCloud only at J0
    assert _objective(result, "SOV-1").at_least == 0  # J0 is not a qualification
    assert meets_minimum(result, 2) is None
    assert (result.score, result.best_case) == (7.5, 100.0)


def test_s3ns_secnumcloud_3_2_and_hyok_establish_seal_2_on_four_objectives() -> None:
    result = _assess(_profile("s3ns-premi3ns"))
    floors = {o.id: o.at_least for o in result.objectives}
    assert floors == {"SOV-1": 2, "SOV-2": 2, "SOV-3": 2, "SOV-4": 0, "SOV-5": 0, "SOV-6": 0, "SOV-7": 2, "SOV-8": 0}
    assert all(o.at_most == 4 and o.level is None for o in result.objectives)
    data = {f.path: f.value for f in _objective(result, "SOV-3").facts}
    assert data["key_custody.hyok"] == "yes"
    assert result.score == 22.5  # (15 + 10 + 10 + 10) x 2 / 4
    assert meets_minimum(result, 2) is None  # supply chain is unknown: not established, not excluded


def test_a_lapsed_qualification_establishes_nothing() -> None:
    result = _assess(_profile("s3ns-premi3ns"), today=dt.date(2029, 1, 1))
    assert _objective(result, "SOV-1").at_least == 0
    assert _objective(result, "SOV-2").at_least == 1  # the regions are still in France


def test_a_qualification_whose_version_is_unknown_does_not_establish_the_3_2_immunity() -> None:
    snc = _profile("ovhcloud-bare-metal-pod-snc").qualifications.secnumcloud
    assert (snc.status, snc.version) == ("qualified", None)
    result = _assess(_profile("ovhcloud-bare-metal-pod-snc"))
    assert _objective(result, "SOV-1").at_least == 0
    assert _objective(result, "SOV-7").at_least == 1


@pytest.mark.parametrize("profile_id", sorted(SPEC.profiles))
def test_objectives_no_profile_fact_covers_stay_unknown(profile_id: str) -> None:
    result = _assess(_profile(profile_id))
    for objective_id in ("SOV-4", "SOV-5", "SOV-6", "SOV-8"):
        objective = _objective(result, objective_id)
        assert (objective.level, objective.at_least) == (None, 0), objective.reason
    for objective in result.objectives:
        assert objective.at_least <= objective.at_most
        assert (objective.level is not None) == (objective.at_least == objective.at_most)
    assert result.assessed + result.unknown == 8


# ------------------------------------------------------------------ unknown facts give unknown, never a level


def test_a_placeholder_jurisdiction_is_unknown_not_a_level() -> None:
    azure = _with(_profile("azure-francecentral"), "jurisdiction", source="(to fill)")
    result = _assess(azure)
    legal = _objective(result, "SOV-2")
    assert (legal.level, legal.at_least, legal.at_most) == (None, 1, 4)  # only the regions still speak
    assert _objective(result, "SOV-1").at_most == 4
    assert "(placeholder source)" in {f.path: f.value for f in legal.facts}["jurisdiction.headquarters"]


def test_a_profile_whose_facts_are_all_placeholders_earns_no_level_and_no_points() -> None:
    profile = _profile("scaleway")
    for part in ("jurisdiction", "key_custody"):
        profile = _with(profile, part, source="(to fill)")
    profile = profile.model_copy(update={"regions": [r.model_copy(update={"source": "(to fill)"})
                                                     for r in profile.regions]})
    q = profile.qualifications
    profile = profile.model_copy(update={"qualifications": q.model_copy(update={
        "hds": q.hds.model_copy(update={"source": "(to fill)"}),
        "secnumcloud": q.secnumcloud.model_copy(update={"status": "qualified", "version": "3.2",
                                                        "source": "(to fill)"})})})
    result = _assess(profile)
    assert all((o.level, o.at_least, o.at_most) == (None, 0, 4) for o in result.objectives)
    assert (result.score, result.best_case, result.assessed) == (0.0, 100.0, 0)


def test_eu_headquarters_without_exposure_establishes_seal_2_on_legal() -> None:
    scaleway = _with(_profile("scaleway"), "jurisdiction", extraterritorial_exposure="no")
    assert _objective(_assess(scaleway), "SOV-2").at_least == 2


def test_an_eu_operator_exposed_to_non_eu_law_is_capped_at_seal_2_on_legal() -> None:
    scaleway = _with(_profile("scaleway"), "jurisdiction", extraterritorial_exposure="yes")
    legal = _objective(_assess(scaleway), "SOV-2")
    assert (legal.at_least, legal.at_most) == (1, 2)


def test_a_region_outside_the_eu_caps_data_sovereignty_at_seal_1() -> None:
    profile = _profile("s3ns-premi3ns")
    moved = profile.model_copy(update={"regions": [profile.regions[0].model_copy(update={"country": "US"})]})
    data = _objective(_assess(moved), "SOV-3")
    assert (data.at_least, data.at_most) == (0, 1)


def test_facts_that_contradict_each_other_establish_nothing() -> None:
    # SecNumCloud 3.2 requires an EU seat: a qualified operator headquartered in the US is a contradiction
    profile = _with(_with_secnumcloud(_profile("azure-francecentral"), status="qualified", version="3.2",
                                      qualified_on=dt.date(2026, 1, 1)), "jurisdiction")
    strategic = _objective(_assess(profile), "SOV-1")
    assert (strategic.level, strategic.at_least, strategic.at_most) == (None, 0, 4)
    assert "contradict" in strategic.reason


def test_meets_minimum_is_true_only_when_every_objective_is_established() -> None:
    result = _assess(_profile("s3ns-premi3ns"))
    assert meets_minimum(result, 0) is True
    assert meets_minimum(result, 1) is None
