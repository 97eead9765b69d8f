"""`hdhport diff --cost`: each deployable bidder's monthly cost beside its scores, and the optional cost criterion.

The scoring and the rendering are tested on given costs (no plan); one test plans a real bidder, as the CLI does,
and checks the figure is `hdhport cost`'s and that a second ask reuses it."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hdhport import paths
from hdhport.loader import load_specification
from hdhport.procurement import costs as costing
from hdhport.procurement.diff import build_report
from hdhport.procurement.render import render
from hdhport.procurement.report import BidderCost, Report
from hdhport.procurement.weights import load_weights
from procurement_support import bidder, criterion, diff_json

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
TODAY = dt.date(2026, 12, 1)
IDS = ["scaleway", "ovhcloud-public-cloud", "azure-francecentral", "bleu", "openstack-reference"]


def _estimated(eur: float, unknown: int, lines: int) -> BidderCost:
    return BidderCost(status="estimated", enclaves=3, known_eur=eur, at_least=unknown > 0, lines=lines,
                      unknown_lines=unknown, unknown_share=round(unknown / lines, 4), price_book="providers/prices/x.yaml",
                      stack="Pulumi.x.yaml", detail=f"{eur} EUR/month")


COSTS = {
    "scaleway": _estimated(12_000.0, 5, 100),  # 95 % priced: scored
    "ovhcloud-public-cloud": _estimated(2_000.0, 64, 100),  # cheaper, but only a floor: never rewarded
    "azure-francecentral": _estimated(24_000.0, 0, 100),  # complete: scored, half the cheapest's points
    "bleu": BidderCost(status="not deployable", enclaves=3, known_eur=None, at_least=False, lines=0, unknown_lines=0,
                       unknown_share=None, price_book=None, stack=None, detail="api family 'azure-compatible'"),
    "openstack-reference": BidderCost(status="no price book", enclaves=3, known_eur=None, at_least=False, lines=0,
                                      unknown_lines=0, unknown_share=None, price_book=None, stack=None,
                                      detail="no price book"),
}


def _report(weights_file: Path | None = None, costs: dict[str, BidderCost] | None = COSTS) -> Report:
    weights, shown = load_weights(weights_file)
    return build_report(SPEC, IDS, baseline=None, required=[], weights=weights, weights_file=shown,
                        catalogue_file=str(paths.CATALOGUE), today=TODAY, costs=costs,
                        cost_assumptions=["data held: 100 TB"] if costs else [])


def _by_id(report: Report) -> dict[str, Any]:
    return {b.id: b for b in report.bidders}


def test_cost_is_off_by_default_and_weight_0_changes_no_score() -> None:
    without, with_costs = _by_id(_report(costs=None)), _by_id(_report())
    for pid in IDS:
        assert with_costs[pid].scores.total == without[pid].scores.total
        assert [c.id for c in without[pid].scores.criteria] == ["coverage", "sovereignty", "reversibility",
                                                                "deployability"]
        assert with_costs[pid].scores.criteria[-1].id == "cost"
        assert with_costs[pid].scores.criteria[-1].weight == 0 and with_costs[pid].cost == COSTS[pid]
        assert without[pid].cost is None


def test_only_a_mostly_priced_estimate_is_scored_and_unknowns_earn_nothing(tmp_path: Path) -> None:
    weights = tmp_path / "w.yaml"
    weights.write_text("criteria:\n  coverage: 30\n  sovereignty: 30\n  reversibility: 10\n  deployability: 0\n"
                       "  cost: 30\n", encoding="utf-8")
    scored = _by_id(_report(weights))
    cost = {pid: next(c for c in b.scores.criteria if c.id == "cost") for pid, b in scored.items()}
    # the cheapest scorable is Scaleway (OVHcloud's 2,000 is a floor with 64 % unknown lines)
    assert cost["scaleway"].score == 100.0
    assert cost["azure-francecentral"].score == 50.0  # 100 x 12,000 / 24,000
    for pid in ("ovhcloud-public-cloud", "bleu", "openstack-reference"):
        assert cost[pid].score == 0.0 and cost[pid].parts[0].unknown, pid
    assert "64% of its 100 cost lines have no known price" in cost["ovhcloud-public-cloud"].parts[0].detail
    for b in scored.values():
        assert b.scores.total == pytest.approx(sum(c.contribution for c in b.scores.criteria), abs=0.001)


def test_the_cost_threshold_is_a_weight(tmp_path: Path) -> None:
    weights = tmp_path / "w.yaml"
    weights.write_text("criteria:\n  coverage: 40\n  sovereignty: 40\n  reversibility: 10\n  deployability: 0\n"
                       "  cost: 10\ncost:\n  min_known_share: 0.3\n", encoding="utf-8")
    scored = _by_id(_report(weights))
    assert criterion(json.loads(scored["ovhcloud-public-cloud"].model_dump_json()), "cost")["score"] == 100.0
    assert criterion(json.loads(scored["scaleway"].model_dump_json()), "cost")["score"] == pytest.approx(16.67)


@pytest.mark.parametrize("output_format", ["table", "md", "html"])
def test_every_text_format_shows_the_cost_with_its_floor_and_unknown_share(output_format: str) -> None:
    text = render(_report(), output_format)
    assert isinstance(text, str)
    assert "at least 2,000.00 EUR/month; 64 of 100 lines (64%) unknown" in text
    assert "12,000" in text and "no price book" in text and "not deployable by hdhport" in text
    assert "data held: 100 TB" in text or output_format == "table"


def test_csv_json_and_xlsx_carry_the_cost() -> None:
    report = _report()
    rows = list(csv.DictReader(io.StringIO(str(render(report, "csv")))))
    ovh = next(r for r in rows if r["bidder"] == "ovhcloud-public-cloud")
    assert (ovh["monthly_cost_eur"], ovh["monthly_cost_at_least"], ovh["monthly_cost_unknown_share"]) == \
        ("2000.00", "yes", "0.6400")
    document = json.loads(str(render(report, "json")))
    assert bidder(document, "ovhcloud-public-cloud")["cost"]["unknown_share"] == 0.64
    assert document["cost_assumptions"] == ["data held: 100 TB"]
    book = load_workbook(io.BytesIO(bytes(render(report, "xlsx"))))
    sheet = book["Cost"]
    header = [c.value for c in sheet[1]]
    values = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    assert values["ovhcloud-public-cloud"]["unknown share"] == 0.64
    assert values["bleu"]["status"] == "not deployable"


def test_without_cost_the_csv_columns_are_unchanged() -> None:
    header = str(render(_report(costs=None), "csv")).splitlines()[0]
    assert "monthly_cost" not in header


def test_a_bidder_is_planned_only_when_deployable_and_priced() -> None:
    assert costing.bidder_cost(SPEC.profiles["bleu"], SPEC.sources["bleu"], 3).status == "not deployable"
    reference = costing.bidder_cost(SPEC.profiles["openstack-reference"], SPEC.sources["openstack-reference"], 3)
    assert (reference.status, reference.detail) == (
        "no price book", "no price book: providers/prices/openstack-reference.yaml does not exist")


def test_a_deployable_bidder_costs_what_hdhport_cost_says_and_is_planned_once(cli: Any) -> None:
    first = costing.bidder_cost(SPEC.profiles["scaleway"], SPEC.sources["scaleway"], 1)
    assert first.status == "estimated" and first.stack == "Pulumi.scaleway-fr-par.yaml" and first.enclaves == 1
    again = costing.bidder_cost(SPEC.profiles["scaleway"], SPEC.sources["scaleway"], 1)
    assert again is first  # cached for the run: one plan per bidder
    result = cli("cost", "--stack", "scaleway-fr-par", "--enclaves", "1", "--format", "json")
    summary = json.loads(result.out)["summary"]
    assert (first.known_eur, first.unknown_lines, first.lines) == (
        summary["known_total_eur"], summary["unknown_lines"], summary["lines"])
    report = diff_json(cli, "scaleway", "bleu", "--enclaves", "1")  # --enclaves implies --cost; plan reused
    assert bidder(report, "scaleway")["cost"] == first.model_dump(mode="json")
    assert bidder(report, "bleu")["cost"]["status"] == "not deployable"


# ------------------------------------------------------------------ the cost cache and the HTML report's default

@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cost cache of its own, and no estimate remembered by this process."""
    monkeypatch.setenv(costing.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(costing, "_CACHE", {})
    monkeypatch.setattr(costing, "program_digest", functools.cache(lambda: "the program"))  # edits elsewhere
    return tmp_path / "cache" / "cost"


def test_the_program_digest_changes_with_any_file_of_the_program(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "providers" / "openstack").mkdir(parents=True)
    module = tmp_path / "providers" / "openstack" / "volume.py"
    module.write_text("SIZE = 10\n", encoding="utf-8")
    (tmp_path / "Pulumi.x.yaml").write_text("config: {}\n", encoding="utf-8")
    monkeypatch.setattr(costing.paths, "ROOT", tmp_path)
    costing.program_digest.cache_clear()
    try:
        first = costing.program_digest()
        module.write_text("SIZE = 20\n", encoding="utf-8")
        assert costing.program_digest() == first  # read once a process
        costing.program_digest.cache_clear()
        second = costing.program_digest()
        (tmp_path / "Pulumi.x.yaml").write_text("config: {hdh:enclaves: 2}\n", encoding="utf-8")
        costing.program_digest.cache_clear()
        assert len({first, second, costing.program_digest()}) == 3
    finally:
        costing.program_digest.cache_clear()


def _planned(monkeypatch: pytest.MonkeyPatch, cost: BidderCost) -> list[str]:
    """Planning replaced by `cost`; returns the ids planned, in order."""
    planned: list[str] = []

    def estimate(profile: Any, source: str, enclaves: int) -> BidderCost:
        planned.append(profile.id)
        return cost.model_copy(update={"enclaves": enclaves})

    monkeypatch.setattr(costing, "_estimate", estimate)
    return planned


def test_an_estimate_is_kept_on_disk_under_the_hash_of_its_inputs(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planned = _planned(monkeypatch, _estimated(12_345.0, 5, 100))
    scaleway = SPEC.profiles["scaleway"]
    first = costing.bidder_cost(scaleway, SPEC.sources["scaleway"], 3)
    key = costing.cache_key(scaleway, SPEC.sources["scaleway"], 3)
    assert [p.name for p in cache.iterdir()] == [f"{key}.json"] and len(key) == 64
    monkeypatch.setattr(costing, "_CACHE", {})  # a new run: only the disk remembers
    again = costing.bidder_cost(scaleway, SPEC.sources["scaleway"], 3, plan=False)
    assert again == first and again.known_eur == 12_345.0 and planned == ["scaleway"]
    # another enclave count, or another price book or profile file, is another key: never a stale figure
    assert costing.cache_key(scaleway, SPEC.sources["scaleway"], 4) != key
    monkeypatch.setattr(costing.paths, "PROFILES_DIR", cache)  # the same file, now a bidder's own answer
    assert costing.cache_key(scaleway, SPEC.sources["scaleway"], 3) != key


def test_a_file_edited_while_planning_leaves_nothing_in_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _planned(monkeypatch, _estimated(1.0, 0, 1))
    keys = iter(["before", "after"])
    monkeypatch.setattr(costing, "cache_key", lambda *_: next(keys))
    cost = costing.bidder_cost(SPEC.profiles["scaleway"], SPEC.sources["scaleway"], 3)
    assert cost.status == "estimated" and not cache.exists()


def test_the_html_report_shows_cached_costs_without_planning(cli: Any, cache: Path, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    planned = _planned(monkeypatch, _estimated(4_321.0, 2, 100))
    costing.bidder_cost(SPEC.profiles["scaleway"], SPEC.sources["scaleway"], 3)  # as `diff --cost` leaves it
    monkeypatch.setattr(costing, "_CACHE", {})
    out = tmp_path / "diff.html"
    result = cli("diff", "scaleway", "ovhcloud-public-cloud", "bleu", "--format", "html", "--out", str(out))
    assert result.code == 0 and planned == ["scaleway"]  # nothing planned by the report itself
    html = out.read_text(encoding="utf-8")
    assert "at least 4,321.00 EUR/month; 2 of 100 lines (2%) unknown" in html
    assert "not computed yet: run `hdhport diff --cost`" in html and "not deployable by hdhport" in html
    assert result.err == ("hdhport diff: monthly cost not computed yet for ovhcloud-public-cloud: `hdhport diff "
                          "--cost` plans them once (offline) and keeps the figures for the next reports\n")
    # --cost plans what the cache lacks, and only that
    assert cli("diff", "scaleway", "ovhcloud-public-cloud", "--format", "html", "--cost", "--out", str(out)).code == 0
    assert planned == ["scaleway", "ovhcloud-public-cloud"]
    assert "not computed" not in out.read_text(encoding="utf-8")


def test_no_cost_leaves_the_column_out_and_other_formats_are_unchanged(cli: Any, cache: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    planned = _planned(monkeypatch, _estimated(4_321.0, 2, 100))
    costing.bidder_cost(SPEC.profiles["scaleway"], SPEC.sources["scaleway"], 3)
    out = tmp_path / "diff.html"
    assert cli("diff", "scaleway", "--format", "html", "--no-cost", "--out", str(out)).code == 0
    assert "Monthly cost" not in out.read_text(encoding="utf-8")
    for output_format in ("table", "md", "csv", "json"):
        assert "4,321" not in cli("diff", "scaleway", "--format", output_format).out, output_format
    assert planned == ["scaleway"]
    result = cli("diff", "scaleway", "--format", "html", "--no-cost", "--enclaves", "2")
    assert (result.code, result.err) == (2, "--no-cost: --enclaves costs every bidder: leave out --no-cost\n")
    with pytest.raises(SystemExit) as usage:
        cli("diff", "scaleway", "--cost", "--no-cost")
    assert usage.value.code == 2
