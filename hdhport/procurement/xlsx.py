"""The diff report as a spreadsheet: a Matrix sheet, a Scores sheet, and one sheet per bidder.

Imported only for `--format xlsx`, because openpyxl takes a noticeable time to import.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hdhport.model import Month
from hdhport.procurement import presentation
from hdhport.procurement.report import Bidder, Report

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
    taken = {MATRIX_SHEET.lower(), SCORES_SHEET.lower(), COST_SHEET.lower()}
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


def _scores(sheet: Worksheet, report: Report) -> None:
    rows: list[list[CellValue]] = []
    for bidder in report.bidders:
        for criterion in bidder.scores.criteria:
            for part in criterion.parts:
                flag = "disqualifying" if part.disqualifying else "unknown" if part.unknown else ""
                rows.append([bidder.rank if bidder.rank is not None else "reference, not ranked",
                             bidder.id, bidder.verdict.status, bidder.scores.total, criterion.label,
                             criterion.weight, criterion.score, criterion.contribution, part.label, part.detail,
                             part.points, part.max_points, flag, presentation.LIST_SEPARATOR.join(part.services)])
    _table(sheet, SCORES_COLUMNS, rows)
    sheet.freeze_panes = "C2"
    verdict_fills = {status: _fill(colour) for status, colour in presentation.VERDICT_COLOURS.items()}
    verdict_column = SCORES_COLUMNS.index("verdict") + 1
    for row in range(2, len(rows) + 2):
        cell = sheet.cell(row=row, column=verdict_column)
        cell.fill = verdict_fills[str(cell.value)]


def _cost(sheet: Worksheet, report: Report) -> None:
    """Each bidder's monthly cost of the same platform, with what is unknown in it; then the assumptions."""
    rows: list[list[CellValue]] = []
    for bidder in report.bidders:
        cost = bidder.cost
        if cost is None:
            continue
        rows.append([bidder.rank if bidder.rank is not None else "reference, not ranked", bidder.id,
                     bidder.api_family, cost.status, cost.known_eur,
                     ("yes" if cost.at_least else "no") if cost.status == "estimated" else None,
                     cost.unknown_lines if cost.status == "estimated" else None,
                     cost.lines if cost.status == "estimated" else None, cost.unknown_share, cost.enclaves,
                     cost.price_book, cost.stack, cost.detail])
    _table(sheet, COST_SHEET_COLUMNS, rows)
    for row in range(2, len(rows) + 2):
        sheet.cell(row=row, column=COST_SHEET_COLUMNS.index("EUR/month (known prices)") + 1).number_format = "#,##0.00"
        sheet.cell(row=row, column=COST_SHEET_COLUMNS.index("unknown share") + 1).number_format = "0%"
    sheet.append([])
    sheet.append(["Assumed usage, the same for every bidder (list prices, EUR excl. VAT):"])
    for text in report.cost_assumptions:
        sheet.append([text])
    sheet.freeze_panes = "C2"


def _bidder(sheet: Worksheet, report: Report, bidder: Bidder) -> None:
    """The bidder's facts with their sources, its verdict, then its answers, as one readable sheet."""
    sheet.append([bidder.name, bidder.id])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["verdict", bidder.verdict.status, "total", bidder.scores.total, "rank",
                  bidder.rank if bidder.rank is not None else "reference, not ranked"])
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


def _as_text(sheet: Worksheet) -> None:
    """Every text cell stays text. openpyxl turns a string starting with `=` into a live formula (a bidder's
    `=HYPERLINK(...)` or DDE `=cmd|...`), so each string cell is typed a string, and one starting with a
    formula trigger also gets Excel's "quote prefix" style: the text is shown as written, without a visible
    `'`, and stays text even when someone edits the cell. The workbook has no formula of its own; numbers and
    dates are not strings and are left as they are."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(presentation.FORMULA_TRIGGERS):
                    cell.quotePrefix = True


def workbook(report: Report) -> bytes:
    book = Workbook()
    matrix = book.active
    assert matrix is not None  # a new workbook always has its first sheet
    matrix.title = MATRIX_SHEET
    _matrix(matrix, report)
    _scores(book.create_sheet(SCORES_SHEET), report)
    if presentation.has_costs(report):
        _cost(book.create_sheet(COST_SHEET), report)
    names = sheet_names(report)
    for bidder in report.bidders:
        _bidder(book.create_sheet(names[bidder.id]), report, bidder)
    for sheet in book.worksheets:
        _as_text(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
