"""`hdhport migrate`: runbooks between two profiles (`plan`) and verified data moves (`objects`, `verify`,
`database`, `queue`). Exit 0 when everything is verified, 1 when something failed or did not match,
2 on bad input. Heavy parts are imported inside the handlers.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.errors import InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def register(commands: Any) -> None:
    migrate = commands.add_parser("migrate", help="migration runbooks and verified data moves between clouds")
    sub = migrate.add_subparsers(dest="migrate_command", required=True, parser_class=type(migrate))

    plan = sub.add_parser("plan", help="the ordered runbook between two profiles: every data-bearing service, key "
                                       "material, images, identities, logs, audit trails and queues")
    plan.add_argument("--from", dest="source", required=True, metavar="PROFILE", help="profile id or file moved from")
    plan.add_argument("--to", dest="target", required=True, metavar="PROFILE", help="profile id or file moved to")
    plan.add_argument("--plan-dir", type=Path, metavar="DIR",
                      help="directory of `hdhport plan` outputs (DIR/<stack>/plan.json); each profile's plan, when "
                           "present, gives its resolutions and instance counts")
    plan.add_argument("--volume-tb", type=_bounded(1e-6, 1e6), default=None, metavar="N",
                      help="data volume to move, in terabytes (10^12 bytes), up to 10^6 (an exabyte); default 100")
    plan.add_argument("--bandwidth-gbps", type=_bounded(1e-3, 1e5), default=None, metavar="N",
                      help="link between the clouds, in gigabits per second, 0.001 (1 Mbit/s) to 100000; default 10")
    plan.add_argument("--measured", type=Path, metavar="FILE",
                      help="a bench objects result (`make bench-objects`: bench/objects-results.json, best run on the "
                           "migration host): the steps moved by `hdhport migrate objects` take the longer of the link "
                           "and its measured per-object and per-MiB costs, per phase")
    plan.add_argument("--measured-pair", metavar="NAME",
                      help="the pair of stores in --measured whose costs count (default: its remote pair, e.g. "
                           "azurite-swift-s3, else local)")
    plan.add_argument("--object-mib", type=float, metavar="N",
                      help="with --measured: mean object size in MiB (default 4, as the bench's projection)")
    plan.add_argument("--format", choices=("md", "json"), default="md")
    plan.add_argument("--out", type=Path, metavar="FILE", help="write the runbook here instead of printing it")
    plan.set_defaults(handler=_plan)

    objects = sub.add_parser("objects", help="copy an object store through rclone and prove every object arrived")
    objects.add_argument("source", metavar="SOURCE", help="rclone path read from, e.g. azure:container/prefix")
    objects.add_argument("dest", metavar="DEST", help="rclone path written to, e.g. swift:container")
    objects.add_argument("--manifest", type=Path, metavar="FILE",
                         help="the SHA-256 manifest to write (default: out/migrate/<source>--<dest>.manifest.jsonl); "
                              "its state file and rclone log sit beside it")
    objects.add_argument("--resume", action="store_true", help="continue the interrupted run of this manifest")
    objects.add_argument("--max-failures", type=_count, default=10, metavar="N",
                         help="stop the copy once N objects failed in a row, e.g. the destination went down "
                              "(default 10); --resume continues")
    _rclone_options(objects)
    objects.set_defaults(handler=_objects)

    verify = sub.add_parser("verify", help="re-read every object at DEST and compare it with a manifest")
    verify.add_argument("dest", metavar="DEST", help="rclone path to check")
    verify.add_argument("--manifest", type=Path, required=True, metavar="FILE")
    _rclone_options(verify)
    verify.set_defaults(handler=_verify)

    database = sub.add_parser("database", help="PostgreSQL to PostgreSQL (pg_dump, pg_restore), proven by per-table "
                                               "row counts and checksums")
    database.add_argument("source", metavar="SOURCE", help="libpq connection string or URI of the source database")
    database.add_argument("target", metavar="TARGET", help="connection string of the empty target database")
    database.add_argument("--dump", type=Path, metavar="FILE",
                          help="where the custom-format dump is kept (default: out/migrate/<time>.dump); never "
                               "overwritten")
    database.add_argument("--jobs", type=_count, default=2, metavar="N", help="parallel pg_restore jobs (default 2)")
    database.add_argument("--pg-bin", type=Path, metavar="DIR",
                          help="directory of pg_dump, pg_restore and psql (default: PATH); their major version must "
                               "be at least the source server's")
    database.add_argument("--format", choices=("text", "json"), default="text")
    database.set_defaults(handler=_database)

    queue = sub.add_parser("queue", help="drain the messages in flight from one AMQP 1.0 queue into another")
    queue.add_argument("--from", dest="source", required=True, metavar="URL",
                       help="amqp[s]://[user@]host[:port] of the source broker; password in HDHPORT_AMQP_FROM_PASSWORD")
    queue.add_argument("--from-address", required=True, metavar="ADDRESS",
                       help="source queue (RabbitMQ 3.x: /queue/NAME; Azure Service Bus: NAME)")
    queue.add_argument("--to", dest="target", required=True, metavar="URL",
                       help="the target broker; password in HDHPORT_AMQP_TO_PASSWORD")
    queue.add_argument("--to-address", required=True, metavar="ADDRESS", help="target queue")
    queue.add_argument("--idle", type=_positive, default=5.0, metavar="SECONDS",
                       help="the source counts as drained after this long without a message (default 5)")
    queue.add_argument("--format", choices=("text", "json"), default="text")
    queue.set_defaults(handler=_queue)


def _rclone_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rclone-config", type=Path, metavar="FILE",
                        help="rclone configuration defining the remotes (default: $RCLONE_CONFIG, else rclone's "
                             "own default); any rclone flag may also be set as RCLONE_<FLAG> in the environment")
    parser.add_argument("--parallel", "--jobs", "--transfers", dest="parallel", type=_count, default=8, metavar="N",
                        help="objects hashed, transferred and read back at once (default 8: rclone's own default "
                             "for --transfers and --checkers)")
    parser.add_argument("--hasher", choices=("auto", "rclone", "stream"), default="auto",
                        help="how objects are read and hashed: auto (default: local files read and hashed in "
                             "hdhport, remotes as rclone), rclone (`rclone hashsum sha256 --download`, digests "
                             "computed by rclone from the bytes it reads) or stream (`rclone serve http`, hashed in "
                             "Python); all read every byte, none trusts a digest the store recorded")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def _bounded(low: float, high: float) -> Any:
    """A number from `low` to `high`: the runbook's durations stay finite numbers (JSON has no Infinity)."""
    def parse(text: str) -> float:
        value = _positive(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {text!r}")
        return value

    return parse


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"expected 1 to 256, got {value}")
    return value


