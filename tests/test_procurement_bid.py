"""A bidder's path: print the template, validate it as is, fill in a little, and diff it beside the others."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hdhport import paths
from hdhport.loader import load_catalogue
from procurement_support import bidder, criterion, diff_json

CATALOGUE = load_catalogue(paths.CATALOGUE)


def _template(cli: Any, tmp_path: Path, family: str) -> Path:
    result = cli("bid", "template", "--family", family)
    assert (result.code, result.err) == (0, "")
    path = tmp_path / "offer.yaml"
    path.write_text(result.out, encoding="utf-8")
    return path


@pytest.mark.parametrize("family", ["openstack", "azure", "other", "scaleway"])
def test_the_template_validates_as_printed_and_diffs_beside_the_shipped_profiles(cli: Any, tmp_path: Path,
                                                                                family: str) -> None:
    path = _template(cli, tmp_path, family)
    validated = cli("validate", str(path))
    assert (validated.code, validated.err) == (0, ""), validated.err
    assert validated.out.startswith(f"ok: catalogue with {len(CATALOGUE.services)} services; 1 profile(s)")
    report = diff_json(cli, str(path), "--all")
    answer = bidder(report, "bidder-offer")
    assert len(report["bidders"]) == len(paths.shipped_profiles()) + 1
    assert answer["counts"] == {"native": 0, "self-hosted": 0, "gap": 0, "unknown": len(CATALOGUE.services)}
    assert criterion(answer, "coverage")["score"] == 0
    sovereignty = criterion(answer, "sovereignty")
    assert sovereignty["score"] == 0 and all(p["unknown"] for p in sovereignty["parts"]), \
        "a placeholder must never count as a yes"


def test_the_template_lists_every_service_with_its_requirement_interfaces_and_controls(cli: Any,
                                                                                      tmp_path: Path) -> None:
    text = _template(cli, tmp_path, "openstack").read_text(encoding="utf-8")
    for service in CATALOGUE.services:
        block = text.split(f"\n  {service.id}:\n", 1)
        assert len(block) == 2, service.id
        comments = block[0].rsplit("\n\n", 1)[1]
        assert f"# {service.name} ({service.requirement}" in comments
        assert f"open interfaces: {', '.join(service.interfaces)}" in comments
        assert f"required controls: {', '.join(service.controls)}" in comments
        assert "hdhport on openstack: " in comments
    assert "api_family: openstack" in text and "services: [keystone]" in text


def test_a_bidder_with_its_own_api_answers_other_and_validates(cli: Any, tmp_path: Path) -> None:
    path = _template(cli, tmp_path, "other")
    text = path.read_text(encoding="utf-8")
    assert "api_family: other" in text and "\nopenstack:" not in text
    assert "hdhport on" not in text  # the toolkit deploys no such family: no implementation to show
    assert cli("validate", str(path)).code == 0


def test_a_filled_in_answer_is_validated_with_its_line(cli: Any, tmp_path: Path) -> None:
    path = _template(cli, tmp_path, "openstack")
    text = path.read_text(encoding="utf-8")
    text = text.replace("  object_storage:\n    offer: unknown\n", "  object_storage:\n    offer: native\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  object_storage:") + 1
    result = cli("validate", str(path))
    assert result.code == 2
    assert result.err == f"{path}:{line}:3: offers.object_storage: a native offer needs a `product`\n"


def test_an_unknown_family_is_refused(cli: Any) -> None:
    result = cli("bid", "template", "--family", "mainframe")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("--family: unknown API family 'mainframe'; expected other or one of azure, ")
