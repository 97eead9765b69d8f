"""The xlsx as a live evaluation grid: a weight changed in the Weights sheet moves the totals and the ranking.

The formulas are evaluated here by the small evaluator below, written apart from hdhport (LibreOffice recomputes the
same workbook in test_procurement_xlsx_libreoffice): it knows only the grid's vocabulary (references, ranges, + - *
/, ROUND, SUM, RANK) and rounds as Excel does (half away from zero, on the value's 15 significant digits). It checks
that the formulas give the CLI's figures to the cent at the report's weights, and a new ranking at others.
"""
from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook

from hdhport.procurement.presentation import FORMULA_TRIGGERS
from procurement_support import GRID_FORMULA, shipped_grid, weigh_only

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<ref>(?:(?P<sheet>[A-Za-z]+)!)?\$?(?P<col>[A-Z]+)\$?"
                    r"(?P<row>\d+)(?::\$?(?P<col2>[A-Z]+)\$?(?P<row2>\d+))?)|(?P<func>ROUND|SUM|RANK)\(|"
                    r"(?P<op>[-+*/(),]))")


def excel_round(value: float, digits: int) -> float:
    exact = decimal.Decimal(f"{value:.15g}")
    return float(exact.quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP))


class Evaluator:
    """Computes a cell of a workbook written by openpyxl (formulas as text, no cached results)."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[str, int, int], Any] = {}

    def cell(self, sheet: str, row: int, column: int) -> Any:
        key = (sheet, row, column)
        if key not in self.cache:
            value = self.book[sheet].cell(row=row, column=column).value
            self.cache[key] = self.formula(sheet, value[1:]) if self._is_formula(sheet, row, column) else value
        return self.cache[key]

    def _is_formula(self, sheet: str, row: int, column: int) -> bool:
        return self.book[sheet].cell(row=row, column=column).data_type == "f"

    def formula(self, sheet: str, text: str) -> Any:
        tokens = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            assert match, (text, position)
            tokens.append(match)
            position = match.end()
        value, rest = self._sum(sheet, tokens)
        assert not rest, text
        return value

    def _sum(self, sheet: str, tokens: list[re.Match[str]]) -> tuple[Any, list[re.Match[str]]]:
        value, tokens = self._product(sheet, tokens)
        while tokens and tokens[0]["op"] in ("+", "-"):
            op = tokens[0]["op"]
            right, tokens = self._product(sheet, tokens[1:])
            value = value + right if op == "+" else value - right
        return value, tokens

    def _product(self, sheet: str, tokens: list[re.Match[str]]) -> tuple[Any, list[re.Match[str]]]:
        value, tokens = self._atom(sheet, tokens)
        while tokens and tokens[0]["op"] in ("*", "/"):
            op = tokens[0]["op"]
            right, tokens = self._atom(sheet, tokens[1:])
            value = value * right if op == "*" else value / right
        return value, tokens

    def _atom(self, sheet: str, tokens: list[re.Match[str]]) -> tuple[Any, list[re.Match[str]]]:
        first, rest = tokens[0], tokens[1:]
        if first["number"]:
            return float(first["number"]), rest
        if first["ref"]:
            where = first["sheet"] or sheet
            cells = [self.cell(where, row, column)
                     for row in range(int(first["row"]), int(first["row2"] or first["row"]) + 1)
                     for column in range(column_index_from_string(first["col"]),
                                         column_index_from_string(first["col2"] or first["col"]) + 1)]
            return (cells if first["col2"] else cells[0]), rest
        if first["op"] == "(":
            value, rest = self._sum(sheet, rest)
            assert rest[0]["op"] == ")"
            return value, rest[1:]
        if first["op"] == "-":
            value, rest = self._atom(sheet, rest)
            return -value, rest
        arguments = []
        while True:
            value, rest = self._sum(sheet, rest)
            arguments.append(value)
            separator, rest = rest[0]["op"], rest[1:]
            if separator == ")":
                break
            assert separator == ","
        function: dict[str, Callable[..., Any]] = {
            "ROUND": lambda x, digits: excel_round(x, int(digits)),
            "SUM": lambda cells: sum(c for c in cells if isinstance(c, (int, float))),
            "RANK": lambda x, cells: 1 + sum(1 for c in cells if c > x),  # descending; ties share a rank
        }
        return function[first["func"]](*arguments), rest


@pytest.fixture(scope="module")
def shipped_diff(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """`hdhport diff --all --baseline azure-francecentral` as JSON and as xlsx."""
    return shipped_grid(tmp_path_factory.mktemp("grid"))


def _summary(book: Workbook) -> tuple[Evaluator, dict[str, int], dict[str, int]]:
    sheet = book["Summary"]
    header = {str(c.value): c.column for c in sheet[1]}
    rows = {str(sheet.cell(row=r, column=header["bidder"]).value): r for r in range(2, sheet.max_row + 1)}
    return Evaluator(book), header, rows


def test_at_the_report_weights_the_formulas_give_the_cli_figures_to_the_cent(
        shipped_diff: tuple[dict[str, Any], Path]) -> None:
    report, path = shipped_diff
    book = openpyxl.load_workbook(path)
    evaluator, header, rows = _summary(book)
    assert list(rows) == [b["id"] for b in report["bidders"]]
    for entry in report["bidders"]:
        row = rows[entry["id"]]
        total = evaluator.cell("Summary", row, header["total"])
        assert total == pytest.approx(entry["scores"]["total"], abs=1e-9), entry["id"]
        for criterion in entry["scores"]["criteria"]:
            assert evaluator.cell("Summary", row, header[criterion["label"]]) == \
                pytest.approx(criterion["score"], abs=1e-9), (entry["id"], criterion["id"])
        rank = evaluator.cell("Summary", row, header["rank"])
        assert rank == (entry["rank"] if entry["rank"] is not None else "reference, not ranked"), entry["id"]
        assert book["Summary"].cell(row=row, column=header["verdict"]).value == entry["verdict"]["status"]
    scores = book["Scores"]
    column = {str(c.value): c.column for c in scores[1]}
    for row in range(2, scores.max_row + 1):
        entry = next(b for b in report["bidders"] if b["id"] == scores.cell(row=row, column=column["bidder"]).value)
        label = scores.cell(row=row, column=column["criterion"]).value
        criterion = next(c for c in entry["scores"]["criteria"] if c["label"] == label)
        assert evaluator.cell("Scores", row, column["contribution"]) == pytest.approx(criterion["contribution"])
        assert evaluator.cell("Scores", row, column["weight %"]) == criterion["weight"]
        assert evaluator.cell("Scores", row, column["total"]) == pytest.approx(entry["scores"]["total"])


def test_changing_a_weight_cell_recomputes_totals_and_ranking(shipped_diff: tuple[dict[str, Any], Path],
                                                                tmp_path: Path) -> None:
    report, path = shipped_diff
    criteria = weigh_only("reversibility", report, path, tmp_path / "edited.xlsx")  # then reopened
    evaluator, header, rows = _summary(openpyxl.load_workbook(tmp_path / "edited.xlsx"))
    assert evaluator.cell("Weights", criteria + 2, 3) == 100  # the check sum
    ranked = [b for b in report["bidders"] if b["rank"] is not None]
    reversibility = {b["id"]: next(c["score"] for c in b["scores"]["criteria"] if c["id"] == "reversibility")
                     for b in report["bidders"]}
    for entry in report["bidders"]:
        row = rows[entry["id"]]
        assert evaluator.cell("Summary", row, header["total"]) == pytest.approx(reversibility[entry["id"]])
        if entry["rank"] is not None:
            expected = 1 + sum(1 for other in ranked if reversibility[other["id"]] > reversibility[entry["id"]])
            assert evaluator.cell("Summary", row, header["rank"]) == expected, entry["id"]
    new_order = sorted(ranked, key=lambda b: evaluator.cell("Summary", rows[b["id"]], header["rank"]))
    assert [b["id"] for b in new_order] != [b["id"] for b in ranked]  # the ranking moved


def test_only_the_grid_cells_are_formulas_and_they_hold_no_text(shipped_diff: tuple[dict[str, Any], Path]) -> None:
    report, path = shipped_diff
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["Summary", "Weights", "Matrix", "Scores"]
    generated = {
        "Summary": {"rank", "total", *(c["label"] for c in report["bidders"][0]["scores"]["criteria"])},
        "Scores": {"rank", "total", "weight %", "contribution"},
    }
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    assert not (isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)) or \
                        cell.quotePrefix, (sheet.title, cell.coordinate)
                    continue
                assert GRID_FORMULA.fullmatch(str(cell.value)), (sheet.title, cell.coordinate, cell.value)
                if sheet.title in generated:
                    assert header[cell.column - 1] in generated[sheet.title], (sheet.title, cell.coordinate)
                elif sheet.title == "Weights":
                    assert cell.coordinate == f"C{len(report['bidders'][0]['scores']['criteria']) + 2}"
                else:  # a bidder's sheet: its total and rank, on the verdict line
                    assert cell.coordinate in ("D2", "F2"), (sheet.title, cell.coordinate)
    assert book.calculation.fullCalcOnLoad
