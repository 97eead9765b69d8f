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
from typing import TYPE_CHECKING

from hdhport import outputs, paths
from hdhport.errors import InputError, Problem

if TYPE_CHECKING:  # loaded on first use, so that registering these commands imports no pydantic model
    from hdhport.loader import Specification
    from hdhport.procurement.report import Report
    from hdhport.yamlsource import Document

EXIT_OK = 0
_PROFILE_SUFFIXES = (".yaml", ".yml")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hdhport.procurement.formats import FORMATS

    diff = commands.add_parser(
        "diff", help="compare bidders' profiles with the specification and with each other",
        description="For every catalogue service and every profile: the offer, open or proprietary interface, "
                    "required controls, SecNumCloud / HDS scope and deployability by hdhport, with scores "
                    "that show their breakdown.")
    diff.add_argument("profiles", nargs="*", metavar="PROFILE|FILE",
                      help="shipped profile ids, or paths to profile files (a name ending in .yaml/.yml or "
                           "containing a / is a path)")
    diff.add_argument("--all", action="store_true",
                      help="add every profile of --profiles-dir (by the id each file declares)")
    diff.add_argument("--baseline", metavar="ID",
                      help="show what each bidder gains, loses, degrades or improves against this profile")
    diff.add_argument("--require", action="append", choices=("secnumcloud", "hds"), default=[],
                      help="a bidder without this qualification (qualified / certified) is not eligible; repeatable")
    diff.add_argument("--weights", type=Path, metavar="FILE",
                      help="weights overriding the documented defaults (hdhport/procurement/weights.yaml)")
    diff.add_argument("--lot", metavar="ID",
                      help="compare, score and rank one lot of the tender: its services, weights and required "
                           "qualifications, as the weights file's `lots` define them")
    costing = diff.add_mutually_exclusive_group()
    costing.add_argument("--cost", action="store_true",
                         help="add each deployable bidder's monthly cost of the same platform (`hdhport cost`: an "
                              "offline plan per bidder with a price book, several seconds each, kept in a cache "
                              "for the next runs); on by itself when the weights give the cost criterion a weight")
    costing.add_argument("--no-cost", action="store_true",
                         help="leave the monthly cost out of the HTML report (by default it shows the costs "
                              "`--cost` has already computed, without planning)")
    diff.add_argument("--enclaves", type=_count, metavar="N",
                      help="enclaves every bidder is costed for (default 3, as the shipped stacks); implies --cost")
    diff.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    diff.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of stdout")
    diff.set_defaults(handler=_diff, usage_error=diff.error, positional_list=("profiles", str))

    bid = commands.add_parser("bid", help="what a bidder needs to answer the specification")
    bid_commands = bid.add_subparsers(dest="bid_command", required=True, parser_class=type(bid))
    template = bid_commands.add_parser(
        "template", help="print a complete, commented profile to fill in (valid as printed)")
    template.add_argument("--family", default="openstack", metavar="openstack|azure|other",
                          help="API family of the offer (default: openstack); any API family of the "
                               "catalogue is accepted")
    template.set_defaults(handler=_bid_template)


def _count(text: str) -> int:
    from hdhport.plan_cli import _count as count

    return count(text)


def _is_path(argument: str) -> bool:
    return argument.endswith(_PROFILE_SUFFIXES) or "/" in argument or os.sep in argument


def _declared_id(doc: Document) -> str | None:
    """The `id:` a profile file declares, before validation (None when it has none usable)."""
    data = doc.data
    ident = data.get("id") if isinstance(data, dict) else None
    return ident if isinstance(ident, str) else None


