"""The xlsx evaluation grid recomputed by a real spreadsheet engine: LibreOffice Calc, headless, from Debian.

A committee member opens the workbook, changes a weight and reads the new ranking. Here openpyxl changes the
weight cell and saves (as a person would), LibreOffice loads the file, recalculates every formula and writes
the results back as cached values, which openpyxl then reads (`data_only=True`). Two things are proven: at the
report's weights the engine's totals and ranks equal the CLI's to the cent (one rounding rule, applied by
both), and at other weights the ranking moves as the weights say. The evaluator of test_procurement_xlsx_grid
checks the formulas' meaning; this checks that a real spreadsheet computes them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from procurement_support import shipped_grid, weigh_only

pytestmark = pytest.mark.integration

#: The command Debian's libreoffice-calc-nogui installs (Makefile: integration-deps).
SOFFICE = "soffice"


def _require_soffice() -> str:
    found = shutil.which(SOFFICE)
    if found is None:
        pytest.fail("LibreOffice is missing: run `make integration-deps` (Debian package libreoffice-calc-nogui)")
    return found


def recalculated(path: Path, work: Path) -> openpyxl.Workbook:
    """The workbook as LibreOffice computes it: loaded, recalculated, saved as xlsx, read back by value."""
    soffice = _require_soffice()
    out = work / "recalculated"
    out.mkdir(exist_ok=True)
    # A profile of its own: a first run writes one, and two sessions sharing $HOME would block each other.
    profile = work / "lo-profile"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(work)}, check=False)
    result = out / path.name
    assert done.returncode == 0 and result.exists(), (done.returncode, done.stdout, done.stderr)
    return openpyxl.load_workbook(result, data_only=True)


@pytest.fixture(scope="module")
def shipped_diff(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """`hdhport diff --all --baseline azure-francecentral` as JSON and as xlsx."""
    return shipped_grid(tmp_path_factory.mktemp("libreoffice"))


def _summary(book: openpyxl.Workbook) -> tuple[dict[str, int], dict[str, int]]:
    sheet = book["Summary"]
    header = {str(c.value): c.column for c in sheet[1]}
    rows = {str(sheet.cell(row=r, column=header["bidder"]).value): r for r in range(2, sheet.max_row + 1)}
    return header, rows


def test_libreoffice_computes_the_cli_figures_to_the_cent(shipped_diff: tuple[dict[str, Any], Path],
                                                           tmp_path: Path) -> None:
    report, path = shipped_diff
    book = recalculated(path, tmp_path)
    header, rows = _summary(book)
    summary = book["Summary"]
    for entry in report["bidders"]:
        row = rows[entry["id"]]
        # Exactly the CLI's figure, not within a tolerance: a total off by a binary rounding residue (65.88 as
        # 65.88000000000001) parts two bidders the CLI ranks equal.
        assert summary.cell(row=row, column=header["total"]).value == entry["scores"]["total"], entry["id"]
        for criterion in entry["scores"]["criteria"]:
            assert summary.cell(row=row, column=header[criterion["label"]]).value == pytest.approx(
                criterion["score"], abs=1e-9), (entry["id"], criterion["id"])
        expected_rank = entry["rank"] if entry["rank"] is not None else "reference, not ranked"
        assert summary.cell(row=row, column=header["rank"]).value == expected_rank, entry["id"]


def test_a_weight_changed_in_the_workbook_moves_the_ranking_in_libreoffice(
        shipped_diff: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    report, path = shipped_diff
    edited = tmp_path / "edited.xlsx"
    criteria = weigh_only("reversibility", report, path, edited)

    computed = recalculated(edited, tmp_path)
    header, rows = _summary(computed)
    summary = computed["Summary"]
    assert computed["Weights"].cell(row=criteria + 2, column=3).value == 100  # the check sum
    reversibility = {b["id"]: next(c["score"] for c in b["scores"]["criteria"] if c["id"] == "reversibility")
                     for b in report["bidders"]}
    ranked = [b["id"] for b in report["bidders"] if b["rank"] is not None]
    for bidder, row in rows.items():
        assert summary.cell(row=row, column=header["total"]).value == pytest.approx(reversibility[bidder])
        if bidder in ranked:
            expected = 1 + sum(1 for other in ranked if reversibility[other] > reversibility[bidder])
            assert summary.cell(row=row, column=header["rank"]).value == expected, bidder
    new_order = sorted(ranked, key=lambda b: summary.cell(row=rows[b], column=header["rank"]).value)
    assert new_order != ranked  # the ranking moved
