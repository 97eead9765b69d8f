"""The diff report as a spreadsheet: a live evaluation grid (Summary and Weights sheets), a Matrix sheet, a
Scores sheet, and one sheet per bidder.

The grid computes: each criterion's weight is an editable cell of the Weights sheet, and every figure that
depends on it (a Summary row's criterion scores, total and rank, the Scores sheet's weights and
contributions, each bidder sheet's total and rank) is a formula, so a committee that changes a weight sees
the totals and the ranking move. The formulas apply the CLI's rounding (hdhport.procurement.scores.contribution:
ROUND(score * weight / 100, 2) per criterion, the total their sum, rounded to the cent), so at the report's weights they give the
CLI's figures to the cent. Only those generated cells are formulas; every text, a bidder's above all, is
stored as text.

Imported only for `--format xlsx`, because openpyxl takes a noticeable time to import.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hdhport.model import Month
from hdhport.procurement import presentation
from hdhport.procurement.report import Bidder, Report

SUMMARY_SHEET = "Summary"
WEIGHTS_SHEET = "Weights"
MATRIX_SHEET = "Matrix"
SCORES_SHEET = "Scores"
COST_SHEET = "Cost"
COST_SHEET_COLUMNS = ("rank", "bidder", "api family", "status", "EUR/month (known prices)", "at least",
                      "unknown lines", "lines", "unknown share", "enclaves", "price book", "planned from", "detail")
SCORES_COLUMNS = ("rank", "bidder", "verdict", "total", "criterion", "weight %", "criterion score", "contribution",
                  "line", "detail", "points", "max points", "flag", "services")
_SHEET_NAME_LENGTH = 31  # Excel's limit
_WIDEST_COLUMN = 60
_BOLD = Font(bold=True)
CellValue = str | int | float | dt.date | None
NOT_RANKED = "reference, not ranked"
WEIGHTS_COLUMNS = ("criterion", "label", "weight %", "note")
#: The Weights sheet's column holding the editable weights.
WEIGHT_COLUMN = "C"


@dataclass
class _Grid:
    """Where the live cells are, so that formulas on other sheets can point at them; and which cells are
    formulas, so that nothing else ever becomes one."""

    weight: dict[str, str] = field(default_factory=dict)  # criterion id -> absolute reference
    rank: dict[str, str] = field(default_factory=dict)  # bidder id -> reference (ranked bidders only)
    total: dict[str, str] = field(default_factory=dict)  # bidder id -> reference
    formulas: set[tuple[str, str]] = field(default_factory=set)  # (sheet title, coordinate)

    def put(self, sheet: Worksheet, row: int, column: int, formula: str) -> None:
        cell = sheet.cell(row=row, column=column, value=formula)
        cell.data_type = "f"
        self.formulas.add((sheet.title, cell.coordinate))


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour.lstrip("#"), end_color=colour.lstrip("#"))


def _table(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[CellValue]],
           first_row: int = 1) -> None:
    """A header row with filters, then the rows; columns sized to their content."""
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=first_row, column=column, value=header).font = _BOLD
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=first_row + offset, column=column, value=value)
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + len(rows)}"
    for column, header in enumerate(headers, start=1):
        longest = max([len(str(header))] + [len(str(row[column - 1] or "")) for row in rows])
        sheet.column_dimensions[get_column_letter(column)].width = min(longest + 2, _WIDEST_COLUMN)


def sheet_names(report: Report) -> dict[str, str]:
    """A unique sheet name per bidder: its id cut to Excel's 31 characters, never equal (ignoring case, as
    Excel does) to another sheet's."""
    taken = {n.lower() for n in (SUMMARY_SHEET, WEIGHTS_SHEET, MATRIX_SHEET, SCORES_SHEET, COST_SHEET)}
    names = {}
    for bidder in report.bidders:
        name, suffix = bidder.id[:_SHEET_NAME_LENGTH], 2
        while name.lower() in taken:
            tail = f"~{suffix}"
            name, suffix = bidder.id[:_SHEET_NAME_LENGTH - len(tail)] + tail, suffix + 1
        taken.add(name.lower())
        names[bidder.id] = name
    return names


def _matrix(sheet: Worksheet, report: Report) -> None:
    headers = ["service", "name", "family", "requirement", *(b.id for b in report.bidders)]
    rows: list[list[CellValue]] = [
        [s.id, s.name, s.family, s.requirement, *(presentation.cell_text(b.cells[i]) for b in report.bidders)]
        for i, s in enumerate(report.services)]
    _table(sheet, headers, rows)
    fills = {kind: _fill(colour) for kind, colour in presentation.OFFER_COLOURS.items()}
    for i, service in enumerate(report.services):
        for j, bidder in enumerate(report.bidders):
            cell = sheet.cell(row=i + 2, column=5 + j)
            cell.fill = fills[bidder.cells[i].offer]
            cell.comment = Comment(presentation.cell_tooltip(bidder.cells[i], service), "hdhport")
    sheet.freeze_panes = "E2"


