"""`hdhport plan`: preview a platform offline by running the real Pulumi program on the mock engine."""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.errors import InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def register(commands: Any) -> None:
    plan = commands.add_parser("plan", help="preview a platform offline (the real program on Pulumi's mock engine)")
    source = plan.add_mutually_exclusive_group(required=True)
    source.add_argument("--profile", help="profile id or profile file (uses its Pulumi.<id>.yaml stack when shipped)")
    source.add_argument("--stack", help="stack name: reads Pulumi.<NAME>.yaml")
    plan.add_argument("--enclaves", type=_count, help="number of research-project enclaves (overrides the stack's)")
    plan.add_argument("--enclave-stacks", type=_count, metavar="N", default=0,
                      help="plan enclaves as separate stacks of N projects each, reading the platform stack's outputs")
    plan.add_argument("--allow-gaps", action="store_true", help="plan even if some services have no implementation")
    plan.add_argument("--out", type=Path, default=None, help="output directory (default: out/plan/<stack>)")
    plan.set_defaults(handler=_plan)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _plan(args: argparse.Namespace) -> int:
    from hdhport import plan_report, planner
    from hdhport.loader import load_catalogue
    from infra.config import ConfigError
    from infra.program import GapError

    if args.stack:
        stack, config = args.stack, planner.stack_config(args.stack)
        origin = f"Pulumi.{args.stack}.yaml"
    else:
        stack, config = planner.config_for_profile(args.profile)
        origin = f"Pulumi.{stack}.yaml" if (paths.ROOT / f"Pulumi.{stack}.yaml").exists() else "--profile"
    if args.enclaves is not None:
        config["hdh:enclaves"] = args.enclaves
    if args.allow_gaps:
        config["hdh:allowGaps"] = True
    out: Path = args.out or paths.ROOT / "out" / "plan" / stack
    families = {s.id: s.family for s in load_catalogue(paths.CATALOGUE).services}
    runs = _runs(stack, config, args.enclave_stacks)
    started = time.perf_counter()
    try:
        results = [(name, planner.run(name, cfg)) for name, cfg in runs]
    except ConfigError as exc:
        raise InputError([Problem(origin, 1, 1, exc.key, str(exc).split(": ", 1)[1])]) from None
    except GapError as exc:
        print(f"hdhport plan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    elapsed = time.perf_counter() - started
    refused = _over_limits(results)
    if refused:
        print(f"hdhport plan: {stack} cannot be deployed at this size (nothing written): "
              + "; ".join(refused) + ". Plan fewer enclaves per platform: hdhport does not yet spread one "
              "platform's enclaves over several networks or subscriptions.", file=sys.stderr)
        return EXIT_FAILED
    # What the plans left on the heap lives until the reports are written: keep the collector from
    # walking it again and again meanwhile (seconds for a 500-enclave plan).
    with planner.frozen_heap():
        for name, result in results:
            target = out if name == stack else out / name
            document = plan_report.to_document(result)
            written = plan_report.write(result, target, families, document)
            summary = document["summary"]
            ways = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_resolution"].items()))
            print(f"{name}: {summary['resources']} resources, {len(summary['enclaves'])} enclaves"
                  + (f"; services: {ways}" if ways else "") + f" -> {', '.join(str(p) for p in written)}")
            # As `pulumi preview` shows its diagnostics: once each, however many enclaves repeat one.
            for warning, times in Counter(result.warnings).items():
                print(f"{name}: warning: {warning}" + (f" ({times} times)" if times > 1 else ""), file=sys.stderr)
    print(f"planned {len(results)} stack(s) offline in {elapsed:.1f} s (no cloud call was made)")
    return EXIT_OK


def _over_limits(results: list[tuple[str, Any]]) -> list[str]:
    """The provider limits all the planned stacks together exceed (they share one network and subscription).
    The API family is the one the platform stack exported with its placement."""
    from hdhport.limits import breaches

    api_family = str((results[0][1].stack_outputs.get("placement") or {}).get("api_family", ""))
    resources = [r for _, result in results for r in result.resources]
    return [breach.describe() for breach in breaches(api_family, resources)]


def _runs(stack: str, config: dict[str, Any], per_stack: int) -> list[tuple[str, dict[str, Any]]]:
    """The platform stack, then (with --enclave-stacks) one enclaves-only stack per batch of projects."""
    if not per_stack:
        return [(stack, config)]
    from infra.config import parse_enclaves

    projects = parse_enclaves(config.get("hdh:enclaves"))
    platform = {**config, "hdh:enclaveStacks": True}
    runs = [(stack, platform)]
    for start in range(0, len(projects), per_stack):
        batch = list(projects[start:start + per_stack])
        name = f"{stack}-enclaves-{start // per_stack + 1:02d}"
        runs.append((name, {**config, "hdh:enclaves": batch, "hdh:platformStack": f"organization/hdhport/{stack}",
                            "hdh:firstEnclaveIndex": start}))
    return runs