class _Directory:
    """The profiles of --profiles-dir, found by the id each file declares, never by its file name: a bidder's
    `acme-offer-v2.yaml` with `id: acme` is profile `acme`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._docs: list[Document] | None = None
        self.unreadable: list[Problem] = []

    def docs(self) -> list[Document]:
        """Every profile file of the directory, parsed (the files that do not parse are in `unreadable`)."""
        if self._docs is None:
            from hdhport.loader import read_all

            self._docs, self.unreadable = read_all(paths.shipped_profiles(self.directory))
        return self._docs

    def ids(self) -> list[str]:
        return sorted({pid for pid in map(_declared_id, self.docs()) if pid is not None})

    def find(self, profile_id: str) -> list[Document]:
        """The files declaring this id; more than one is a duplicate, which the loader reports located."""
        return [doc for doc in self.docs() if _declared_id(doc) == profile_id]

    def unknown(self, name: str) -> Problem:
        ids = self.ids()
        by_stem = {Path(doc.file).stem: _declared_id(doc) for doc in self.docs()}
        hint = (f"; the file {name}.yaml declares id '{by_stem[name]}': give that id or the file's path"
                if by_stem.get(name) else f"; give a file path, or one of: {', '.join(ids)}")
        unread = (f" ({len(self.unreadable)} file(s) there could not be read: {self.unreadable[0].file}, ...)"
                  if self.unreadable else "")
        return Problem.argument(name, f"no profile with id '{name}' in {self.directory}{hint}{unread}")


def _load(args: argparse.Namespace) -> tuple[Specification, list[str]]:
    """The catalogue and the profiles to compare, in the order shown: baseline, then as given, then --all.

    A file given on the command line replaces the profile of the same id in --profiles-dir, so a bidder can
    diff its updated answer against everyone else. Profiles of the directory are found by their id.
    """
    from hdhport.loader import read_all, specification_from

    files = [Path(a) for a in args.profiles if _is_path(a)]
    docs, problems = read_all(files)
    given_ids = {pid for pid in map(_declared_id, docs) if pid is not None}
    directory = _Directory(args.profiles_dir)
    named = [a for a in args.profiles if not _is_path(a)]
    from_directory: list[Document] = []
    if args.all:
        from_directory = [doc for doc in directory.docs() if _declared_id(doc) not in given_ids]
        problems += directory.unreadable  # every profile is compared: a file that does not parse is an error
    for name in dict.fromkeys([*named, *([args.baseline] if args.baseline else [])]):
        if name in given_ids or (args.all and any(_declared_id(d) == name for d in from_directory)):
            continue
        found = directory.find(name)
        if found:
            from_directory += found
        elif name != args.baseline:  # an unknown baseline gets its own message below
            problems.append(directory.unknown(name))
    catalogue_docs, catalogue_problems = read_all([args.catalog])
    spec = specification_from(catalogue_docs[0] if catalogue_docs else None, docs + from_directory,
                              problems + catalogue_problems)
    by_file = {source: pid for pid, source in spec.sources.items()}
    order = [by_file[str(Path(a))] if _is_path(a) else a for a in args.profiles]
    if args.all:
        order += sorted(spec.profiles)
    if args.baseline:
        if args.baseline not in spec.profiles:
            raise InputError([Problem.argument("--baseline", f"no profile '{args.baseline}' among the compared "
                                      f"files or in {args.profiles_dir}: {', '.join(directory.ids())}")])
        order.insert(0, args.baseline)
    return spec, list(dict.fromkeys(order))


def build(args: argparse.Namespace, today: dt.date) -> Report:
    from hdhport.procurement.diff import build_report
    from hdhport.procurement.weights import load_weights

    spec, bidders = _load(args)
    weights, weights_file = load_weights(args.weights, spec.catalogue)
    lot = weights.lot(args.lot, weights_file) if getattr(args, "lot", None) is not None else None
    costs, assumptions = None, []
    costed = getattr(args, "cost", False) or getattr(args, "enclaves", None) is not None
    if lot is not None and costed:
        # `hdhport cost` plans the whole platform: shown beside one lot it would pass for the lot's price.
        raise InputError([Problem.argument("--cost" if getattr(args, "cost", False) else "--enclaves",
                                           "the monthly cost is the whole platform's, never a lot's: leave it out "
                                           "with --lot")])
    plan = costed or (lot is None and weights.criteria.cost > 0)
    if plan and getattr(args, "no_cost", False):
        why = ("--enclaves costs every bidder" if getattr(args, "enclaves", None) is not None else
               f"the weights ({weights_file}) give the cost criterion {weights.criteria.cost:g} %")
        raise InputError([Problem.argument("--no-cost", f"{why}: leave out --no-cost")])
    # The HTML report is the one handed to a committee: it shows the costs already computed (a cache read, no plan,
    # no SDK import) unless --no-cost; the other formats keep their columns unless --cost is given.
    cached = (not plan and lot is None and getattr(args, "format", None) == "html"
              and not getattr(args, "no_cost", False))
    if plan or cached:
        from hdhport.procurement import costs as costing

        enclaves = args.enclaves if getattr(args, "enclaves", None) is not None else costing.DEFAULT_ENCLAVES
        costs = costing.costs(spec.profiles, spec.sources, bidders, enclaves, plan=plan)
        assumptions = costing.assumptions()
    return build_report(spec, bidders, baseline=args.baseline, required=list(dict.fromkeys(args.require)),
                        weights=weights, weights_file=weights_file, catalogue_file=str(args.catalog), today=today,
                        costs=costs, cost_assumptions=assumptions, lot=lot)


def _inputs(args: argparse.Namespace) -> list[Path]:
    """Every file `diff` reads: the report must never be written over one of them."""
    files = [Path(a) for a in args.profiles if _is_path(a)] + [args.catalog]
    if args.weights is not None:
        files.append(args.weights)
    if args.profiles_dir.is_dir():
        files += paths.shipped_profiles(args.profiles_dir)
    return files


def _diff(args: argparse.Namespace) -> int:
    from hdhport.procurement.formats import BINARY_FORMATS
    from hdhport.procurement.render import render

    if not args.profiles and not args.all:
        args.usage_error("give profile ids or files to compare, or --all")
    if args.format in BINARY_FORMATS and args.out is None and sys.stdout.isatty():
        args.usage_error(f"--format {args.format} is a binary file: give --out FILE or redirect stdout")
    if args.out is not None:
        outputs.check_file(args.out, "--out", _inputs(args))
    report = build(args, dt.date.today())
    content = render(report, args.format)
    if args.out is not None:
        outputs.write_atomic(args.out, content)
        print(f"wrote {args.out}: {len(report.bidders)} bidder(s) x {len(report.services)} services")
    elif isinstance(content, bytes):
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)
    # Said once the report is out, so a refused write stays one line on stderr.
    missing = [b.id for b in report.bidders if b.cost is not None and b.cost.status == "not computed"]
    if missing:
        print(f"hdhport diff: monthly cost not computed yet for {', '.join(missing)}: `hdhport diff --cost` "
              "plans them once (offline) and keeps the figures for the next reports", file=sys.stderr)
    return EXIT_OK


def _bid_template(args: argparse.Namespace) -> int:
    from hdhport.procurement.bid import template

    from hdhport.loader import catalogue_from
    from hdhport.yamlsource import load_document

    catalogue = catalogue_from(load_document(args.catalog))
    sys.stdout.write(template(catalogue, args.family, dt.date.today()))
    return EXIT_OK
