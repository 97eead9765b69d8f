"""Facts time has overtaken (review 2026-12-02, §4 rows 4-6): `hdhport validate` warns, located, without failing,
on a SecNumCloud qualification older than its three years and on a target date that has passed; a lapsed
qualification scores as unknown and is to confirm, never a yes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from procurement_support import bidder, criterion, diff_json, shipped, write_profile


def _profile(tmp_path: Path, profile_id: str, base: str, **secnumcloud: Any) -> str:
    data = shipped(base)
    data["id"] = profile_id
    data["qualifications"]["secnumcloud"] |= secnumcloud
    return str(write_profile(tmp_path, data))


def _line_of(path: str, key: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, start=1) if text.strip().startswith(f"{key}:"))


def test_validate_warns_on_a_lapsed_qualification_and_a_past_target(cli: Any, tmp_path: Path) -> None:
    old = _profile(tmp_path, "old-qualification", "s3ns-premi3ns", qualified_on="2022-03")
    late = _profile(tmp_path, "late-promise", "bleu", expected_on="2026-06")
    result = cli("validate", old, late)
    assert result.code == 0, result.err  # a warning, not a failure
    assert "ok: catalogue" in result.out
    warnings = [line for line in result.err.splitlines() if line.startswith("WARN ")]
    assert warnings == [  # by profile id, each at its key
        f"WARN {late}:{_line_of(late, 'expected_on')}:5: qualifications.secnumcloud.expected_on: target date 2026-06 "
        "has passed and the status is still j0: cite a newer source, or say what is unknown",
        f"WARN {old}:{_line_of(old, 'qualified_on')}:5: qualifications.secnumcloud.qualified_on: qualified on "
        "2022-03: a SecNumCloud qualification lasts 3 years, so it lapsed on 2025-03-01 unless renewed; it counts as "
        "unknown until a source dated after that shows the renewal (set qualified_on to it)",
    ], result.err


def test_the_shipped_profiles_hold_no_overtaken_fact(cli: Any) -> None:
    result = cli("validate")
    assert result.code == 0 and "WARN" not in result.err, result.err


def test_a_lapsed_qualification_is_unknown_and_to_confirm(cli: Any, tmp_path: Path) -> None:
    old = _profile(tmp_path, "old-qualification", "s3ns-premi3ns", qualified_on="2022-03-01")
    report = diff_json(cli, old, "s3ns-premi3ns", "--require", "secnumcloud")
    lapsed, current = bidder(report, "old-qualification"), bidder(report, "s3ns-premi3ns")
    parts = {p["label"]: p for p in criterion(lapsed, "sovereignty")["parts"]}
    assert parts["SecNumCloud status"]["points"] == 0 and parts["SecNumCloud status"]["unknown"]
    assert "lapsed on 2025-03-01" in parts["SecNumCloud status"]["detail"]
    assert any("lapsed on 2025-03-01" in reason for reason in lapsed["verdict"]["to_confirm"])
    current_parts = {p["label"]: p for p in criterion(current, "sovereignty")["parts"]}
    assert current_parts["SecNumCloud status"]["points"] > 0
    assert not any("lapsed" in reason for reason in current["verdict"]["to_confirm"])
