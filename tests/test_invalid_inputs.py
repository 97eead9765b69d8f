"""Every kind of bad input gets its exact, located message and exit code 2 (fixtures in data/invalid/).

A fixture named profile_* is a profile checked against data/mini_catalog.yaml; any other fixture is
checked as the catalogue. The expected stderr sits beside it in <name>.expected; `make golden`
rewrites them (review the diff before committing).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, UPDATE_GOLDEN

INVALID = DATA / "invalid"
FIXTURES = sorted(INVALID.glob("*.yaml"))


def _argv(fixture: Path, no_profiles: Path) -> list[str]:
    """A profile fixture replaces the shipped profiles; a catalogue fixture is validated with no profile at all
    (an empty --profiles-dir: a missing one is an error of its own)."""
    if fixture.name.startswith("profile_"):
        return ["--catalog", "../mini_catalog.yaml", "validate", fixture.name]
    return ["--catalog", fixture.name, "--profiles-dir", str(no_profiles), "validate"]


def test_there_is_one_fixture_per_error_kind() -> None:
    assert len(FIXTURES) >= 30


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_invalid_input_is_refused_with_its_exact_message(fixture: Path, cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(INVALID)
    result = cli(*_argv(fixture, tmp_path))
    expected_file = fixture.with_suffix(".expected")
    if UPDATE_GOLDEN:
        expected_file.write_text(result.err, encoding="utf-8")
    assert result.code == 2
    assert result.out == ""
    assert result.err == expected_file.read_text(encoding="utf-8")
    assert "Traceback" not in result.err


def test_valid_mini_files_pass(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(DATA)
    result = cli("--catalog", "mini_catalog.yaml", "validate", "mini_profile.yaml")
    assert (result.code, result.err) == (0, "")
    assert "1 profile(s): mini-cloud" in result.out


def test_problems_in_several_files_are_all_reported_at_once(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(INVALID)
    result = cli("--catalog", "../mini_catalog.yaml", "validate",
                 "profile_bad_tristate.yaml", "profile_unknown_service.yaml", "syntax_tabs.yaml")
    assert result.code == 2
    lines = result.err.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "profile_bad_tristate.yaml", "profile_unknown_service.yaml", "syntax_tabs.yaml"]


def test_a_python_tag_is_never_executed(cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f'version: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = cli("--catalog", str(evil), "--profiles-dir", str(tmp_path), "validate")
    assert result.code == 2
    assert not marker.exists()
