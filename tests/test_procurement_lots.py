"""A tender in lots (`hdhport diff --weights FILE --lot ID`): each lot compared on its own services, scored with its own
weights, judged with its own required qualifications; a bad lot is one located line."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from hdhport import paths
from hdhport.loader import load_catalogue
from procurement_support import bidder, criterion, diff_json

EXAMPLE = ROOT / "docs" / "examples" / "weights-lots.yaml"
CATALOGUE = load_catalogue(paths.CATALOGUE)


def _lots_file(tmp_path: Path, lots: list[dict[str, Any]], **top: Any) -> Path:
    path = tmp_path / "lots.yaml"
    path.write_text(yaml.safe_dump({**top, "lots": lots}, sort_keys=False), encoding="utf-8")
    return path


def test_a_lot_compares_only_its_services_with_its_weights(cli: Any) -> None:
    whole = diff_json(cli, "--all", "--weights", str(EXAMPLE))
    lot = diff_json(cli, "--all", "--weights", str(EXAMPLE), "--lot", "snds-hosting")
    families = {"storage", "security", "identity", "observability"}
    named = {"relational_database", "virtual_network", "security_groups", "perimeter_firewall", "private_endpoints",
             "private_dns"}
    expected = [s.id for s in CATALOGUE.services if s.family in families or s.id in named]
    assert [s["id"] for s in lot["services"]] == expected
    assert len(whole["services"]) == len(CATALOGUE.services) > len(expected)
    assert lot["lot"]["id"] == "snds-hosting" and whole["lot"] is None
    assert lot["weights"]["criteria"]["sovereignty"] == 50 and whole["weights"]["criteria"]["sovereignty"] == 40
    assert lot["required"] == ["secnumcloud", "hds"] and whole["required"] == []
    for entry in lot["bidders"]:
        assert [c["service"] for c in entry["cells"]] == expected, entry["id"]
        assert criterion(entry, "sovereignty")["weight"] == 50
    # its verdict follows its own required qualifications: Scaleway (SecNumCloud J0) is not eligible for this lot
    assert bidder(lot, "scaleway")["verdict"]["status"] == "not eligible"
    assert bidder(whole, "scaleway")["verdict"]["status"] != "not eligible"


def test_a_lot_verdict_counts_only_its_must_services(cli: Any, tmp_path: Path) -> None:
    """Bleu leaves every service unknown: a lot of one service lists that one only as unknown."""
    lots = _lots_file(tmp_path, [{"id": "keys", "name": "Keys", "services": ["key_management"]}])
    report = diff_json(cli, "bleu", "scaleway", "--weights", str(lots), "--lot", "keys")
    assert bidder(report, "bleu")["verdict"]["unknown_musts"] == ["key_management"]
    assert bidder(report, "scaleway")["counts"] == {"native": 1, "self-hosted": 0, "gap": 0, "unknown": 0}


def test_a_lot_gives_only_the_criteria_that_differ(cli: Any, tmp_path: Path) -> None:
    lots = _lots_file(tmp_path, [{"id": "keys", "name": "Keys", "services": ["key_management"],
                                  "criteria": {"coverage": 30, "sovereignty": 50}}])
    report = diff_json(cli, "scaleway", "--weights", str(lots), "--lot", "keys")
    assert report["weights"]["criteria"] == {"coverage": 30, "sovereignty": 50, "reversibility": 20,
                                             "deployability": 0, "cost": 0}


def test_the_table_names_the_lot_and_the_lots_defined(cli: Any) -> None:
    lot = cli("diff", "--all", "--weights", str(EXAMPLE), "--lot", "project-environments")
    assert lot.code == 0, lot.err
    assert "lot project-environments: The projects' environments" in lot.out
    whole = cli("diff", "--all", "--weights", str(EXAMPLE))
    assert "lots of the weights file, each ranked with --lot ID: snds-hosting (" in whole.out


@pytest.mark.parametrize("lots, message", [
    ([{"id": "a", "name": "A", "services": ["nope"]}], "lots.yaml:5:5: lots.a.services[0]: no catalogue service 'nope'"),
    ([{"id": "a", "name": "A", "families": ["cooking"]}], "lots.yaml:5:5: lots.a.families[0]: no catalogue family "
                                                          "'cooking' (families: compute, cost, data,"),
    ([{"id": "a", "name": "A"}], "lots.yaml:2:3: lots.a: lot 'a' has no service: give `services` or `families`"),
    ([{"id": "a", "name": "A", "services": ["cpu_vm"]}, {"id": "a", "name": "B", "services": ["cpu_vm"]}],
     "lots.yaml:6:3: lots.a.id: lot 'a' is defined twice"),
    ([{"id": "a", "name": "A", "services": ["cpu_vm"], "criteria": {"coverage": 90}}],
     "lots.yaml:6:3: lots.a.criteria: these add up to 150; they must add up to 100"),
    ([{"id": "A B", "name": "A", "services": ["cpu_vm"]}], "lots.yaml:2:3: lots.A B.id: invalid value 'A B': does not match "),
    ([{"id": "a", "name": "A", "services": ["cpu_vm"], "require": ["iso"]}], "lots.yaml:7:5: lots.a.require[0]: unknown value 'iso'; expected 'secnumcloud' or 'hds'"),
])
def test_a_bad_lot_is_a_located_line(cli: Any, tmp_path: Path, lots: list[dict[str, Any]], message: str) -> None:
    result = cli("diff", "scaleway", "--weights", str(_lots_file(tmp_path, lots)))
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert len(line.splitlines()) == 1 and line.startswith(str(tmp_path / message.split(":", 1)[0])), line
    assert message.split(":", 1)[1] in line, line


def test_an_unknown_lot_names_the_lots_defined(cli: Any) -> None:
    result = cli("diff", "--all", "--weights", str(EXAMPLE), "--lot", "hosting")
    assert result.code == 2 and result.out == ""
    assert result.err == (f"--lot: no lot 'hosting' in {EXAMPLE} (lots defined: snds-hosting, "
                          "project-environments)\n")
    default = cli("diff", "--all", "--lot", "hosting")
    assert default.code == 2 and default.err.startswith("--lot: no lot 'hosting' in ") and "(lots defined: none)" in default.err


def test_every_format_of_a_lot_renders(cli: Any, tmp_path: Path) -> None:
    for output_format in ("md", "html", "csv", "xlsx", "questions"):
        out = tmp_path / f"lot.{output_format}"
        result = cli("diff", "--all", "--weights", str(EXAMPLE), "--lot", "snds-hosting", "--format", output_format,
                     "--out", str(out), "--no-cost")
        assert result.code == 0, (output_format, result.err)
        if output_format in ("md", "html", "questions"):
            assert "snds-hosting" in out.read_text(encoding="utf-8"), output_format


def test_a_lot_is_never_costed_and_every_bad_lot_is_reported_at_once(cli: Any, tmp_path: Path) -> None:
    """Review of 2026-12-03: a lot's own cost weight was ignored (totals out of 80), and a lot after a bad one
    went unreported."""
    lots = _lots_file(tmp_path, [
        {"id": "k", "name": "K", "services": ["key_management"],
         "criteria": {"coverage": 30, "sovereignty": 30, "reversibility": 20, "cost": 20}},
        {"id": "b", "name": "B", "services": ["nope"]},
        {"id": "a", "name": "A"}])
    result = cli("diff", "scaleway", "--weights", str(lots), "--lot", "k")
    assert result.code == 2 and result.out == ""
    assert [line.split(": ", 2)[1] for line in result.err.splitlines()] == [
        "lots.k.criteria.cost", "lots.b.services[0]", "lots.a"]
    assert "a lot is not scored on cost (the monthly cost is the whole platform's, never a lot's)" in result.err
    # a file that weighs cost makes every lot that keeps its criteria refuse it too
    inherited = _lots_file(tmp_path, [{"id": "k", "name": "K", "services": ["key_management"]}],
                           criteria={"coverage": 30, "sovereignty": 30, "reversibility": 20, "cost": 20})
    refused = cli("diff", "scaleway", "--weights", str(inherited))
    assert refused.code == 2 and "lots.k.criteria.cost: a lot is not scored on cost" in refused.err
    costed = cli("diff", "scaleway", "--weights", str(EXAMPLE), "--lot", "snds-hosting", "--cost")
    assert (costed.code, costed.err) == (2, "--cost: the monthly cost is the whole platform's, never a lot's: "
                                            "leave it out with --lot\n")
