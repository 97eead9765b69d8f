"""The report formats people open: CSV round-trips, the spreadsheet reads back, Markdown and HTML hold the facts."""
from __future__ import annotations

import csv
import html.parser
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hdhport.procurement.presentation import CSV_COLUMNS, LIST_SEPARATOR, OFFER_COLOURS
from hdhport.procurement.report import Report
from hdhport.procurement.xlsx import sheet_names
from procurement_support import shipped, write_profile

BASELINE = ["--baseline", "azure-francecentral"]


@pytest.fixture(scope="module")
def awkward_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bidder whose texts hold what breaks naive CSV and HTML: commas, quotes, new lines, <tags>, pipes."""
    data = shipped("openstack-reference")
    data["id"] = "awkward-bidder"
    data["name"] = 'Awkward "quoted", <b>bold</b> | piped'
    data["offers"]["object_storage"] |= {"source": 'line one, with a comma\nline "two"', "notes": "a | b <script>"}
    return write_profile(tmp_path_factory.mktemp("bidder"), data)


@pytest.fixture(scope="module")
def outputs(awkward_profile: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same diff in every format, written with --out as a buyer would."""
    from hdhport.cli import main

    directory = tmp_path_factory.mktemp("diff")
    written: dict[str, Any] = {}
    for output_format in ("json", "csv", "xlsx", "md", "html"):
        out = directory / f"diff.{output_format}"
        code = main(["diff", str(awkward_profile), "--all", *BASELINE, "--format", output_format, "--out", str(out)])
        assert code == 0
        written[output_format] = out
    written["report"] = json.loads(written["json"].read_text(encoding="utf-8"))
    return written


