"""Properties, for any text: the stack-config parser reads values as Pulumi does or refuses them on one located
line, and a bidder's text is text in every export of `hdhport diff` (issue 17; review rows 1, 5, 8, 21). The
fixed hostile cases are in tests/test_hostile_input.py.

The exports run `hdhport diff` in-process against the two-service test catalogue, each example in a directory of
its own: with the 55-service catalogue one example took about 1.5 s, over hypothesis's 200 ms default deadline,
and a failing example is then replayed and shrunk hundreds of times, which is what looked like a hang (the
failure was real: a bidder's `"\\e[2K"` made the XLSX export an internal error). Here an example takes about
0.3 s, and a failure is reported as found, not shrunk, so a red run stays under a minute too.
"""
from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import DATA
from hdhport.errors import InputError
from hdhport.yamlsource import parse_text

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "on", "off", "y", "True", "TRUE", "true", "false", "1:30", "010", "0x10", "0o7",
                     "1_000", "1e3", "1e-300", ".inf", "~", "null", "", "2027-01-01", "-0", "+1", "9" * 30]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20))


@PROPERTY
@given(value=SCALARS, quoted=st.booleans(), in_list=st.booleans())
def test_a_stack_value_is_read_as_pulumi_reads_it_or_refused_on_one_line(value: str, quoted: bool,
                                                                         in_list: bool) -> None:
    """Row 5: only true/false (any case Pulumi knows) are booleans, no sexagesimal, no YAML 1.1 octal; a key's
    value is its text; anything else is one located line."""
    from hdhport import stackfile

    written = json.dumps(value) if quoted else value
    text = f"config:\n  hdh:x: [{written}]\n" if in_list else f"config:\n  hdh:x: {written}\n"
    try:
        document = parse_text(text, "Pulumi.p.yaml", pulumi=True)
    except InputError as exc:
        assert all(str(p).startswith("Pulumi.p.yaml:") and "\n" not in str(p) for p in exc.problems)
        return
    config = document.data["config"]
    if in_list and not config["hdh:x"]:  # `[ ]`: an empty list
        return
    read = config["hdh:x"][0] if in_list else stackfile._as_program_reads(document, "hdh:x", config["hdh:x"])
    if isinstance(read, bool):
        assert not quoted or not in_list
        assert document.texts[("config", "hdh:x", 0) if in_list else ("config", "hdh:x")] in (
            "true", "false", "True", "False", "TRUE", "FALSE")
    if value in ("yes", "no", "on", "off", "y", "1:30"):
        assert read == value
    if quoted and in_list:
        assert read == value


# ------------------------------------------------------------------------ exports: bidder text stays text

EXPORTS = settings(max_examples=25, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Where a bidder writes text that the exports print, in the test profile (tests/data/mini_profile.yaml).
FIELDS = (("name",), ("operator",), ("regions", 0, "name"), ("jurisdiction", "source"),
          ("qualifications", "secnumcloud", "scope"), ("offers", "object_storage", "product"),
          ("offers", "object_storage", "notes"), ("offers", "object_storage", "source"))
HOSTILE_STARTS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "\n", "=HYPERLINK(\"http://x\",\"y\")",
                                  "=cmd|' /C calc'!A0", "-3", "+1.5", "<script>alert(1)</script>",
                                  "<img src=x onerror=alert(1)>", "</style><script>", "\"><b>", "&lt;", "| x |",
                                  "`code`", "[l](javascript:alert(1))", "\u202e", "\x1b[2K"])
