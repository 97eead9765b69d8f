"""Issue 15: a rank that means something, scores that empty claims cannot game, a headline query that answers,
a deployability criterion that does not tilt the tender, and dates known only to the month."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hdhport import paths
from hdhport.loader import load_catalogue
from hdhport.procurement.weights import load_weights
from procurement_support import bidder, criterion, diff_json, shipped, write_profile

CATALOGUE = load_catalogue(paths.CATALOGUE)
SERVICES = {s.id: s for s in CATALOGUE.services}


# ---------------------------------------------------------------- 1. rank


def test_bidders_are_ranked_by_total_and_references_are_shown_apart(cli: Any) -> None:
    report = diff_json(cli, "--all", "--baseline", "azure-francecentral")
    ranked = [b for b in report["bidders"] if b["rank"] is not None]
    references = [b for b in report["bidders"] if b["rank"] is None]
    assert [b["id"] for b in references] == ["openstack-reference"]
    assert report["bidders"][-len(references):] == references, "references come after every ranked bidder"
    totals = [b["scores"]["total"] for b in ranked]
    assert totals == sorted(totals, reverse=True)
    assert ranked[0]["rank"] == 1
    for before, after in zip(ranked, ranked[1:]):  # equal totals share a rank; ties listed by id
        if before["scores"]["total"] == after["scores"]["total"]:
            assert after["rank"] == before["rank"] and before["id"] < after["id"]
        else:
            assert after["rank"] == ranked.index(after) + 1


def test_equal_totals_share_their_rank(cli: Any, tmp_path: Path) -> None:
    data = shipped("outscale")
    data["id"] = "outscale-copy"
    report = diff_json(cli, str(write_profile(tmp_path, data)), "outscale")
    assert [(b["id"], b["rank"]) for b in report["bidders"]] == [("outscale", 1), ("outscale-copy", 1)]


@pytest.mark.parametrize("output_format", ["table", "md", "html", "csv"])
def test_every_text_format_shows_the_rank(cli: Any, output_format: str) -> None:
    out = cli("diff", "--all", "--format", output_format).out
    if output_format == "table":
        header, _, first, *rest = out.splitlines()
        assert header.split()[0] == "rank" and first.split()[0] == "1"
        reference = next(line for line in rest if line.startswith("—") or "openstack-reference" in line)
        assert reference.split()[0] in ("—", "reference")
    elif output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {r["rank"] for r in rows if r["bidder"] == "openstack-reference"} == {""}
        assert "1" in {r["rank"] for r in rows}
    else:
        assert "Rank" in out and "reference, not ranked" in out


def test_the_spreadsheet_shows_the_rank(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "diff.xlsx"
    assert cli("diff", "--all", "--format", "xlsx", "--out", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    scores, summary = book["Scores"], book["Summary"]
    header = [c.value for c in scores[1]]
    # the rank is live: a RANK() of the Summary's totals, which the Scores sheet points at
    assert header[0] == "rank" and scores.cell(row=2, column=1).value == "=Summary!$A$2"
    assert summary["A1"].value == "rank" and str(summary["A2"].value).startswith("=RANK(")


# ---------------------------------------------------------------- 2. empty claims


def _placeholder_claims(tmp_path: Path) -> str:
    data = shipped("s3ns-premi3ns")
    data["id"] = "placeholder-claims"
    data["qualifications"]["secnumcloud"]["source"] = "(to fill) ANSSI's list or the qualification certificate"
    data["qualifications"]["hds"] |= {"status": "certified", "source": "(to fill) the HDS certificate"}
    return str(write_profile(tmp_path, data))


def test_a_qualification_sourced_by_a_placeholder_earns_nothing_and_is_flagged(cli: Any, tmp_path: Path) -> None:
    report = diff_json(cli, _placeholder_claims(tmp_path), "--require", "secnumcloud", "--require", "hds")
    entry = report["bidders"][0]
    parts = {p["label"]: p for p in criterion(entry, "sovereignty")["parts"]}
    for label in ("SecNumCloud status", "SecNumCloud version", "SecNumCloud qualification date", "HDS certification"):
        assert parts[label]["points"] == 0 and parts[label]["unknown"], label
        assert "placeholder" in parts[label]["detail"], label
    assert entry["verdict"]["status"] != "eligible"
    assert any("placeholder" in r for r in entry["verdict"]["to_confirm"])


def test_services_that_cannot_be_self_hosted_come_from_the_catalogue_and_a_stated_list() -> None:
    from hdhport.procurement.scores import UNVERIFIABLE_SELF_HOSTED, unverifiable_self_hosted

    native_only = {s.id for s in CATALOGUE.services
                   if all(s.implementation(f).kind == "native" and not s.implementation(f).fallback
                          for f in ("azure", "openstack", "scaleway"))}
    flagged = {s.id for s in CATALOGUE.services if unverifiable_self_hosted(s)}
    assert native_only <= flagged and "cpu_vm" in flagged and "ddos_protection" in flagged
    assert flagged - native_only == set(UNVERIFIABLE_SELF_HOSTED)
    assert all(UNVERIFIABLE_SELF_HOSTED.values()), "each listed service says why"
    assert "object_storage" not in flagged  # MinIO on the bidder's VMs is a real answer


def _gamed(tmp_path: Path) -> tuple[str, list[str]]:
    """The review's gaming scenario on a shipped bidder: every unknown service claimed self-hosted."""
    data = shipped("cloud-temple")
    data["id"] = "gamed"
    claimed = []
    for service, offer in data["offers"].items():
        if offer["offer"] == "unknown":
            claimed.append(service)
            data["offers"][service] = {"offer": "self-hosted", "product": "open-source software on our VMs",
                                       "interfaces": ["ssh", "https"], "proprietary_api": "no",
                                       "source": "bidder's answer", "date": offer["date"]}
    return str(write_profile(tmp_path, data)), claimed