def _column(name: str, columns: Sequence[str] = SCORES_COLUMNS) -> int:
    return columns.index(name) + 1


def _scores(sheet: Worksheet, report: Report, grid: _Grid) -> dict[tuple[str, str], str]:
    """One row per breakdown line, the points as hdhport computed them; the weight, contribution, total and
    rank are formulas. Returns, per (bidder, criterion), the range of its points cells."""
    rows: list[list[CellValue]] = []
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for bidder in report.bidders:
        for criterion in bidder.scores.criteria:
            first = len(rows) + 2
            for part in criterion.parts:
                flag = "disqualifying" if part.disqualifying else "unknown" if part.unknown else ""
                rows.append([bidder.rank if bidder.rank is not None else NOT_RANKED,
                             bidder.id, bidder.verdict.status, bidder.scores.total, criterion.label,
                             criterion.weight, criterion.score, criterion.contribution, part.label, part.detail,
                             part.points, part.max_points, flag, presentation.LIST_SEPARATOR.join(part.services)])
            spans[(bidder.id, criterion.id)] = (first, len(rows) + 1)
    _table(sheet, SCORES_COLUMNS, rows)
    points = get_column_letter(_column("points"))
    score, weight = get_column_letter(_column("criterion score")), get_column_letter(_column("weight %"))
    for bidder in report.bidders:
        for criterion in bidder.scores.criteria:
            first, last = spans[(bidder.id, criterion.id)]
            for row in range(first, last + 1):
                if bidder.id in grid.rank:
                    grid.put(sheet, row, _column("rank"), f"={grid.rank[bidder.id]}")
                grid.put(sheet, row, _column("total"), f"={grid.total[bidder.id]}")
                grid.put(sheet, row, _column("weight %"), f"={grid.weight[criterion.id]}")
                grid.put(sheet, row, _column("contribution"), f"=ROUND({score}{row}*{weight}{row}/100,2)")
    sheet.freeze_panes = "C2"
    verdict_fills = {status: _fill(colour) for status, colour in presentation.VERDICT_COLOURS.items()}
    verdict_column = SCORES_COLUMNS.index("verdict") + 1
    for row in range(2, len(rows) + 2):
        cell = sheet.cell(row=row, column=verdict_column)
        cell.fill = verdict_fills[str(cell.value)]
    return {key: f"{SCORES_SHEET}!${points}${first}:${points}${last}" for key, (first, last) in spans.items()}


def _criteria(report: Report) -> list[tuple[str, str, float]]:
    """The criteria the bidders are scored on (id, label, weight), the same for every bidder."""
    if report.bidders:
        return [(c.id, c.label, c.weight) for c in report.bidders[0].scores.criteria]
    return [(name, name, float(value)) for name, value in report.weights.criteria.model_dump().items()]


def _weights(sheet: Worksheet, report: Report, grid: _Grid) -> None:
    """One editable weight per criterion; the totals everywhere else follow it."""
    criteria = _criteria(report)
    rows: list[list[CellValue]] = [
        [criterion, label, weight, "edit the weight: the Summary's totals and ranks recompute"]
        for criterion, label, weight in criteria]
    _table(sheet, WEIGHTS_COLUMNS, rows)
    for row, (criterion, _, _) in enumerate(criteria, start=2):
        grid.weight[criterion] = f"{WEIGHTS_SHEET}!${WEIGHT_COLUMN}${row}"
        sheet[f"{WEIGHT_COLUMN}{row}"].fill = _fill(presentation.OFFER_COLOURS["self-hosted"])
    last = len(criteria) + 1
    sheet.cell(row=last + 1, column=2, value="sum").font = _BOLD
    grid.put(sheet, last + 1, 3, f"=SUM({WEIGHT_COLUMN}2:{WEIGHT_COLUMN}{last})")
    sheet.cell(row=last + 1, column=4, value="must be 100 for the totals to be out of 100")
    notes = [
        "Only the criteria's shares are live here. The points inside each criterion (requirement weights, "
        "credits, sovereignty points) are computed by hdhport from the weights file below; change them with "
        "`hdhport diff --weights FILE`.",
        f"Weights file: {report.weights_file}",
        *([f"Lot {report.lot.id}: {report.lot.name}: {len(report.services)} services of the catalogue, the lot's own "
           f"weights" + (f"; requires {', '.join(report.lot.require)}" if report.lot.require else "")]
          if report.lot is not None else []),
        "Each criterion's contribution is ROUND(score x weight / 100, 2) and the total is their sum, rounded to "
        "the cent: the rule of the CLI, so at the weights above the figures equal the CLI's to the cent.",
    ]
    for offset, note in enumerate(notes, start=3):
        sheet.cell(row=last + offset, column=1, value=note)
    sheet.column_dimensions["D"].width = _WIDEST_COLUMN


