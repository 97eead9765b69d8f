"""The procurement commands: `hdhport diff` compares bidders, `hdhport bid template` starts an answer.

Registered by hdhport.cli through `register(commands)`. Imports no cloud SDK; Jinja2 and openpyxl are
imported only by the output formats that use them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from hdhport import paths
from hdhport.errors import InputError, Problem
from hdhport.loader import Specification, catalogue_from, read_all, specification_from
from hdhport.procurement.report import Report
from hdhport.yamlsource import load_document

EXIT_OK = 0
_PROFILE_SUFFIXES = (".yaml", ".yml")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hdhport.procurement.render import FORMATS

    diff = commands.add_parser(
        "diff", help="compare bidders' profiles with the specification and with each other",
        description="For every catalogue service and every profile: the offer, open or proprietary interface, "
                    "required controls, SecNumCloud / HDS scope and deployability by hdhport, with scores "
                    "that show their breakdown.")
    diff.add_argument("profiles", nargs="*", metavar="PROFILE|FILE",
                      help="shipped profile ids, or paths to profile files (a name ending in .yaml/.yml or "
                           "containing a / is a path)")
    diff.add_argument("--all", action="store_true", help="add every shipped profile")
    diff.add_argument("--baseline", metavar="ID",
                      help="show what each bidder gains, loses, degrades or improves against this profile")
    diff.add_argument("--require", action="append", choices=("secnumcloud", "hds"), default=[],
                      help="a bidder without this qualification (qualified / certified) is not eligible; repeatable")
    diff.add_argument("--weights", type=Path, metavar="FILE",
                      help="weights overriding the documented defaults (hdhport/procurement/weights.yaml)")
    diff.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    diff.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of stdout")
    diff.set_defaults(handler=_diff, usage_error=diff.error)

    bid = commands.add_parser("bid", help="what a bidder needs to answer the specification")
    bid_commands = bid.add_subparsers(dest="bid_command", required=True, parser_class=type(bid))
    template = bid_commands.add_parser(
        "template", help="print a complete, commented profile to fill in (valid as printed)")
    template.add_argument("--family", default="openstack", metavar="openstack|azure|other",
                          help="API family of the offer (default: openstack); any API family of the "
                               "catalogue is accepted")
    template.set_defaults(handler=_bid_template)


def _is_path(argument: str) -> bool:
    return argument.endswith(_PROFILE_SUFFIXES) or "/" in argument or os.sep in argument


def _load(args: argparse.Namespace) -> tuple[Specification, list[str]]:
    """The catalogue and the profiles to compare, in the order shown: baseline, then as given, then --all.

    A file given on the command line replaces the shipped profile of the same id, so a bidder can diff
    its updated answer against everyone else.
    """
    files = [Path(a) for a in args.profiles if _is_path(a)]
    docs, problems = read_all(files)
    given_ids = {doc.data.get("id") for doc in docs}
    shipped = {path.stem: path for path in paths.shipped_profiles(args.profiles_dir)
               if path.stem not in given_ids}
    named = [a for a in args.profiles if not _is_path(a)]
    wanted = dict.fromkeys([*named, *([args.baseline] if args.baseline else []),
                            *(sorted(shipped) if args.all else [])])
    problems += [Problem(name, 1, 1, "", f"no shipped profile '{name}' in {args.profiles_dir}; give a file "
                                         f"path, or one of: {', '.join(sorted(shipped))}")
                 for name in wanted if name not in shipped and name not in given_ids and name != args.baseline]
    more_docs, more_problems = read_all([shipped[name] for name in wanted if name in shipped])
    catalogue_docs, catalogue_problems = read_all([args.catalog])
    spec = specification_from(catalogue_docs[0] if catalogue_docs else None, docs + more_docs,
                              problems + more_problems + catalogue_problems)
    by_file = {source: pid for pid, source in spec.sources.items()}
    order = [by_file[str(Path(a))] if _is_path(a) else a for a in args.profiles]
    order += [pid for pid in wanted if pid in spec.profiles]
    if args.baseline:
        if args.baseline not in spec.profiles:
            raise InputError([Problem("--baseline", 1, 1, "", f"no profile '{args.baseline}' among the compared "
                                      f"files or the shipped profiles: {', '.join(sorted(shipped))}")])
        order.insert(0, args.baseline)
    return spec, list(dict.fromkeys(order))


def build(args: argparse.Namespace, today: dt.date) -> Report:
    from hdhport.procurement.diff import build_report
    from hdhport.procurement.weights import load_weights

    weights, weights_file = load_weights(args.weights)
    spec, bidders = _load(args)
    return build_report(spec, bidders, baseline=args.baseline, required=list(dict.fromkeys(args.require)),
                        weights=weights, weights_file=weights_file, catalogue_file=str(args.catalog), today=today)


def _write(path: Path, content: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot write file: {exc.strerror or exc}")]) from None


def _diff(args: argparse.Namespace) -> int:
    from hdhport.procurement.render import BINARY_FORMATS, render

    if not args.profiles and not args.all:
        args.usage_error("give profile ids or files to compare, or --all")
    if args.format in BINARY_FORMATS and args.out is None and sys.stdout.isatty():
        args.usage_error(f"--format {args.format} is a binary file: give --out FILE or redirect stdout")
    report = build(args, dt.date.today())
    content = render(report, args.format)
    if args.out is not None:
        _write(args.out, content)
        print(f"wrote {args.out}: {len(report.bidders)} bidder(s) x {len(report.services)} services")
    elif isinstance(content, bytes):
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)
    return EXIT_OK


def _bid_template(args: argparse.Namespace) -> int:
    from hdhport.procurement.bid import template

    catalogue = catalogue_from(load_document(args.catalog))
    sys.stdout.write(template(catalogue, args.family, dt.date.today()))
    return EXIT_OK
