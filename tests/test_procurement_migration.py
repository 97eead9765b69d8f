"""The diff counts reversibility gaps from hdhport migrate: data with no way out of the baseline earns nothing."""
from __future__ import annotations

import json

from hdhport import paths
from hdhport.loader import load_specification
from hdhport.migrate.runbook import reversibility_gaps


def test_services_without_a_migration_method_lose_their_reversibility(cli) -> None:  # type: ignore[no-untyped-def]
    spec = load_specification(paths.CATALOGUE, paths.shipped_profiles())
    gaps = {g.service for g in reversibility_gaps(spec.catalogue, spec.profiles["azure-francecentral"],
                                                  spec.profiles["ovhcloud-public-cloud"]) if g.status == "gap"}
    assert gaps, "the Azure -> OVHcloud runbook names at least one gap (Data Factory pipelines)"
    result = cli("diff", "ovhcloud-public-cloud", "--baseline", "azure-francecentral", "--format", "json")
    report = json.loads(result.out)
    bidder = next(b for b in report["bidders"] if b["id"] == "ovhcloud-public-cloud")
    reversibility = next(c for c in bidder["scores"]["criteria"] if c["id"] == "reversibility")
    no_method = [p for p in reversibility["parts"] if p["label"] == "no migration method from the baseline"]
    assert len(no_method) == 1 and set(no_method[0]["services"]) == gaps and no_method[0]["points"] == 0
    assert round(sum(p["points"] for p in reversibility["parts"]), 2) == reversibility["score"]
    baseline = next(b for b in report["bidders"] if b["id"] == "azure-francecentral")
    assert not any(p["label"] == "no migration method from the baseline"
                   for c in baseline["scores"]["criteria"] for p in c["parts"])
