"""`hdhport cost` and the price books: arithmetic on a fixture book with known totals, located validation errors,
the shipped books covering what the shipped stacks plan, and one-line CLI errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hdhport.cli import main
from hdhport.cost.book import book_from, check_books, shipped_books
from hdhport.cost.estimate import price
from hdhport.cost.meters import Assumptions, meter
from hdhport.planner import PlannedResource, PlanResult
from hdhport.yamlsource import load_document

DATA = Path(__file__).parent / "data" / "prices"
SHARES = {"object_storage": 0.30}


def _resource(type_: str, name: str, inputs: dict[str, object]) -> PlannedResource:
    return PlannedResource(urn=f"urn:{name}", type=type_, name=name, parent="urn:stack", custom=True, protect=False,
                           retain_on_delete=False, dependencies=[], inputs=inputs)


def _plan() -> PlanResult:
    def tags(service: str, enclave: str = "platform") -> list[str]:
        return [f"hdh-service={service}", f"hdh-enclave={enclave}"]

    return PlanResult("fixture", {}, [
        _resource("scaleway:instance/server:Server", "bastion-0",
                  {"type": "POP2-2C-8G", "tags": tags("bastion"),
                   "rootVolume": {"volumeType": "sbs_volume", "sizeInGb": 20}}),
        _resource("scaleway:instance/server:Server", "p1-gpu-0",
                  {"type": "H100-1-80G", "tags": tags("gpu_vm", "project-001")}),
        _resource("scaleway:block/volume:Volume", "bastion-data", {"sizeInGb": 100, "iops": 5000,
                                                                   "tags": tags("bastion")}),
        _resource("scaleway:object/bucket:Bucket", "objects", {"tags": {"hdh-service": "object_storage",
                                                                        "hdh-enclave": "platform"}}),
        _resource("scaleway:databases/instance:Instance", "db", {"nodeType": "DB-DEV-S",
                                                                 "tags": tags("relational_database")}),
        _resource("scaleway:instance/securityGroup:SecurityGroup", "sg", {}),
    ], {"profile": "scaleway", "placement": {"api_family": "scaleway"}})


def _estimate(assume: Assumptions) -> object:
    book = book_from(load_document(DATA / "fixture.yaml"))
    return price(meter(_plan(), "scaleway", assume, SHARES), book, stack="fixture", offer="scaleway",
                 api_family="scaleway", enclaves=1, assumptions=assume.describe(SHARES))


def test_fixture_book_gives_the_known_total() -> None:
    result = _estimate(Assumptions(volume_tb=1, research_hours=100, egress_gb=500))
    monthly = {(line.service, line.meter): line.rounded for line in result.lines}  # type: ignore[attr-defined]
    assert monthly == {
        ("bastion", "flavor/POP2-2C-8G"): pytest.approx(73.0),  # 730 h x 0.1 EUR/h
        ("bastion", "volume/sbs_volume"): pytest.approx(14.6),  # 20 GB x 0.001 EUR/GB-hour x 730 h
        ("bastion", "volume/sbs-5k"): pytest.approx(1.0),  # 100 GB x 0.01 EUR/GB-month
        ("gpu_vm", "flavor/H100-1-80G"): pytest.approx(100.0),  # 100 research hours x 730 EUR/month / 730 h
        ("object_storage", "object-storage/standard"): pytest.approx(6.0),  # 30 % of 1 TB x 0.02 EUR/GB-month
        ("nat_egress", "egress/internet"): 0.0,  # a documented 0
        ("relational_database", "database/DB-DEV-S"): None,  # unknown in the book
        ("object_storage", "requests/object-storage"): None,  # not in the book
    }
    assert result.known_total == pytest.approx(194.6)  # type: ignore[attr-defined]
    assert result.total_text() == ("at least 194.60 EUR/month excl. VAT; 2 of 8 lines (25%) "  # type: ignore[attr-defined]
                                   "have no known price")
    assert result.not_billed == {"scaleway:instance/securityGroup:SecurityGroup": 1}  # type: ignore[attr-defined]
    by_enclave = result.by("enclave")  # type: ignore[attr-defined]
    assert by_enclave["project-001"] == (pytest.approx(100.0), 0, 1)
    assert by_enclave["platform"] == (pytest.approx(94.6), 2, 7)


def test_each_line_names_its_price_and_assumptions_are_stated() -> None:
    result = _estimate(Assumptions())
    lines = {line.meter: line for line in result.lines}  # type: ignore[attr-defined]
    assert lines["flavor/POP2-2C-8G"].to_json()["source"] == "tests fixture"
    assert lines["database/DB-DEV-S"].status == "unknown"
    assert lines["requests/object-storage"].status == "not in price book"
    assert lines["flavor/H100-1-80G"].quantity == 730  # research machines run all month by default
    assert any("100 TB" in text for text in result.assumptions)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name, expected", [
    ("bad_unit.yaml", "bad_unit.yaml:8:5: prices.volume/sbs-5k.unit: unit 'hour' does not fit a volume meter; "
                      "expected gb-month or gb-hour"),
    ("missing_source.yaml", "missing_source.yaml:6:5: prices.flavor/POP2-2C-8G: missing required key 'source'"),
])
def test_bad_price_book_fails_validate_with_a_located_line(name: str, expected: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / name)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(expected)


def test_zero_without_note_and_unknown_kind_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text("offer: x\ncurrency: EUR\nvat: excluded\nregion: r\nprices:\n"
                    "  - {id: flavor/a, price: 0, unit: hour, source: s, read: 2026-11}\n"
                    "  - {id: gpus/a, price: 1, unit: hour, source: s, read: 2026-11}\n", encoding="utf-8")
    _, problems = check_books([path])
    messages = [p.message for p in problems]
    assert messages[0].startswith("a price of 0 needs a `note`")
    assert messages[1].startswith("unknown meter kind 'gpus'")


def test_shipped_books_validate() -> None:
    books, problems = check_books(shipped_books())
    assert not problems
    assert {b.offer for b in books} >= {"azure-francecentral", "ovhcloud-public-cloud", "scaleway"}
    for book in books:
        for entry in book.prices:
            assert entry.price != 0 or entry.note  # never a silent 0


@pytest.mark.parametrize("argv, message", [
    (["cost", "--stack", "nowhere"], "no stack 'nowhere'"),
    (["cost", "--stack", "scaleway-fr-par", "--volume-tb", "-1"], "expected a finite number 0 or more"),
    (["cost", "--stack", "scaleway-fr-par", "--enclaves", "x"], "expected a whole number"),
    (["cost", "--stack", "scaleway-fr-par", "--format", "pdf"], "invalid choice"),
])
def test_bad_cli_input_is_one_line_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


@pytest.mark.parametrize("stack", ["scaleway-fr-par", "ovhcloud-public-cloud", "azure-francecentral"])
def test_shipped_stacks_cost_with_every_meter_in_their_book(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--stack", stack, "--enclaves", "1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["price_book"] is not None
    missing = sorted({line["meter"] for line in document["lines"] if line["status"] == "not in price book"})
    assert missing == [], f"meters of {stack} missing from its price book: {missing}"
    known = sum(line["monthly_eur"] or 0 for line in document["lines"])
    assert document["summary"]["known_total_eur"] == pytest.approx(known, abs=0.001)  # to the cent
    assert all(line["source"] for line in document["lines"])
