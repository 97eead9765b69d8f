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
