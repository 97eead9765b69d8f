"""Golden snapshots: what each implementation registers (type, name, parent chain, inputs, options).

`make golden` rewrites tests/golden/; a change in what a service creates then shows as a reviewable diff.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path

import pytest

from conftest import UPDATE_GOLDEN
from implementations import case_id, cases, recorded

GOLDEN = Path(__file__).parent / "golden"
CASES = cases()


LONG = 2000


def _compact(value: object) -> object:
    """Long texts (rendered cloud-init, policy documents) by digest: tests/test_selfhosted.py checks them whole."""
    if isinstance(value, str) and len(value) > LONG:
        return f"<{len(value)} chars, sha256 {hashlib.sha256(value.encode()).hexdigest()[:16]}>"
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def snapshot(service: str, family: str, api: str) -> str:
    result = recorded(service, family, api)
    by_urn = result.by_urn()

    def chain(urn: str) -> list[str]:
        names = []
        while urn in by_urn:
            names.append(by_urn[urn].name)
            urn = by_urn[urn].parent
        return names[::-1]

    entries = sorted(({"type": r.type, "name": r.name, "parents": chain(r.parent), "custom": r.custom,
                       "protect": r.protect, "retain_on_delete": r.retain_on_delete, "inputs": _compact(r.inputs),
                       **({"ignore_changes": r.ignore_changes} if r.ignore_changes else {})}
                      for r in result.resources), key=lambda e: (e["type"], e["name"]))
    return json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_implementation_matches_its_golden_snapshot(case: tuple[str, str, str]) -> None:
    path = GOLDEN / f"{case_id(case)}.json"
    actual = snapshot(*case)
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden snapshot {path.name}; run `make golden` and review it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "golden", "now", n=2))
        pytest.fail(f"{path.name} changed (run `make golden` if intended):\n{diff[:6000]}")


def test_no_stale_golden_snapshots() -> None:
    expected = {f"{case_id(c)}.json" for c in CASES}
    assert sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in expected) == []
