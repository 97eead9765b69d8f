"""Hostile input, migration half: `hdhport migrate plan` refuses absurd volumes and bandwidths instead of writing
Infinity into its JSON, and a --plan-dir whose plan.json is a FIFO is refused at once (reliability review
2026-12-02, rows 23 and 12)."""
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
