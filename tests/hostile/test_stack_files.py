"""Hostile input, stack files: `Pulumi.<stack>.yaml` goes through the one safe located reader and is read the way
Pulumi reads it; bad sizes are refused up front and blamed on where they came from (review 2026-12-02, rows 5,
15, 20, 25)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from conftest import own_project
from hdhport import planner, stackfile

SSH = planner.EXAMPLE_SSH_KEY
BASE = ("config:\n  hdh:profile: ovhcloud-public-cloud\n  hdh:region: gra\n  openstack:region: GRA11\n"
        f"  hdh:adminSshPublicKey: {SSH}\n")


@pytest.fixture
def stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory of one's own for stack files (the shipped stacks stay untouched)."""
    return own_project(monkeypatch, tmp_path)


def _stack(root: Path, name: str, text: str | bytes) -> Path:
    path = root / f"Pulumi.{name}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _one_line(result: Any) -> str:
    assert result.code == 2 and result.out == "", (result.code, result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return str(lines[0])


def test_an_alias_bomb_in_a_stack_file_is_refused_before_expansion(cli: Any, stacks: Path) -> None:
    """Row 5: a 654-byte stack file of nested aliases took 40 s, 5.6 GB and wrote an 894 MB plan."""
    bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    bomb += [f"a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]"
             for i in range(1, 9)]
    _stack(stacks, "ev-bomb8", "\n".join(bomb) + "\n" + BASE + "  openstack:insecure: *a8\n")
    started = time.perf_counter()
    result = cli("plan", "--stack", "ev-bomb8", "--out", str(stacks / "out"))
    assert time.perf_counter() - started < 5
    line = _one_line(result)
    assert line.startswith("Pulumi.ev-bomb8.yaml:2:") and "YAML aliases (*name) are not accepted" in line
    assert not (stacks / "out").exists()


def test_a_duplicate_key_in_a_stack_file_is_refused(cli: Any, stacks: Path) -> None:
    """Row 5: a second hdh:region silently won."""
    _stack(stacks, "ev-dup", BASE + "  hdh:region: sbg\n")
    line = _one_line(cli("plan", "--stack", "ev-dup"))
    assert line == ("Pulumi.ev-dup.yaml:6:3: config.hdh:region: duplicate key 'hdh:region' (first defined on line 3)")


@pytest.mark.parametrize(("value", "program_reads"), [
    ("yes", "yes"), ("on", "on"), ("1:30", "1:30"), ("true", True), ("True", "True"), ("3", 3), ("'3'", 3),
    ("2027-01-01", "2027-01-01"), ("~", ""), ("0x10", "0x10"), ("[yes, 0x10, 1_000, True, '010']",
                                                                   ["yes", 16, 1000, True, "010"]),
])
def test_stack_values_are_read_as_pulumi_reads_them(stacks: Path, value: str, program_reads: Any) -> None:
    """Row 5: `yes` was true and `1:30` was 90 (YAML 1.1). Pulumi (Go yaml.v3) passes a key's value as its text,
    which the program decodes as JSON; a list's items follow YAML 1.2 (`yes` is text, 0x10 is 16)."""
    _stack(stacks, "ev-values", BASE + f"  hdh:enclaves: {value}\n")
    assert planner.stack_config("ev-values")["hdh:enclaves"] == program_reads


@pytest.mark.parametrize(("value", "message"), [
    ("yes", "hdh:allowGaps: expected true or false, got 'yes'"),
])
def test_a_yaml_1_1_boolean_is_refused_naming_the_key_and_its_line(cli: Any, stacks: Path, value: str,
                                                                   message: str) -> None:
    """Row 5: `hdh:allowGaps: yes` planned as true; Pulumi passes the text 'yes', which is not a boolean."""
    _stack(stacks, "ev-yes", BASE + f"  hdh:allowGaps: {value}\n")
    line = _one_line(cli("plan", "--stack", "ev-yes", "--out", str(stacks / "out")))
    assert line == f"Pulumi.ev-yes.yaml:6:3: {message}"


def test_sexagesimal_enclaves_are_refused_at_their_line(cli: Any, stacks: Path) -> None:
    """Rows 5 and 25: `hdh:enclaves: 1:30` planned 90 enclaves; errors were always at 1:1."""
    _stack(stacks, "ev-sexa", BASE + "  hdh:enclaves: 1:30\n")
    line = _one_line(cli("plan", "--stack", "ev-sexa", "--out", str(stacks / "out")))
    assert line.startswith("Pulumi.ev-sexa.yaml:6:3: hdh:enclaves: expected a number of projects")


def test_a_leading_zero_is_refused_as_ambiguous(cli: Any, stacks: Path) -> None:
    """Row 5: `010` planned 8 enclaves. Pulumi reads it as the text '010' on its own and as 8 inside a list."""
    _stack(stacks, "ev-octal", BASE + "  hdh:enclaves: 010\n")
    line = _one_line(cli("plan", "--stack", "ev-octal"))
    assert line.startswith("Pulumi.ev-octal.yaml:6:17: config.hdh:enclaves: '010' is ambiguous")
    assert "write 10 or quote it" in line


@pytest.mark.parametrize(("text", "expected"), [
    ("- a\n- b\n", "Pulumi.ev-bad.yaml:1:1: expected a YAML mapping at the top of the file"),
    ("config: [1, 2\n", "Pulumi.ev-bad.yaml:2:1: invalid YAML: the '[' opened on line 1, column 9 is not closed"),
    (b"config:\n  hdh:region: gr\xe9\n", "Pulumi.ev-bad.yaml:2:17: not UTF-8 text (byte 0xe9)"),
    ("config: [a, b]\n", "Pulumi.ev-bad.yaml:1:1: config: expected a mapping of keys to values"),
])
def test_a_malformed_stack_file_is_one_located_line(cli: Any, stacks: Path, text: str | bytes, expected: str) -> None:
    """Row 15: a top-level list, a syntax error or a non-UTF-8 byte were internal errors (exit 1, 8 lines)."""
    _stack(stacks, "ev-bad", text)
    assert _one_line(cli("plan", "--stack", "ev-bad")).startswith(expected)


@pytest.mark.parametrize("name", ["", "../../etc/passwd", "a/b", ".", "x" * 101])
def test_a_stack_name_must_be_one(cli: Any, name: str) -> None:
    """Row 15: `plan --stack ''` was an internal TypeError; a path is not a stack name either."""
    line = _one_line(cli("plan", "--stack", name))
    assert line.startswith(f"--stack: {name!r} is not a stack name")


def test_enclaves_from_the_command_line_are_blamed_on_the_flag(cli: Any, tmp_path: Path) -> None:
    """Row 25: `--enclaves 16385` was blamed on `Pulumi.<stack>.yaml:1:1`."""
    line = _one_line(cli("plan", "--profile", "ovhcloud-public-cloud", "--enclaves", "16385", "--out", str(tmp_path)))
    assert line == "--enclaves: hdh:enclaves: expected 0 to 16384 projects, got 16385"


@pytest.mark.parametrize(("argv", "expected"), [
    (["--enclaves", "1000000000", "--enclave-stacks", "5"],
     "--enclaves: hdh:enclaves: expected 0 to 16384 projects, got 1000000000"),
    (["--enclaves", "16384"], "--enclaves: hdh:enclaves: 16384 enclaves are more than one `hdhport plan` holds "
                              "in memory (at most 1000, about 2.4 MB each); plan at most 1000 at a time"),
    (["--enclaves", "500", "--enclave-stacks", "1"],
     "--enclave-stacks: hdh:enclaveStacks: --enclave-stacks 1 makes 500 enclave stacks of 500 enclaves; "
     "at most 200: give more per stack"),
])
def test_absurd_sizes_are_refused_up_front(cli: Any, tmp_path: Path, argv: list[str], expected: str) -> None:
    """Rows 15 and 20: an internal ConfigError (exit 1); a MemoryError after 2.5 minutes at 16384 enclaves; 501
    stacks planned without a word. Now exit 2 at once, the cap stated, nothing written."""
    started = time.perf_counter()
    line = _one_line(cli("plan", "--profile", "ovhcloud-public-cloud", *argv, "--out", str(tmp_path / "out")))
    assert time.perf_counter() - started < 10
    assert line == expected
    assert not (tmp_path / "out").exists()


def test_the_pulumi_project_file_goes_through_the_safe_reader(tmp_path: Path) -> None:
    """Row 5, Pulumi.yaml too: the gate reads its backend with the located reader."""
    bomb = tmp_path / "Pulumi.yaml"
    bomb.write_text("name: x\nbackend: &b {url: file://x}\nother: *b\n", encoding="utf-8")
    from hdhport.errors import InputError
    from hdhport.yamlsource import load_document

    with pytest.raises(InputError, match="aliases"):
        load_document(bomb, pulumi=True)
    assert stackfile.is_stack_name("organization/hdhport/ovhcloud-public-cloud", qualified=True)
    assert not stackfile.is_stack_name("../../../etc", qualified=True)


def test_a_value_from_the_stack_file_is_blamed_on_its_line_not_on_a_flag_nobody_gave(cli: Any, stacks: Path) -> None:
    """Row 25 (as re-run on 2026-12-02): `hdh:firstEnclaveIndex` and `hdh:platformStack` written in a stack file were
    blamed on `--enclave-stacks` although no such flag was given."""
    _stack(stacks, "ev-index", BASE + "  hdh:platformStack: organization/hdhport/ovh\n  hdh:enclaves: 5\n"
                                      "  hdh:firstEnclaveIndex: 16382\n")
    result = cli("plan", "--stack", "ev-index", "--out", str(stacks / "out"))
    assert result.code == 2, result.err
    assert result.err.startswith("Pulumi.ev-index.yaml:8:3: hdh:firstEnclaveIndex: enclaves 16382 to 16386 do not fit")
    assert "--enclave-stacks" not in result.err