def _cells(report: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    return [(bidder, service, cell) for bidder in report["bidders"]
            for service, cell in zip(report["services"], bidder["cells"])]


def test_csv_round_trips_every_answer(outputs: dict[str, Any]) -> None:
    text = outputs["csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = _cells(outputs["report"])
    assert len(rows) == len(expected) == len(outputs["report"]["bidders"]) * len(outputs["report"]["services"])
    assert list(rows[0]) == list(CSV_COLUMNS)

    def split(value: str) -> list[str]:
        return value.split(LIST_SEPARATOR) if value else []

    for row, (bidder, service, cell) in zip(rows, expected):
        assert (row["bidder"], row["service"], row["requirement"]) == (bidder["id"], service["id"],
                                                                      service["requirement"])
        assert (row["offer"], row["product"] or None) == (cell["offer"], cell["product"])
        assert (row["interface"], split(row["interfaces_spoken"])) == (cell["interface"]["status"],
                                                                       cell["interface"]["spoken"])
        assert split(row["controls_supported"]) == cell["controls"]["supported"]
        assert split(row["controls_missing"]) == cell["controls"]["missing"]
        assert (row["secnumcloud_scope"], row["hds_scope"]) == (cell["secnumcloud_scope"], cell["hds_scope"])
        assert (row["deployable"], row["deployable_reason"]) == (cell["deployable"]["way"],
                                                                 cell["deployable"]["reason"])
        assert row["change"] == (cell["change"]["kind"] if cell["change"] else "")
        assert (row["notes"] or None, row["source"], row["date"]) == (cell["notes"], cell["source"], cell["date"])
    awkward = next(r for r in rows if r["bidder"] == "awkward-bidder" and r["service"] == "object_storage")
    assert awkward["source"] == 'line one, with a comma\nline "two"'


def test_the_spreadsheet_has_a_matrix_the_scores_and_a_sheet_per_bidder(outputs: dict[str, Any]) -> None:
    report = outputs["report"]
    book = openpyxl.load_workbook(outputs["xlsx"])
    bidders = [b["id"] for b in report["bidders"]]
    assert book.sheetnames == ["Summary", "Weights", "Matrix", "Scores", *(b[:31] for b in bidders)]

    matrix = book["Matrix"]
    assert [c.value for c in matrix[1]] == ["service", "name", "family", "requirement", *bidders]
    assert matrix.max_row == len(report["services"]) + 1
    for row, service in enumerate(report["services"], start=2):
        assert matrix.cell(row=row, column=1).value == service["id"]
        for column, bidder in enumerate(report["bidders"], start=5):
            cell, answer = matrix.cell(row=row, column=column), bidder["cells"][row - 2]
            assert str(cell.value).split(" ")[0] == answer["offer"]
            assert str(cell.fill.start_color.rgb).lower().endswith(OFFER_COLOURS[answer["offer"]].lstrip("#"))

    scores = book["Scores"]
    header = [c.value for c in scores[1]]
    column = {name: header.index(name) for name in header}
    sums: dict[tuple[str, str], float] = {}
    shown: dict[tuple[str, str], float] = {}
    for values in scores.iter_rows(min_row=2, values_only=True):
        key = (str(values[column["bidder"]]), str(values[column["criterion"]]))
        sums[key] = sums.get(key, 0.0) + float(values[column["points"]])
        shown[key] = float(values[column["criterion score"]])
    assert len(sums) == 4 * len(bidders)
    for key, total in sums.items():
        assert round(total, 2) == shown[key], key

    sheet = book["awkward-bidder"]
    assert sheet["A1"].value == 'Awkward "quoted", <b>bold</b> | piped'
    answers = [row for row in sheet.iter_rows(values_only=True) if row[0] == "service"]
    assert len(answers) == 1, "one answers table"
    service_ids = [row[0] for row in sheet.iter_rows(values_only=True) if row[0] in
                   {s["id"] for s in report["services"]}]
    assert service_ids == [s["id"] for s in report["services"]]


def test_sheet_names_are_unique_and_fit_excel(outputs: dict[str, Any]) -> None:
    report = Report.model_validate_json(outputs["json"].read_text(encoding="utf-8"))
    first = report.bidders[0]
    long = "x" * 40
    renamed = report.model_copy(update={"bidders": [first.model_copy(update={"id": bidder_id}) for bidder_id in
                                                    ("matrix", long, long + "-two", "scores")]})
    names = list(sheet_names(renamed).values())
    assert names == ["matrix~2", "x" * 31, "x" * 29 + "~2", "scores~2"]


def test_markdown_has_the_summary_verdicts_matrix_and_breakdowns(outputs: dict[str, Any]) -> None:
    text = outputs["md"].read_text(encoding="utf-8")
    report = outputs["report"]
    for heading in ("## Summary", "## Verdicts", "## Matrix", "## Score breakdowns"):
        assert heading in text
    matrix = text.split("## Matrix", 1)[1].split("## Score breakdowns", 1)[0]
    rows = [line for line in matrix.splitlines() if line.startswith("| ") and "`" in line]
    columns = len(report["bidders"]) + 3
    assert len(rows) == len(report["services"]) + 1  # header + one per service
    for line in rows:
        assert len(re.split(r"(?<!\\)\|", line.strip())) - 2 == columns, line
    # A bidder's markup is text in any Markdown renderer (issue 17: never raw markup).
    assert "Awkward \"quoted\", &lt;b&gt;bold&lt;/b&gt; \\| piped" in text and "<b>" not in text


class _Links(html.parser.HTMLParser):
    """Every tag with its attributes, to find anything that would load from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_one_self_contained_file(outputs: dict[str, Any]) -> None:
    text = outputs["html"].read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    for tag, attrs in parser.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        if "href" in attrs:
            assert str(attrs["href"]).startswith("#"), (tag, attrs)
    assert not re.search(r"@import|url\(|@font-face", text)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "<script>" in text and "<style>" in text
    # profile texts are escaped: nothing from a bidder becomes markup
    assert "a | b <script>" not in text and "a | b &lt;script&gt;" in text
    assert "<b>bold</b>" not in text


@pytest.mark.parametrize("output_format", ["md", "csv", "json", "html", "xlsx"])
def test_no_report_names_where_this_machine_keeps_its_files(output_format: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from outside the checkout (a buyer's own folder), a report names the shipped files as hdhport lays
    them out (`hdhport/procurement/weights.yaml`), never by this machine's absolute path."""
    import zipfile

    from hdhport.cli import main
    from hdhport.paths import ROOT

    monkeypatch.chdir(tmp_path)
    out = tmp_path / f"diff.{output_format}"
    assert main(["diff", "--all", *BASELINE, "--format", output_format, "--out", str(out)]) == 0
    texts = ([zipfile.ZipFile(out).read(name).decode("utf-8", "replace") for name in zipfile.ZipFile(out).namelist()]
             if output_format == "xlsx" else [out.read_text(encoding="utf-8")])
    for text in texts:
        for local in (str(ROOT), str(tmp_path)):
            assert local not in text
    if output_format != "csv":  # the CSV holds the matrix alone
        assert any("hdhport/procurement/weights.yaml" in text for text in texts)
