"""Hostile input, error messages: every problem is one escaped line, whatever a file name or a YAML key holds
(review 2026-12-02, rows 21 and 27)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from hdhport.errors import Problem, escape

FORGED = "providers/profiles/azure-francecentral.yaml:12:40: key_custody.byok: forged line"


@pytest.mark.parametrize("key", [f"evil\n{FORGED}", "evil\r\x1b[2K\rok: all good", "evil\u2028x", "evil\u202ex",
                                 "evil\x85x", "evil\x00x"])
def test_a_control_character_in_a_yaml_key_is_escaped_on_one_line(cli: Any, tmp_path: Path, key: str) -> None:
    """Row 21: a key holding a newline or an ANSI sequence cannot forge a second error line or erase one."""
    quoted = key.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    profile = (DATA / "mini_profile.yaml").read_text(encoding="utf-8") + f'"{quoted}": 1\n'
    target = tmp_path / "evil.yaml"
    target.write_text(profile, encoding="utf-8")
    result = cli("--catalog", str(DATA / "mini_catalog.yaml"), "--profiles-dir", str(tmp_path), "validate",
                 str(target))
    assert result.code == 2 and result.out == "", result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{target}:"), result.err
    assert not any(c in result.err[:-1] for c in "\r\x1b\x00\x85\u2028\u202e")
    assert escape(key) in lines[0]


def test_a_problem_escapes_its_file_name_and_path_too() -> None:
    """Row 21: the file name (an undecodable byte, a newline) and the dotted path are escaped like the message."""
    problem = Problem("bad-\udcff\n.yaml", 3, 4, "a\x1b[31mb", "line one\nline two\x1b[0m")
    assert str(problem) == "bad-\\udcff\\n.yaml:3:4: a\\x1b[31mb: line one line two\\x1b[0m"


# --------------------------------------------------------------------------- row 27: confusing but safe


def test_a_quoted_date_is_read_and_a_malformed_one_says_how_to_write_it(cli: Any, tmp_path: Path) -> None:
    """Row 27: a quoted date gave pydantic's `Input should be a valid date (got str '2026-11-22')`."""
    text = (DATA / "mini_profile.yaml").read_text(encoding="utf-8")
    catalogue = ("--catalog", str(DATA / "mini_catalog.yaml"))
    quoted = tmp_path / "quoted.yaml"
    quoted.write_text(text.replace("date: 2026-01-01}\n", 'date: "2026-11-22"}\n', 1), encoding="utf-8")
    assert cli(*catalogue, "validate", str(quoted)).code == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("date: 2026-01-01}\n", 'date: "22/11/2026"}\n', 1), encoding="utf-8")
    result = cli(*catalogue, "validate", str(wrong))
    assert result.code == 2 and len(result.err.splitlines()) == 1, result.err
    assert result.err.endswith("jurisdiction.date: expected a date written YYYY-MM-DD, or YYYY-MM when the source "
                               "gives only the month (got '22/11/2026')\n"), result.err


def test_a_weight_in_exponent_form_without_a_dot_says_yaml_needs_one(cli: Any, tmp_path: Path) -> None:
    """Row 27: `coverage: 1e-300` said only `Input should be a valid number (got str '1e-300')`."""
    weights = tmp_path / "w.yaml"
    weights.write_text("criteria:\n  coverage: 1e-300\n", encoding="utf-8")
    result = cli("diff", "scaleway", "--weights", str(weights))
    assert (result.code, result.err) == (2, f"{weights}:2:3: criteria.coverage: expected a number (got '1e-300'); "
                                            "YAML reads a number with an exponent but no dot as text: write "
                                            "1.0e-300\n")


def test_a_huge_flow_list_is_refused_while_it_is_read(tmp_path: Path) -> None:
    """Row 27: a 4 MB flow list of 2.1 million items was refused (`document is too large`) only after 8.2 s and
    520 MB, once every item was built; now at the list, as soon as it passes MAX_ITEMS."""
    from hdhport import yamlsource
    from hdhport.errors import InputError

    big = tmp_path / "flow.yaml"
    big.write_text("id: x\nitems: [" + ",".join(["1"] * 2_100_000) + "]\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        yamlsource.load_document(big)
    assert [str(p) for p in refused.value.problems] == [
        f"{big}:2:1: items: a list of more than 100,000 items; no file hdhport reads holds that many"]


def test_a_mapping_of_too_many_keys_is_refused_while_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 27: the same limit holds for the keys of one mapping (10 here, to keep the test short)."""
    from hdhport import yamlsource
    from hdhport.errors import InputError

    monkeypatch.setattr(yamlsource, "MAX_ITEMS", 10)
    with pytest.raises(InputError) as refused:
        yamlsource.parse_text("id: x\nm:\n" + "".join(f"  k{i}: 1\n" for i in range(11)), "m.yaml")
    assert [str(p) for p in refused.value.problems] == [
        "m.yaml:2:1: m: a mapping of more than 10 keys; no file hdhport reads holds that many"]


def test_profile_list_given_the_catalogue_says_it_is_not_a_profile(cli: Any) -> None:
    """Row 27: `profile list services_catalog.yaml` printed an empty table with exit 0."""
    from hdhport import paths

    result = cli("profile", "list", str(paths.CATALOGUE))
    assert (result.code, result.out) == (2, ""), result.out
    assert result.err == (f"{paths.CATALOGUE}:1:1: this is a catalogue (it has `services`), not a profile: give "
                          "profile files, or none for the shipped profiles\n")
