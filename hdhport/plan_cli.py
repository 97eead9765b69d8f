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
    add_stack_source(plan)
    plan.add_argument("--enclave-stacks", type=_count, metavar="N", default=0,
                      help="plan enclaves as separate stacks of N projects each, reading the platform stack's outputs")
    plan.add_argument("--allow-gaps", action="store_true", help="plan even if some services have no implementation")
    plan.add_argument("--out", type=Path, default=None, help="output directory (default: out/plan/<stack>)")
    plan.set_defaults(handler=_plan)


def add_stack_source(parser: argparse.ArgumentParser) -> None:
    """What to plan, as every command that plans names it (`plan`, `cost`): `--profile ID` or `--stack NAME`, one of
    them required, and `--enclaves N` overriding the stack's count."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--profile", help="profile id or profile file (uses its Pulumi.<id>.yaml stack when shipped)")
    source.add_argument("--stack", help="stack name: reads Pulumi.<NAME>.yaml")
    parser.add_argument("--enclaves", type=_count, help="number of research-project enclaves (overrides the stack's)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def refuse_other_specification(args: argparse.Namespace, command: str) -> None:
    """`--catalog` and `--profiles-dir` cannot change what the Pulumi program reads (the embedded catalogue and
    providers/profiles, as under `pulumi up`): a gate or a plan that silently ignored them would check another
    file than the one it was given, so they are refused."""
    for flag, given, default in (("--catalog", args.catalog, paths.CATALOGUE),
                                 ("--profiles-dir", args.profiles_dir, paths.PROFILES_DIR)):
        if Path(given).resolve() != default:
            raise InputError([Problem.argument(flag, f"`hdhport {command}` runs the Pulumi program, which reads the "
                                      f"embedded {default.relative_to(paths.ROOT)}; {flag} {given} is not used "
                                      "there: leave it out (a profile file goes to --profile)")])


def _plan(args: argparse.Namespace) -> int:
    from hdhport import outputs, plan_report, planner, stackfile
    from hdhport.loader import load_catalogue
    from hdhport.resolve import GapError
    from hdhport.stack_config import ConfigError

    refuse_other_specification(args, "plan")
    if args.stack is not None:
        stack, config = args.stack, planner.stack_config(args.stack)
    else:
        stack, config = planner.config_for_profile(args.profile)
    source = stackfile.read(stack) if stackfile.exists(stack) else None
    if args.enclaves is not None:
        config["hdh:enclaves"] = args.enclaves
    if args.allow_gaps:
        config["hdh:allowGaps"] = True
    out: Path = args.out or paths.ROOT / "out" / "plan" / stack
    outputs.check_directory(out, "--out", plan_report.PLAN_FILES,
                            [paths.CATALOGUE, *([paths.ROOT / source.file] if source else [])])
    families = {s.id: s.family for s in load_catalogue(paths.CATALOGUE).services}
    started = time.perf_counter()
    try:
        runs = _runs(stack, config, args.enclave_stacks)
        results = [(name, planner.run(name, cfg)) for name, cfg in runs]
    except ConfigError as exc:
        raise InputError([_located(exc, args, source)]) from None
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
            # What `pulumi up` refuses the stack without, and what it leaves to the operator: not warnings of the
            # plan, which is drawn as the stack stands.
            for need in result.prerequisites:
                print(f"{name}: {'before pulumi up, give' if need.blocking else 'left to the operator'}: "
                      f"{need.describe()}", file=sys.stderr)
    print(f"planned {len(results)} stack(s) offline in {elapsed:.1f} s (no cloud call was made)")
    return EXIT_OK


def _over_limits(results: list[tuple[str, Any]]) -> list[str]:
    """The provider limits all the planned stacks together exceed (they share one network and subscription).
    The API family is the one the platform stack exported with its placement."""
    from hdhport.limits import breaches

    api_family = str((results[0][1].stack_outputs.get("placement") or {}).get("api_family", ""))
    resources = [r for _, result in results for r in result.resources]
    return [breach.describe() for breach in breaches(api_family, resources)]


#: What one `hdhport plan` holds in memory at once: every planned stack stays on the heap until the reports are
#: written, about 2.4 MB per enclave (ovhcloud-public-cloud, measured: 139 MB peak at 3 enclaves, 366 MB at 100),
#: so 1,000 enclaves take about 2.5 GB. The 16,384 the address plan allows would take some 40 GB and end in a
#: MemoryError after minutes: refused at once. Larger platforms are planned in parts.
MAX_PLANNED_ENCLAVES = 1000
#: Each enclave stack is a run of the program of its own; past this many, a plan is a mistake of --enclave-stacks.
MAX_ENCLAVE_STACKS = 200


def _located(exc: Any, args: argparse.Namespace, source: Any) -> Problem:
    """A ConfigError blamed on where the value came from: a command-line flag, else the line of its key in the
    stack file, else the profile given."""
    message = str(exc).split(": ", 1)[1]
    split = "--enclave-stacks" if args.enclave_stacks else None  # only a flag that was given takes the blame
    flag = {"hdh:enclaves": "--enclaves" if args.enclaves is not None else None,
            "hdh:allowGaps": "--allow-gaps" if args.allow_gaps else None,
            "hdh:firstEnclaveIndex": split, "hdh:platformStack": split, "hdh:enclaveStacks": split}.get(exc.key)
    if flag is not None:
        return Problem.argument(flag, path=exc.key, message=message)
    if source is not None:
        located: Problem = source.problem(exc.key, message)
        return located
    return Problem.argument("--profile", path=exc.key, message=message)


def _runs(stack: str, config: dict[str, Any], per_stack: int) -> list[tuple[str, dict[str, Any]]]:
    """The platform stack, then (with --enclave-stacks) one enclaves-only stack per batch of projects.
    Sizes one run cannot hold are refused here, before anything is planned."""
    from hdhport.stack_config import ConfigError, parse_enclaves
    from hdhport.stackfile import decoded

    given = decoded(config.get("hdh:enclaves"))
    projects = parse_enclaves(given)
    if len(projects) > MAX_PLANNED_ENCLAVES:
        raise ConfigError("hdh:enclaves", f"{len(projects)} enclaves are more than one `hdhport plan` holds in "
                                          f"memory (at most {MAX_PLANNED_ENCLAVES}, about 2.4 MB each); plan at "
                                          f"most {MAX_PLANNED_ENCLAVES} at a time")
    if not per_stack:
        return [(stack, config)]
    if -(-len(projects) // per_stack) > MAX_ENCLAVE_STACKS:
        raise ConfigError("hdh:enclaveStacks", f"--enclave-stacks {per_stack} makes "
                                               f"{-(-len(projects) // per_stack)} enclave stacks of {len(projects)} "
                                               f"enclaves; at most {MAX_ENCLAVE_STACKS}: give more per stack")
    platform = {**config, "hdh:enclaveStacks": True}
    runs = [(stack, platform)]
    for start in range(0, len(projects), per_stack):
        batch = list(projects[start:start + per_stack])
        name = f"{stack}-enclaves-{start // per_stack + 1:02d}"
        # A mapping keeps each project's own network; a list places the batch after the projects before it.
        placed = ({"hdh:enclaves": {project: given[project] for project in batch}} if isinstance(given, dict)
                  else {"hdh:enclaves": batch, "hdh:firstEnclaveIndex": start})
        runs.append((name, {**config, **placed, "hdh:platformStack": f"organization/hdhport/{stack}"}))
    return runs
