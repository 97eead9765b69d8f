"""`hdhport diff --format questions`: the clarification questions a committee sends each bidder, exactly what the
report leaves unknown or to confirm, the answers that can change a verdict first."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hdhport.procurement.questions import bidder_questions
from hdhport.procurement.report import Report
from procurement_support import diff_json, shipped, write_profile


def _report(cli: Any, *argv: str) -> Report:
    return Report.model_validate(diff_json(cli, *argv))


def _bidder(report: Report, bidder_id: str) -> Any:
    return next(b for b in report.bidders if b.id == bidder_id)


def test_every_unknown_of_the_report_is_asked_once_and_nothing_else(cli: Any) -> None:
    report = _report(cli, "--all", "--require", "secnumcloud", "--require", "hds")
    for entry in report.bidders:
        asked = bidder_questions(report, entry)
        keys = [q.key for q in asked]
        assert len(keys) == len(set(keys)), entry.id
        unknown_services = {s for c in entry.scores.criteria for p in c.parts if p.unknown for s in p.services}
        expected = {f"offers.{s}" for s in unknown_services | set(entry.verdict.unknown_musts)}
        assert {k for k in keys if k.startswith("offers.")} == expected, entry.id
        # every point the breakdown leaves unknown is at stake in one question, no more
        at_stake = sum(p.max_points * c.weight / 100 for c in entry.scores.criteria for p in c.parts if p.unknown)
        assert math.isclose(sum(q.stake for q in asked), at_stake, abs_tol=1e-6), entry.id
        verdict_keys = [q.key for q in asked if q.verdict]
        assert keys[:len(verdict_keys)] == verdict_keys, "questions that can change the verdict come first"
        assert len(verdict_keys) == len(entry.verdict.unknown_musts) + len(
            {r.split(" ", 1)[0] for r in entry.verdict.to_confirm}), entry.id


def test_a_bidder_is_asked_about_its_unknown_must_and_its_impossible_self_hosted_claim(cli: Any,
                                                                                      tmp_path: Path) -> None:
    data = shipped("scaleway")
    data["id"], data["name"] = "acme", "Acme Cloud"
    data["offers"]["private_endpoints"] = {"offer": "unknown", "source": "not answered", "date": "2026-11-30"}
    data["offers"]["ddos_protection"] = {"offer": "self-hosted", "product": "iptables", "interfaces": ["ip"],
                                         "source": "Acme answer", "date": "2026-11-30"}
    report = _report(cli, str(write_profile(tmp_path, data)))
    asked = bidder_questions(report, _bidder(report, "acme"))
    first = asked[0]
    assert (first.key, first.verdict) == ("offers.private_endpoints", True)
    assert first.text.startswith("Do you offer Private endpoints as a managed service, only on your IaaS")
    ddos = next(q for q in asked if q.key == "offers.ddos_protection")
    assert ddos.text.startswith("You answer DDoS protection self-hosted, but tenant machines cannot provide it")
    assert not ddos.verdict and ddos.stake > 0


def test_a_required_qualification_not_shown_is_a_verdict_question(cli: Any) -> None:
    report = _report(cli, "bleu", "--require", "hds")
    asked = bidder_questions(report, _bidder(report, "bleu"))
    hds = next(q for q in asked if q.key == "qualifications.hds")
    assert hds.verdict and hds.why[0].startswith("verdict: HDS required: status is unknown")
    without = _report(cli, "bleu")
    assert not next(q for q in bidder_questions(without, _bidder(without, "bleu")) if q.key == "qualifications.hds").verdict


def test_the_questions_format_is_one_section_per_bidder(cli: Any) -> None:
    result = cli("diff", "bleu", "azure-francecentral", "--format", "questions")
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("# Clarification questions to the bidders: 55 catalogue services\n")
    assert text.count("\n## ") == 2
    bleu = text.split("(`bleu`)", 1)[1]
    assert "1. **" in bleu and "(`offers.cpu_vm`; verdict, up to " in bleu



def test_a_bidders_text_stays_text_in_the_questions(cli: Any, tmp_path: Path) -> None:
    """Review of 2026-12-03: a newline in a product started a heading, `[x](javascript:...)` was a link."""
    data = shipped("scaleway")
    data["id"], data["name"] = "evil", "Evil [x](javascript:alert(1))\n# Heading ![](https://attacker/p.png)"
    data["offers"]["gpu_vm"].update(interfaces=[], proprietary_api="unknown", product="GPU\n## injected <script>")
    write_profile(tmp_path, data)
    result = cli("diff", str(tmp_path / "evil.yaml"), "--format", "questions")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line for line in lines if line.startswith("#")] == [lines[0], next(
        line for line in lines if line.startswith("## Evil"))]
    assert "](" not in result.out.replace("\\](", "") and "<script>" not in result.out
    assert "GPU \\#\\# injected \\<script\\>" in result.out


def test_a_stated_qualification_is_asked_only_what_it_lacks(cli: Any, tmp_path: Path) -> None:
    data = shipped("scaleway")
    data["id"] = "acme"
    data["qualifications"]["secnumcloud"].update(status="qualified", version=None, qualified_on=None, expected_on=None)
    report = _report(cli, str(write_profile(tmp_path, data)))
    snc = next(q for q in bidder_questions(report, _bidder(report, "acme")) if q.key == "qualifications.secnumcloud")
    assert snc.text.startswith("Which version of the SecNumCloud framework is the qualification on")
    assert [why.split(":")[0] for why in snc.why] == ["Sovereignty, SecNumCloud version",
                                                       "Sovereignty, SecNumCloud qualification date"]
