"""An unknown vocabulary term in a bidder's answer is refused on one located line that says what is accepted
(review 2026-12-02, finding "a proprietary interface term is refused without the list of accepted ones")."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.loader import load_catalogue
from procurement_support import shipped, write_profile

INTERFACES = sorted(load_catalogue(paths.CATALOGUE).vocabulary.interfaces)


def _validate(cli: Any, tmp_path: Path, interfaces: list[str]) -> str:
    data = shipped("openstack-reference")
    data["id"] = "own-api-bidder"
    data["offers"]["cpu_vm"]["interfaces"] = interfaces
    result = cli("validate", str(write_profile(tmp_path, data)))
    assert result.code == 2, result.err
    lines = [line for line in result.err.splitlines() if "unknown value" in line]
    assert len(lines) == 1, result.err
    return lines[0]


def test_a_term_close_to_none_is_refused_with_every_accepted_term(cli: Any, tmp_path: Path) -> None:
    line = _validate(cli, tmp_path, ["ssh", "ionos-cloud-api"])
    assert "own-api-bidder.yaml:" in line
    assert "offers.cpu_vm.interfaces[1]: unknown value 'ionos-cloud-api'; expected one of " in line
    assert line.endswith("expected one of " + ", ".join(INTERFACES) + "; an interface of your own goes under "
                         "`own_interfaces` with what it is (it counts as proprietary)")


def test_a_mistyped_term_is_refused_with_the_closest_accepted_ones(cli: Any, tmp_path: Path) -> None:
    line = _validate(cli, tmp_path, ["cloud-int"])
    assert "offers.cpu_vm.interfaces[0]: unknown value 'cloud-int'; did you mean cloud-init" in line
    assert f"the {len(INTERFACES)} accepted terms are under vocabulary.interfaces in the catalogue" in line
