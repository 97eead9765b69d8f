"""What a 2026 buyer and bidder meet at the command line and in the reports: profiles given anywhere on the line,
every profile key described in the published schema, each qualification's source date on the summary row."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from procurement_support import bidder, diff_json, shipped, write_profile


def test_profiles_may_be_given_anywhere_on_the_line(cli: Any) -> None:
    """Issue 15: `diff bleu --require hds scaleway` was refused as `unrecognized arguments: scaleway`."""
    spread = diff_json(cli, "bleu", "--require", "hds", "scaleway")
    assert [b["id"] for b in spread["bidders"]] == ["scaleway", "bleu"] and spread["required"] == ["hds"]
    ended = cli("diff", "bleu", "--format", "json", "--", "scaleway")  # `--` ends the options, as usual
    assert ended.code == 0 and [b["id"] for b in json.loads(ended.out)["bidders"]] == ["scaleway", "bleu"]
    with pytest.raises(SystemExit) as refused:
        cli("diff", "bleu", "--require", "hds", "--bogus")
    assert refused.value.code == 2


def _undescribed(node: Any, path: str = "") -> list[str]:
    """Every property of a JSON Schema (nested, through $defs, items and unions) that has no description."""
    found: list[str] = []
    if not isinstance(node, dict):
        return found
    for key, value in (node.get("properties") or {}).items():
        if isinstance(value, dict) and "description" not in value:
            found.append(f"{path}.{key}")
        found += _undescribed(value, f"{path}.{key}")
    for name, definition in (node.get("$defs") or {}).items():
        found += _undescribed(definition, name)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
        for child in (node[key] if isinstance(node.get(key), list) else [node.get(key)]):
            found += _undescribed(child, path)
    return found


def test_every_profile_key_is_described_in_the_published_schema() -> None:
    """Issue 15: a bidder reads what each key means in its editor (the schema) without the source code."""
    from hdhport.loader import load_catalogue
    from hdhport import paths
    from hdhport.schema import profile_schema

    schema = profile_schema(load_catalogue(paths.CATALOGUE))
    assert _undescribed(schema) == []
    assert _undescribed({"properties": {"x": {"type": "string"}}}) == [".x"]  # the walk finds what it looks for


def test_the_summary_row_dates_each_qualification_and_the_facts_give_its_source(cli: Any) -> None:
    """Issue 15's done-when: Scaleway's row shows its HDS certification with its source and date."""
    report = diff_json(cli, "scaleway")
    hds = bidder(report, "scaleway")["qualifications"]["hds"]
    assert hds["status"] == "certified" and hds["source"] and hds["date"]
    table = cli("diff", "scaleway")
    assert f"certified ({hds['date']})" in table.out.splitlines()[2]
    markdown = cli("diff", "scaleway", "--format", "md").out
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 | Scaleway"))
    assert f"| certified ({hds['date']}) |" in row
    facts = next(line for line in markdown.splitlines() if line.startswith("| HDS | certified"))
    assert facts.endswith(f"| {hds['date']} |") and "create-hds-certified-bucket" in facts


def test_a_bidder_names_its_own_api_and_it_counts_as_proprietary(cli: Any, tmp_path: Path) -> None:
    """Issue 15: a bidder with its own API could not answer honestly (an unknown term was refused)."""
    data = shipped("scaleway")
    data["id"], data["api_family"] = "acme", "other"
    data["offers"]["object_storage"]["interfaces"] = ["s3", "acme-api"]
    data["offers"]["key_management"].update(interfaces=["acme-api"], proprietary_api="unknown")
    path = write_profile(tmp_path, data)
    refused = cli("validate", str(path))
    assert refused.code == 2 and "unknown value 'acme-api'" in refused.err
    assert "an interface of your own goes under `own_interfaces`" in refused.err
    data["own_interfaces"] = {"acme-api": "Acme Cloud's REST API"}
    write_profile(tmp_path, data)
    assert cli("validate", str(path)).code == 0
    cells = {c["service"]: c for c in bidder(diff_json(cli, str(path)), "acme")["cells"]}
    assert cells["object_storage"]["interface"]["status"] == "open"
    assert cells["object_storage"]["interface"]["detail"] == "speaks s3; management API proprietary (acme-api)"
    assert cells["key_management"]["interface"]["status"] == "proprietary"
    data["own_interfaces"]["s3"] = "ours"  # a vocabulary term cannot be redefined as the bidder's own
    write_profile(tmp_path, data)
    again = cli("validate", str(path))
    assert again.code == 2 and "own_interfaces.s3: 's3' is already in the catalogue's vocabulary (open)" in again.err