def _progress(message: str) -> None:
    print(f"hdhport migrate: {message}", file=sys.stderr, flush=True)


def _report(summary: Any, fmt: str) -> int:
    if fmt == "json":
        print(json.dumps(summary.to_json(), indent=1, ensure_ascii=False))
    else:
        print(summary.to_text())
    return EXIT_OK if summary.ok else EXIT_FAILED


@contextmanager
def _interruptible(command: str) -> Iterator[list[int]]:
    """SIGINT (Ctrl-C) and SIGTERM (a supervisor, sent to hdhport alone) stop every rclone child, let the move
    mark its state interrupted, and end the command with one line and exit 128 + the signal (130, 143)."""
    from hdhport.migrate.rclone import Interrupted, allow_children, stop_children

    def handler(signum: int, _frame: Any) -> None:
        stop_children()
        raise Interrupted(signum)

    code: list[int] = []
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield code
    except KeyboardInterrupt as exc:
        for number in previous:
            signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C does not cut this short
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        stop_children()
        print(f"hdhport migrate {command}: interrupted by {signal.Signals(signum).name}; every rclone process is "
              "stopped" + ("; the state is saved: re-run with --resume" if command == "objects" else ""),
              file=sys.stderr, flush=True)
        code.append(128 + signum)
    finally:
        for number, action in previous.items():
            signal.signal(number, action)
        allow_children()


def _default_manifest(source: str, dest: str) -> Path:
    from hdhport.migrate.redaction import redact

    def slug(text: str) -> str:
        text = redact(text)  # never a credential in a file name
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_")[:60] or "local"

    return paths.ROOT / "out" / "migrate" / f"{slug(source)}--{slug(dest)}.manifest.jsonl"


def _objects(args: argparse.Namespace) -> int:
    from hdhport.migrate.objects import move
    from hdhport.migrate.rclone import Rclone, RcloneError

    manifest = args.manifest or _default_manifest(args.source, args.dest)
    with _interruptible("objects") as interrupted:
        try:
            summary = move(args.source, args.dest, manifest, rclone=Rclone(args.rclone_config), resume=args.resume,
                           parallel=args.parallel, max_failures=args.max_failures, hasher=args.hasher,
                           progress=_progress)
        except RcloneError as exc:
            print(f"hdhport migrate objects: {exc}", file=sys.stderr)
            return EXIT_FAILED
    if interrupted:
        return interrupted[0]
    return _report(summary, args.format)


def _verify(args: argparse.Namespace) -> int:
    from hdhport.migrate.objects import verify
    from hdhport.migrate.rclone import Rclone, RcloneError

    with _interruptible("verify") as interrupted:
        try:
            summary = verify(args.dest, args.manifest, rclone=Rclone(args.rclone_config), parallel=args.parallel,
                             hasher=args.hasher, progress=_progress)
        except RcloneError as exc:
            print(f"hdhport migrate verify: {exc}", file=sys.stderr)
            return EXIT_FAILED
    if interrupted:
        return interrupted[0]
    return _report(summary, args.format)


