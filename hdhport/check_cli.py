"""`hdhport check`: the CI portability gate. Exit 0 when everything holds, 1 when something fails."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.errors import InputError, Problem
from hdhport.render import text_table

EXIT_OK, EXIT_FAILED = 0, 1


def register(commands: Any) -> None:
    check = commands.add_parser("check", help="the portability gate: specification, registry, plans, "
                                               "equivalence, policies, sovereignty")
    which = check.add_mutually_exclusive_group()
    which.add_argument("--profile", action="append", metavar="ID",
                       help="check this deployable profile (its Pulumi.<ID>.yaml stack); repeatable")
    which.add_argument("--all", action="store_true", help="every deployable profile (the default)")
    check.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    check.add_argument("--sarif", type=Path, metavar="FILE", help="write SARIF 2.1.0 here")
    check.add_argument("--format", choices=("table", "json"), default="table")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from hdhport.check import DEPLOYABLE_STACKS, Gate

    from hdhport import outputs, stackfile
    from hdhport.plan_cli import refuse_other_specification

    refuse_other_specification(args, "check")
    stacks = list(DEPLOYABLE_STACKS) if args.all or not args.profile else list(args.profile)
    missing = [s for s in stacks if not stackfile.exists(s)]
    if missing:
        raise InputError([Problem.argument("--profile", f"no stack file Pulumi.{missing[0]}.yaml; deployable: "
                                  + ", ".join(DEPLOYABLE_STACKS))])
    # Checked before the gate runs (minutes); never one of the files the gate reads.
    inputs = [paths.CATALOGUE, paths.ROOT / "Pulumi.yaml", *paths.shipped_profiles(),
              *(stackfile.stack_path(s) for s in stacks)]
    for flag, target in (("--junit", args.junit), ("--sarif", args.sarif)):
        if target is not None:
            outputs.check_file(target, flag, inputs)
    if args.junit is not None and args.sarif is not None and args.junit.resolve() == args.sarif.resolve():
        raise InputError([Problem.argument("--sarif", f"{args.sarif} is the same file as --junit")])
    started = time.perf_counter()
    report = Gate(stacks).run()
    wall = time.perf_counter() - started
    from hdhport.ci_reports import junit, sarif

    for target, render in ((args.junit, junit), (args.sarif, sarif)):
        if target is not None:
            outputs.write_atomic(target, render(report))
    if args.format == "json":
        print(json.dumps({"ok": report.ok, "wall_seconds": round(wall, 3),
                          "phase_seconds": {k: round(v, 3) for k, v in report.phase_seconds.items()},
                          "profile_seconds": {k: round(v, 3) for k, v in report.profile_seconds.items()},
                          "resources": report.resources,
                          "failures": [vars(f) for f in report.failures],
                          "warnings": [vars(f) for f in report.warnings],
                          "prerequisites": [vars(f) for f in report.prerequisites],
                          "checks": len(report.findings)}, indent=1))
    else:
        _print_table(report, wall)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_table(report: Any, wall: float) -> None:
    for failure in report.failures:
        print(f"FAIL {failure.file}:{failure.line}:{failure.column}: [{failure.phase}/{failure.check}] "
              f"{failure.profile} {failure.service}: {failure.message}")
        if failure.remediation:
            print(f"     fix: {failure.remediation}")
    for warning in report.warnings:
        print(f"WARN {warning.file}: [{warning.phase}/{warning.check}] {warning.profile}: {warning.message}")
    for need in report.prerequisites:
        print(f"{'NEED' if need.check == 'prerequisite' else 'STEP'} {need.file}: [{need.phase}/{need.check}] "
              f"{need.profile}: {need.message}")
    rows = [[phase, f"{seconds:.2f}", sum(1 for f in report.findings if f.phase == phase),
             sum(1 for f in report.failures if f.phase == phase)] for phase, seconds in report.phase_seconds.items()]
    print(text_table(["phase", "seconds", "checks", "failures"], rows))
    if report.profile_seconds:
        print()
        print(text_table(["stack", "plan seconds", "resources"],
                         [[s, f"{t:.2f}", report.resources.get(s, "-")] for s, t in report.profile_seconds.items()]))
    verdict = "passed" if report.ok else f"FAILED ({len(report.failures)} failure(s))"
    needs = sum(1 for f in report.prerequisites if f.check == "prerequisite")
    print(f"\nhdhport check {verdict}: {len(report.findings)} checks in {wall:.1f} s wall time; "
          f"{len(report.warnings)} warning(s); {needs} stack input(s) to give before `pulumi up` (NEED)")
