"""The CLI as people use it: formats, errors, exit codes, and a fast start without cloud SDKs."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from conftest import ROOT
from hdhport import paths
from hdhport.loader import load_catalogue


def test_catalog_list_table_ends_with_a_summary(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("catalog", "list")
    assert result.code == 0
    assert "object_storage" in result.out
    assert "families" in result.out.splitlines()[-1]


def test_catalog_list_json_filters_by_family(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("catalog", "list", "--family", "storage", "--format", "json")
    services = json.loads(result.out)
    assert services and {s["family"] for s in services} == {"storage"}


def test_catalog_list_md_is_a_markdown_table(cli) -> None:  # type: ignore[no-untyped-def]
    lines = cli("catalog", "list", "--format", "md").out.splitlines()
    assert lines[0].startswith("| id |") and lines[1].startswith("|---|")


def test_unknown_family_is_bad_input(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("catalog", "list", "--family", "nope")
    assert result.code == 2
    assert result.err.startswith("--family: unknown family 'nope'; expected one of ")


def test_catalog_show_prints_both_implementations(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("catalog", "show", "object_storage")
    assert result.code == 0
    assert "\nazure: native" in result.out and "\nopenstack: " in result.out


def test_catalog_show_unknown_service(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("catalog", "show", "nope")
    assert result.code == 2 and "no service 'nope'" in result.err


def test_profile_list_shows_every_profile(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("profile", "list", "--format", "json")
    rows = json.loads(result.out)
    assert {r["profile"] for r in rows} == {p.stem for p in paths.shipped_profiles()}
    services = len(load_catalogue(paths.CATALOGUE).services)
    for row in rows:
        assert sum(row[k] for k in ("native", "self-hosted", "gap", "unknown")) == services


@pytest.mark.parametrize("kind", ["catalog", "profile"])
def test_published_schemas_are_current(cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("schema", kind)
    assert json.loads(result.out) == json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())


def test_published_schemas_accept_the_shipped_files() -> None:
    catalog_schema = json.loads((ROOT / "schemas" / "catalog.schema.json").read_text())
    profile_schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text())
    jsonschema.validate(_as_json(paths.CATALOGUE), catalog_schema)
    for path in paths.shipped_profiles():
        jsonschema.validate(_as_json(path), profile_schema)


def test_published_profile_schema_rejects_an_unknown_interface() -> None:
    profile_schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text())
    data = _as_json(paths.shipped_profiles()[0])
    first = next(iter(data["offers"]))
    data["offers"][first]["interfaces"] = ["s4"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, profile_schema)


def _as_json(path):  # type: ignore[no-untyped-def]
    from hdhport.yamlsource import load_document

    return json.loads(json.dumps(load_document(path).data, default=str))


def test_bad_flag_is_one_line_and_exit_2() -> None:
    run = subprocess.run([sys.executable, "-m", "hdhport.cli", "catalog", "list", "--format", "pdf"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "invalid choice: 'pdf'" in run.stderr


@pytest.mark.parametrize("argv", [["validate"], ["catalog", "list"], ["profile", "list"], ["schema", "profile"],
                                  ["diff", "--all", "--format", "json"], ["bid", "template"],
                                  ["migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud"]])
def test_specification_commands_import_no_cloud_sdk(argv: list[str]) -> None:
    code = ("import sys, contextlib, io\nfrom hdhport.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): rc = main(%r)\n"
            "print(rc, sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi')}))" % argv)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "0 []"


def test_console_script_is_installed() -> None:
    run = subprocess.run([str(ROOT / ".venv" / "bin" / "hdhport"), "validate"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ok: catalogue with ")
