"""CI outputs of `hdhport check`: JUnit XML (one test case per check x profile x service) and SARIF 2.1.0
(each failure located in the catalogue, a profile or a stack file, where the fix belongs)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from hdhport import __version__
from hdhport.check import PHASES, Report

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def junit(report: Report) -> str:
    suites = ET.Element("testsuites", name="hdhport check", tests=str(len(report.findings)),
                        failures=str(len(report.failures)),
                        time=f"{sum(report.phase_seconds.values()):.3f}")
    by_phase: dict[str, list[Any]] = defaultdict(list)
    for finding in report.findings:
        by_phase[finding.phase].append(finding)
    for phase in PHASES:
        findings = by_phase.get(phase, [])
        suite = ET.SubElement(suites, "testsuite", name=phase, tests=str(len(findings)),
                              failures=str(sum(1 for f in findings if not f.ok)),
                              time=f"{report.phase_seconds.get(phase, 0.0):.3f}")
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=f"hdhport.{phase}.{finding.profile}",
                                 name=f"{finding.check}[{finding.service}]", file=finding.file or "")
            if not finding.ok:
                failure = ET.SubElement(case, "failure", type=finding.rule or finding.check,
                                        message=finding.message)
                failure.text = (f"{finding.file}:{finding.line}:{finding.column}: {finding.message}\n"
                                f"fix: {finding.remediation}\n" + (f"resource: {finding.resource}\n" if finding.resource else ""))
            elif finding.message:
                ET.SubElement(case, "system-out").text = finding.message
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def sarif(report: Report) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in [*report.failures, *report.warnings, *report.prerequisites]:
        rule_id = finding.rule or finding.check
        rules.setdefault(rule_id, {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": f"hdhport {finding.phase} check: {rule_id}"},
            "help": {"text": finding.remediation or "see the message"},
            "properties": {"phase": finding.phase},
        })
        result: dict[str, Any] = {
            "ruleId": rule_id,
            # A stack's prerequisite is no defect of the code scanned: a note beside it.
            "level": "error" if not finding.ok else "note" if finding.prerequisite else "warning",
            "message": {"text": f"[{finding.profile}] {finding.service}: {finding.message}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": finding.file or "services_catalog.yaml"},  # relative to the repository
                "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
            }}],
            "properties": {"profile": finding.profile, "service": finding.service},
        }
        if finding.resource:
            result["properties"]["resource"] = finding.resource
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "hdhport", "version": __version__, "informationUri": "https://hdhport.example/",
                                "rules": list(rules.values())}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=1) + "\n"
