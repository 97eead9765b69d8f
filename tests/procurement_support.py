"""Helpers shared by the procurement tests: bidder files written the way a bidder would, and the diff as JSON."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from hdhport import paths
from hdhport.yamlsource import load_document

#: What the xlsx grid's own formulas may contain: references to its sheets, numbers, ROUND/SUM/RANK, arithmetic.
#: A formula-looking bidder text (`=HYPERLINK(...)`, `=cmd|...`, `"`) cannot match it; `=1+1` could, so tests also
#: check where the formulas are.
GRID_FORMULA = re.compile(r"=(?:(?:Summary|Weights|Scores)!|\$?[A-Z]{1,2}\$?\d+|:|\d+(?:\.\d+)?|ROUND\(|SUM\(|"
                          r"RANK\(|[-+*/(),])+")


def shipped(profile_id: str) -> dict[str, Any]:
    """A shipped profile's data, to change into a new bidder's answer."""
    data = load_document(paths.PROFILES_DIR / f"{profile_id}.yaml").data
    assert isinstance(data, dict)
    return data


def write_profile(directory: Path, data: dict[str, Any]) -> Path:
    """Write a profile as a bidder's YAML file named after its id (PyYAML quotes yes/no, so they stay words)."""
    path = directory / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def diff_json(cli: Any, *argv: str) -> dict[str, Any]:
    """`hdhport diff ARGV --format json`, which must succeed."""
    result = cli("diff", *argv, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert isinstance(report, dict)
    return report


def bidder(report: dict[str, Any], bidder_id: str) -> dict[str, Any]:
    return next(b for b in report["bidders"] if b["id"] == bidder_id)


def criterion(bidder_data: dict[str, Any], criterion_id: str) -> dict[str, Any]:
    return next(c for c in bidder_data["scores"]["criteria"] if c["id"] == criterion_id)


def shipped_grid(directory: Path) -> tuple[dict[str, Any], Path]:
    """`hdhport diff --all --baseline azure-francecentral` written to `directory` as JSON (read back) and as xlsx."""
    from hdhport.cli import main

    for output_format in ("json", "xlsx"):
        argv = ["diff", "--all", "--baseline", "azure-francecentral", "--format", output_format,
                "--out", str(directory / f"d.{output_format}")]
        assert main(argv) == 0
    return json.loads((directory / "d.json").read_text(encoding="utf-8")), directory / "d.xlsx"


def weigh_only(criterion: str, report: dict[str, Any], grid: Path, edited: Path) -> int:
    """Save `grid` as `edited` with every weight cell of its Weights sheet 0 but `criterion`'s, 100, as a committee
    member would through a spreadsheet; the number of criteria (their sum is on the row after them)."""
    import openpyxl

    book = openpyxl.load_workbook(grid)
    weights = book["Weights"]
    criteria = [c["id"] for c in report["bidders"][0]["scores"]["criteria"]]
    by_criterion = {weights.cell(row=r, column=1).value: r for r in range(2, 2 + len(criteria))}
    assert list(by_criterion) == criteria
    for name, row in by_criterion.items():
        weights.cell(row=row, column=3).value = 100 if name == criterion else 0
    book.save(edited)
    return len(criteria)