def _summary_headers(report: Report) -> list[str]:
    return ["rank", "bidder", "name", "kind", "verdict", *(label for _, label, _ in _criteria(report)), "total",
            "why not eligible / to confirm", "EU Cloud Sovereignty Framework (not in the total)"]


def _place_summary(report: Report, grid: _Grid) -> None:
    """Where each bidder's total and rank will be on the Summary sheet: a row per bidder, in report order (the
    ranked bidders first, by rank, then the references), so other sheets can point at them."""
    total = get_column_letter(_summary_headers(report).index("total") + 1)
    for row, bidder in enumerate(report.bidders, start=2):
        grid.total[bidder.id] = f"{SUMMARY_SHEET}!${total}${row}"
        if bidder.rank is not None:
            grid.rank[bidder.id] = f"{SUMMARY_SHEET}!$A${row}"


def _summary(sheet: Worksheet, report: Report, grid: _Grid, points: dict[tuple[str, str], str]) -> None:
    """One row per bidder: its eligibility, its criterion scores (the sum of its breakdown lines), its
    weighted total and its rank, all live; the ranked bidders first, by rank, then the references."""
    criteria = _criteria(report)
    headers = _summary_headers(report)
    rows: list[list[CellValue]] = []
    for bidder in report.bidders:
        why = [*bidder.verdict.reasons, *bidder.verdict.to_confirm]
        if bidder.verdict.unknown_musts:
            why.append("must services unknown: " + presentation.LIST_SEPARATOR.join(bidder.verdict.unknown_musts))
        rows.append([bidder.rank if bidder.rank is not None else NOT_RANKED, bidder.id, bidder.name, bidder.kind,
                     bidder.verdict.status, *(c.score for c in bidder.scores.criteria), bidder.scores.total,
                     presentation.LIST_SEPARATOR.join(why), presentation.eu_text(bidder.eu_sovereignty)])
    _table(sheet, headers, rows)
    total_column = headers.index("total") + 1
    total_letter = get_column_letter(total_column)
    ranked = [row for row, bidder in enumerate(report.bidders, start=2) if bidder.rank is not None]
    # The report lists the ranked bidders first, so their totals are one block for RANK().
    assert ranked == list(range(2, 2 + len(ranked))), "ranked bidders come first"
    block = f"${total_letter}$2:${total_letter}${1 + len(ranked)}"
    for row, bidder in enumerate(report.bidders, start=2):
        terms = []
        for offset, (criterion, _, _) in enumerate(criteria):
            column = 6 + offset
            grid.put(sheet, row, column, f"=ROUND(SUM({points[(bidder.id, criterion)]}),2)")
            terms.append(f"ROUND({get_column_letter(column)}{row}*{grid.weight[criterion]}/100,2)")
        # Rounded again, as the CLI's total is: a sum of cents in binary floating point is not always a whole
        # number of cents (26.12+22+17.76 is 65.88000000000001), and RANK() would then part two equal totals.
        grid.put(sheet, row, total_column, f"=ROUND({'+'.join(terms)},2)" if terms else "=0")
        if bidder.rank is not None:
            grid.put(sheet, row, 1, f"=RANK({total_letter}{row},{block})")
        sheet.cell(row=row, column=5).fill = _fill(presentation.VERDICT_COLOURS[bidder.verdict.status])
        for column in range(6, total_column + 1):
            sheet.cell(row=row, column=column).number_format = "0.00"
    sheet.freeze_panes = "C2"


def _cost(sheet: Worksheet, report: Report, grid: _Grid) -> None:
    """Each bidder's monthly cost of the same platform, with what is unknown in it; then the assumptions."""
    rows: list[list[CellValue]] = []
    for bidder in report.bidders:
        cost = bidder.cost
        if cost is None:
            continue
        rows.append([bidder.rank if bidder.rank is not None else NOT_RANKED, bidder.id,
                     bidder.api_family, cost.status, cost.known_eur,
                     ("yes" if cost.at_least else "no") if cost.status == "estimated" else None,
                     cost.unknown_lines if cost.status == "estimated" else None,
                     cost.lines if cost.status == "estimated" else None, cost.unknown_share, cost.enclaves,
                     cost.price_book, cost.stack, cost.detail])
    _table(sheet, COST_SHEET_COLUMNS, rows)
    for row in range(2, len(rows) + 2):
        bidder_id = str(sheet.cell(row=row, column=2).value)
        if bidder_id in grid.rank:
            grid.put(sheet, row, 1, f"={grid.rank[bidder_id]}")
        sheet.cell(row=row, column=COST_SHEET_COLUMNS.index("EUR/month (known prices)") + 1).number_format = "#,##0.00"
        sheet.cell(row=row, column=COST_SHEET_COLUMNS.index("unknown share") + 1).number_format = "0%"
    sheet.append([])
    sheet.append(["Assumed usage, the same for every bidder (list prices, EUR excl. VAT):"])
    for text in report.cost_assumptions:
        sheet.append([text])
    sheet.freeze_panes = "C2"