TEXT = st.builds(lambda start, rest: start + rest or "x", HOSTILE_STARTS,
                 st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30))
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def _diff_exports(texts: tuple[str, ...], directory: Path) -> dict[str, bytes] | None:
    """`hdhport diff bidder.yaml --format F --out bidder.F` for md, html, csv and xlsx; None if the profile is
    refused (exit 2: the text broke a rule of the profile model, not an export)."""
    import yaml

    from hdhport.cli import main

    data = yaml.safe_load((DATA / "mini_profile.yaml").read_text(encoding="utf-8"))
    for path, text in zip(FIELDS, texts):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = text
    profile = directory / "bidder.yaml"
    profile.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    empty = directory / "no-profiles"
    empty.mkdir()
    exports = {}
    for output_format in ("md", "html", "csv", "xlsx"):
        out = directory / f"bidder.{output_format}"
        code = main(["--catalog", str(DATA / "mini_catalog.yaml"), "--profiles-dir", str(empty), "diff", str(profile),
                     "--format", output_format, "--out", str(out)])
        if code == 2:
            return None
        assert code == 0
        exports[output_format] = out.read_bytes()
    return exports


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _html_tags(page: bytes) -> list[str]:
    parser = _Tags()
    parser.feed(page.decode("utf-8"))
    return parser.tags


def _formulas(workbook: bytes) -> dict[tuple[str, str], str]:
    """Every formula of an .xlsx, by (sheet file, cell): openpyxl writes each as an `<f>` element."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                for cell, formula in re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f>([^<]*)</f>', xml):
                    found[(name, cell)] = formula
                assert xml.count("<f>") == len([k for k in found if k[0] == name]), name
    return found


@cache
def _harmless() -> dict[str, bytes]:
    """The same report with harmless text: the formulas and the markup an export has of its own."""
    with tempfile.TemporaryDirectory() as directory:
        exports = _diff_exports(tuple(f"plain {i}" for i in range(len(FIELDS))), Path(directory))
    assert exports is not None
    return exports


@EXPORTS
@given(texts=st.tuples(*[TEXT] * len(FIELDS)))
def test_bidder_text_is_text_in_every_export(texts: tuple[str, ...], tmp_path: Path) -> None:
    """Rows 1 and 8: whatever a bidder writes, no export holds a formula or markup it did not have already:
    the workbook's formulas are exactly those of the same report with harmless text (openpyxl types every other
    cell as text), no CSV cell starts with `= + - @`, a tab or a carriage return unless it is a plain number,
    and the HTML and Markdown reports have the tags of the harmless report, no more."""
    import openpyxl

    exports = _diff_exports(texts, Path(tempfile.mkdtemp(dir=tmp_path)))
    if exports is None:
        return
    harmless = _harmless()
    assert _formulas(exports["xlsx"]) == _formulas(harmless["xlsx"])
    book = openpyxl.load_workbook(io.BytesIO(exports["xlsx"]))
    typed = sum(1 for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f")
    assert typed == len(_formulas(harmless["xlsx"]))
    for row in csv.reader(io.StringIO(exports["csv"].decode("utf-8"))):
        for cell in row:
            assert not cell.startswith(CSV_TRIGGERS) or PLAIN_NUMBER.match(cell), repr(cell)
    assert _html_tags(exports["html"]) == _html_tags(harmless["html"])
    assert _html_tags(exports["md"]) == _html_tags(harmless["md"])


def test_a_control_character_in_bidder_text_is_refused_on_one_line(cli: Any, tmp_path: Path) -> None:
    """Found by the property above (rows 1, 8, 21): `name: "a\\e[2Kb"` passed validation, then `diff --format
    xlsx` failed with `internal error: IllegalCharacterError` (exit 1); the text rewrote the terminal in the table."""
    profile = tmp_path / "bidder.yaml"
    text = (DATA / "mini_profile.yaml").read_text(encoding="utf-8")
    profile.write_text(text.replace("name: Mini cloud", 'name: "Mini\\e[2K cloud"'), encoding="utf-8")
    (tmp_path / "empty").mkdir()
    result = cli("--catalog", str(DATA / "mini_catalog.yaml"), "--profiles-dir", str(tmp_path / "empty"), "diff",
                 str(profile), "--format", "xlsx", "--out", str(tmp_path / "d.xlsx"))
    assert (result.code, result.err) == (2, f"{profile}:3:1: name: control character '\\x1b' in text; remove it\n")
    assert not (tmp_path / "d.xlsx").exists()
