"""Hostile input, migration half: `hdhport migrate plan` refuses absurd volumes and bandwidths instead of writing
Infinity into its JSON, a --plan-dir whose plan.json is a FIFO or not a plan is refused at once on one located
line, and --out is checked before the work and written atomically, never over an input (reliability review
2026-12-02, rows 12, 14, 15 and 23)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROUTE = ("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--format", "json")


@pytest.mark.parametrize(("flag", "value", "bounds"), [
    ("--volume-tb", "1e308", "1e-06 to 1e+06"), ("--volume-tb", "1e7", "1e-06 to 1e+06"),
    ("--bandwidth-gbps", "1e-320", "0.001 to 100000"), ("--bandwidth-gbps", "5e-324", "0.001 to 100000"),
    ("--bandwidth-gbps", "1e9", "0.001 to 100000")])
def test_absurd_runbook_numbers_are_refused(cli: Any, flag: str, value: str, bounds: str) -> None:
    """Row 23: `--volume-tb 1e308` wrote `"transfer_hours": Infinity` (not JSON), `--bandwidth-gbps 1e-320` too."""
    with pytest.raises(SystemExit) as exit_:
        cli(*ROUTE, flag, value)
    assert exit_.value.code == 2


def test_the_largest_accepted_numbers_give_valid_json(cli: Any) -> None:
    """Row 23: at the bounds, every number is finite and the document parses under RFC 8259 rules."""
    result = cli(*ROUTE, "--volume-tb", "1e6", "--bandwidth-gbps", "0.001")
    assert result.code == 0, result.err

    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} in the JSON")

    document = json.loads(result.out, parse_constant=no_constant)
    assert document["totals"]["transfer_hours"] > 1e9


def test_a_fifo_as_plan_json_is_refused_at_once(tmp_path: Path) -> None:
    """Row 12: a FIFO where --plan-dir holds a plan.json is named, exit 2, never read (a read would block)."""
    (tmp_path / "plans" / "ovhcloud-public-cloud").mkdir(parents=True)
    fifo = tmp_path / "plans" / "ovhcloud-public-cloud" / "plan.json"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-c", "from hdhport.cli import run; run()", *ROUTE, "--plan-dir",
                           str(tmp_path / "plans")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"{fifo}:1:1: the plan is not a regular file: it is a FIFO"


def _plans(tmp_path: Path, text: str) -> Path:
    (tmp_path / "plans" / "ovhcloud-public-cloud").mkdir(parents=True)
    (tmp_path / "plans" / "ovhcloud-public-cloud" / "plan.json").write_text(text, encoding="utf-8")
    return tmp_path / "plans"


PLAN = {"profile": "ovhcloud-public-cloud", "stack": "ovhcloud-public-cloud", "services": [], "resources": []}


@pytest.mark.parametrize(("text", "message"), [
    (json.dumps({**PLAN, "summary": []}), "1:1: summary: not an hdhport plan: expected an object, got a list"),
    ("[" * 100_000 + "]" * 100_000, "1:1: not an hdhport plan: JSON nested too deep"),
    (json.dumps({**PLAN, "services": [1]}), "1:1: services[0]: not an hdhport plan: expected an object, got a number"),
    (json.dumps({**PLAN, "resources": [{"type": None}]}),
     "1:1: resources[0].type: not an hdhport plan: expected a string, got null"),
    (json.dumps({**PLAN, "summary": {"enclaves": 3}}),
     "1:1: summary.enclaves: not an hdhport plan: expected a list, got a number"),
    ('{"profile": "x",\n "stack": }', "2:11: not an hdhport plan: invalid JSON: Expecting value"),
    # More digits than Python's int parser takes: json.loads raises a plain ValueError (an internal error before).
    ('{"profile": ' + "9" * 5000 + "}", "1:1: not an hdhport plan: invalid JSON: Exceeds the limit (4300 digits) "
                                       "for integer string conversion: value has 5000 digits; use "
                                       "sys.set_int_max_str_digits() to increase the limit"),
    ("[]", "1:1: not an hdhport plan: expected a JSON object at the top, got a list")])
def test_a_plan_dir_that_is_not_a_plan_is_one_located_line(cli: Any, tmp_path: Path, text: str, message: str) -> None:
    """Row 15: `migrate plan --plan-dir` with `"summary": []` (AttributeError) or a 100k-deep JSON array
    (RecursionError) was an internal error, exit 1."""
    plans = _plans(tmp_path, text)
    result = cli(*ROUTE, "--plan-dir", str(plans))
    assert result.code == 2 and result.out == "", result.err
    assert result.err == f"{plans}/ovhcloud-public-cloud/plan.json:{message}\n"


def test_migrate_plan_out_is_checked_before_the_work(cli: Any, tmp_path: Path) -> None:
    """Row 14: `migrate plan --out /some-dir` was an internal IsADirectoryError (exit 1); a path through a file
    and a read-only directory too, each after the runbook was built."""
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    for out, message in ((tmp_path, "--out: is a directory; give a file name"),
                         (tmp_path / "file.txt" / "r.md", f"--out: {tmp_path / 'file.txt'} is not a directory")):
        result = cli(*ROUTE, "--out", str(out))
        assert (result.code, result.out, result.err) == (2, "", f"{out}:1:1: {message}\n")


def test_migrate_plan_out_never_replaces_an_input(cli: Any, tmp_path: Path) -> None:
    """Row 14: `--out` over the plan.json it reads, or over the profile file given as --to, replaced it."""
    plans = _plans(tmp_path, json.dumps(PLAN))
    plan = plans / "ovhcloud-public-cloud" / "plan.json"
    profile = tmp_path / "offer.yaml"
    profile.write_bytes((Path(__file__).parents[2] / "providers" / "profiles" / "scaleway.yaml").read_bytes())
    for argv, target in (((*ROUTE, "--plan-dir", str(plans)), plan),
                         (("migrate", "plan", "--from", "azure-francecentral", "--to", str(profile)), profile)):
        before = target.read_bytes()
        result = cli(*argv, "--out", str(target))
        assert result.code == 2 and "--out: is an input of this command" in result.err, result.err
        assert target.read_bytes() == before


def test_migrate_plan_out_is_written_whole(cli: Any, tmp_path: Path) -> None:
    """Row 14, what holds: a new runbook and a replaced one, each whole, no temporary file left beside it."""
    out = tmp_path / "runbook.json"
    out.write_text("old", encoding="utf-8")
    result = cli(*ROUTE, "--out", str(out))
    assert result.code == 0, result.err
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "hdhport-migration-runbook/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runbook.json"]