def _database(args: argparse.Namespace) -> int:
    import time

    from hdhport.migrate.database import DatabaseError, Tools, move

    dump = args.dump or paths.ROOT / "out" / "migrate" / time.strftime("database-%Y%m%dT%H%M%SZ.dump", time.gmtime())
    try:
        summary = move(args.source, args.target, dump, tools=Tools(args.pg_bin), jobs=args.jobs, progress=_progress)
    except DatabaseError as exc:
        print(f"hdhport migrate database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return _report(summary, args.format)


def _queue(args: argparse.Namespace) -> int:
    import importlib.util

    from hdhport.migrate.queues import QueueError, endpoint, move

    if importlib.util.find_spec("proton") is None:  # python-qpid-proton is an optional dependency
        raise InputError([Problem.argument("hdhport", "python-qpid-proton is missing: pip install "
                                                       "'hdhport[migrate]'")])
    source = endpoint(args.source, args.from_address, "HDHPORT_AMQP_FROM_PASSWORD", "--from")
    target = endpoint(args.target, args.to_address, "HDHPORT_AMQP_TO_PASSWORD", "--to")
    try:
        summary = move(source, target, idle=args.idle, progress=_progress)
    except QueueError as exc:
        print(f"hdhport migrate queue: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return _report(summary, args.format)


def _plan(args: argparse.Namespace) -> int:
    from hdhport import outputs
    from hdhport.migrate.runbook import DEFAULT_OBJECT_MIB, build, load_measured, load_plans, plan_files, to_markdown

    if args.measured is None:
        for option, value in (("--measured-pair", args.measured_pair), ("--object-mib", args.object_mib)):
            if value is not None:
                raise InputError([Problem.argument(option, "needs --measured FILE (a bench objects result)")])
    if args.out is not None:  # before any work, and never over a file this command reads
        inputs = [Path(v) for v in (args.source, args.target) if _is_file(v)] + [args.catalog]
        inputs += [args.measured] if args.measured is not None else []
        inputs += plan_files(args.plan_dir) if args.plan_dir and args.plan_dir.is_dir() else []
        if args.profiles_dir.is_dir():
            inputs += paths.shipped_profiles(args.profiles_dir)
        outputs.check_file(args.out, "--out", inputs)
    measured = (load_measured(args.measured, args.measured_pair,
                              DEFAULT_OBJECT_MIB if args.object_mib is None else args.object_mib)
                if args.measured is not None else None)
    spec, chosen = _two_profiles(args)
    plans = load_plans(args.plan_dir) if args.plan_dir else {}
    if args.plan_dir and not {c.id for c in chosen} & plans.keys():
        raise InputError([Problem(str(args.plan_dir), 1, 1, "", f"no plan.json for {chosen[0].id} or {chosen[1].id} "
                                  f"here (found: {', '.join(sorted(plans)) or 'none'}); write one with "
                                  f"`hdhport plan --profile ID --out {args.plan_dir}/ID`")])
    runbook = build(spec.catalogue, chosen[0], chosen[1], plans=plans, volume_tb=args.volume_tb,
                    bandwidth_gbps=args.bandwidth_gbps, measured=measured)
    text = (json.dumps(runbook.to_json(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
            if args.format == "json"
            else to_markdown(runbook))
    if args.out:
        outputs.write_atomic(args.out, text)
        totals = runbook.totals()
        print(f"{args.out}: {totals['steps']} steps, {totals['methods']} with a method, {totals['gaps']} gap(s), "
              f"{totals['unknown']} unknown")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _is_file(value: str) -> bool:
    """--from / --to name a profile file rather than a shipped profile's id."""
    return value.endswith((".yaml", ".yml")) or "/" in value or Path(value).is_file()


def _two_profiles(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The specification and the --from and --to profiles: shipped ids or files; a file whose id is a
    shipped profile's takes its place, as in `hdhport diff`."""
    from hdhport.loader import read_all, specification_from

    files = {value: Path(value) for value in (args.source, args.target) if _is_file(value)}
    docs, problems = read_all(dict.fromkeys(files.values()))
    ids = {doc.file: str(doc.data.get("id")) for doc in docs if isinstance(doc.data, dict)}
    shipped, more = read_all(paths.shipped_profiles(args.profiles_dir))
    shipped = [d for d in shipped if not (isinstance(d.data, dict) and d.data.get("id") in ids.values())]
    catalogue, still_more = read_all([args.catalog])
    spec = specification_from(catalogue[0] if catalogue else None, shipped + docs, problems + more + still_more)
    chosen = []
    for option, value in (("--from", args.source), ("--to", args.target)):
        profile_id = ids.get(str(files[value]), "") if value in files else value
        if profile_id not in spec.profiles:
            raise InputError([Problem.argument(option, f"unknown profile '{value}'; expected a profile file or one "
                                                        f"of {', '.join(sorted(spec.profiles))}")])
        chosen.append(spec.profiles[profile_id])
    if chosen[0].id == chosen[1].id:
        raise InputError([Problem.argument("--to", f"'{chosen[1].id}' is also the source: choose two profiles")])
    return spec, chosen