def test_a_self_hosted_claim_on_a_service_that_cannot_be_self_hosted_earns_no_more_than_unknown(
        cli: Any, tmp_path: Path) -> None:
    from hdhport.procurement.scores import unverifiable_self_hosted

    path, claimed = _gamed(tmp_path)
    entry = diff_json(cli, path)["bidders"][0]
    unverifiable = [s for s in claimed if unverifiable_self_hosted(SERVICES[s])]
    assert unverifiable
    for criterion_id in ("coverage", "reversibility"):
        for part in criterion(entry, criterion_id)["parts"]:
            if set(part["services"]) & set(unverifiable):
                assert part["points"] == 0 and part["unknown"], (criterion_id, part)
                assert "unverifiable self-hosted claim" in part["label"], (criterion_id, part)
    cells = {c["service"]: c for c in entry["cells"]}
    for service in unverifiable:
        assert any("unverifiable self-hosted claim" in flag for flag in cells[service]["flags"]), service
    musts = [s for s in unverifiable if SERVICES[s].requirement == "must"]
    assert entry["verdict"]["status"] == "to confirm"
    assert set(musts) <= set(entry["verdict"]["unknown_musts"])


# ---------------------------------------------------------------- 3. the headline query


def test_the_headline_query_marks_unknown_hds_to_confirm_and_keeps_not_eligible_for_a_stated_none(
        cli: Any) -> None:
    report = diff_json(cli, "--all", "--baseline", "azure-francecentral", "--require", "secnumcloud",
                       "--require", "hds")
    for entry in report["bidders"]:
        snc = entry["qualifications"]["secnumcloud"]["status"]
        hds = entry["qualifications"]["hds"]["status"]
        verdict = entry["verdict"]
        if snc in ("none", "j0", "in-progress") or hds == "none":
            assert verdict["status"] == "not eligible", entry["id"]
        elif hds == "unknown" or snc == "unknown":
            assert verdict["status"] == "to confirm", entry["id"]
            assert any("unknown" in r and "to confirm" in r for r in verdict["to_confirm"]), entry["id"]
            assert not any(r.startswith("HDS required") for r in verdict["reasons"]), entry["id"]


def test_a_stated_none_is_not_eligible(cli: Any, tmp_path: Path) -> None:
    data = shipped("s3ns-premi3ns")
    data["id"] = "no-hds"
    data["qualifications"]["hds"]["status"] = "none"
    entry = diff_json(cli, str(write_profile(tmp_path, data)), "--require", "hds")["bidders"][0]
    assert entry["verdict"]["status"] == "not eligible"
    assert entry["verdict"]["reasons"] == ["HDS required: status is none (needs certified)"]


# ---------------------------------------------------------------- 4. deployability


def test_deployability_is_shown_but_weighs_nothing_by_default(cli: Any) -> None:
    weights, _ = load_weights()
    assert weights.criteria.deployability == 0
    text = (paths.ROOT / "hdhport" / "procurement" / "weights.yaml").read_text(encoding="utf-8")
    assert "incumbent" in text.split("deployability: 0")[0].rsplit("reversibility:", 1)[1]
    entry = bidder(diff_json(cli, "azure-francecentral"), "azure-francecentral")
    deployability = criterion(entry, "deployability")
    assert deployability["score"] > 0 and deployability["contribution"] == 0


# ---------------------------------------------------------------- 5. dates to the month


def test_a_source_dated_to_the_month_is_kept_to_the_month(cli: Any, tmp_path: Path) -> None:
    data = shipped("cloud-temple")
    data["id"] = "monthly"
    data["qualifications"]["secnumcloud"]["date"] = "2024-07"
    data["offers"]["cpu_vm"]["date"] = "2024-07"
    path = write_profile(tmp_path, data)
    validated = cli("validate", str(path))
    assert (validated.code, validated.err) == (0, "")
    entry = diff_json(cli, str(path))["bidders"][0]
    assert entry["qualifications"]["secnumcloud"]["date"] == "2024-07"
    assert next(c for c in entry["cells"] if c["service"] == "cpu_vm")["date"] == "2024-07"
    row = next(r for r in csv.DictReader(io.StringIO(cli("diff", str(path), "--format", "csv").out))
               if r["service"] == "cpu_vm")
    assert row["date"] == "2024-07"


@pytest.mark.parametrize("value", ["2024-7", "2024-13", "July 2024", "2024"])
def test_a_date_of_another_shape_is_a_located_error(cli: Any, tmp_path: Path, value: str) -> None:
    data = shipped("cloud-temple")
    data["id"] = "bad-date"
    data["jurisdiction"]["date"] = value
    path = write_profile(tmp_path, data)
    result = cli("validate", str(path))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if value in text and "date" in text)
    assert result.code == 2
    assert result.err.startswith(f"{path}:{line}:")
    assert "jurisdiction.date: expected a date written YYYY-MM-DD, or YYYY-MM" in result.err


def test_the_profile_schema_accepts_a_month() -> None:
    schema = json.loads((paths.ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8"))
    assert "(0[1-9]|1[0-2])" in json.dumps(schema)