def _bidder(sheet: Worksheet, report: Report, bidder: Bidder, grid: _Grid) -> None:
    """The bidder's facts with their sources, its verdict, then its answers, as one readable sheet."""
    sheet.append([bidder.name, bidder.id])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["verdict", bidder.verdict.status, "total", bidder.scores.total, "rank",
                  bidder.rank if bidder.rank is not None else NOT_RANKED])
    grid.put(sheet, 2, 4, f"={grid.total[bidder.id]}")
    if bidder.id in grid.rank:
        grid.put(sheet, 2, 6, f"={grid.rank[bidder.id]}")
    sheet["B2"].fill = _fill(presentation.VERDICT_COLOURS[bidder.verdict.status])
    for reason in bidder.verdict.reasons:
        sheet.append(["not eligible", reason])
    for reason in bidder.verdict.to_confirm:
        sheet.append(["to confirm", reason])
    if bidder.verdict.unknown_musts:
        sheet.append(["to confirm", presentation.LIST_SEPARATOR.join(bidder.verdict.unknown_musts)])
    sheet.append([])
    sheet.append(["fact", "value", "source", "date"])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    for fact in presentation.bidder_facts(bidder):
        # a date known only to the month stays text (YYYY-MM): a date cell would invent its first day
        sheet.append([fact.topic, fact.value, fact.source,
                      fact.date.isoformat() if isinstance(fact.date, Month) else fact.date])
        sheet.cell(row=sheet.max_row, column=4).number_format = "yyyy-mm-dd"
    sheet.append([])
    answers_row = sheet.max_row + 1
    columns = [c for c in presentation.CSV_COLUMNS if c not in ("rank", "bidder")]
    rows: list[list[CellValue]] = [[presentation.csv_row(bidder, service, answer)[c] for c in columns]
                                   for service, answer in zip(report.services, bidder.cells)]
    _table(sheet, columns, rows, first_row=answers_row)
    fills = {kind: _fill(colour) for kind, colour in presentation.OFFER_COLOURS.items()}
    offer_column = columns.index("offer") + 1
    for offset, answer in enumerate(bidder.cells, start=1):
        sheet.cell(row=answers_row + offset, column=offer_column).fill = fills[answer.offer]
    for row in sheet.iter_rows(min_row=1, max_row=answers_row - 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _as_text(sheet: Worksheet, grid: _Grid) -> None:
    """Every text cell stays text. openpyxl turns a string starting with `=` into a live formula (a bidder's
    `=HYPERLINK(...)` or DDE `=cmd|...`), so each string cell is typed a string, and one starting with a
    formula trigger also gets Excel's "quote prefix" style: the text is shown as written, without a visible
    `'`, and stays text even when someone edits the cell. The only formulas are the grid's own, which
    `_Grid.put` wrote from references and numbers, never from a bidder's text; numbers and dates are not
    strings and are left as they are."""
    for row in sheet.iter_rows():
        for cell in row:
            if (sheet.title, cell.coordinate) in grid.formulas:
                continue
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(presentation.FORMULA_TRIGGERS):
                    cell.quotePrefix = True


def workbook(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has its first sheet
    summary.title = SUMMARY_SHEET
    grid = _Grid()
    _weights(book.create_sheet(WEIGHTS_SHEET), report, grid)
    _matrix(book.create_sheet(MATRIX_SHEET), report)
    _place_summary(report, grid)  # Scores points at the Summary's totals and ranks, the Summary at its points
    _summary(summary, report, grid, _scores(book.create_sheet(SCORES_SHEET), report, grid))
    if presentation.has_costs(report):
        _cost(book.create_sheet(COST_SHEET), report, grid)
    names = sheet_names(report)
    for bidder in report.bidders:
        _bidder(book.create_sheet(names[bidder.id]), report, bidder, grid)
    for sheet in book.worksheets:
        _as_text(sheet, grid)
    book.calculation.fullCalcOnLoad = True  # no cached results: every engine computes them on opening
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
