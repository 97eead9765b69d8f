"""The `hdhport` command line. Exit 0 on success, 1 when a check fails, 2 on bad input or usage.

Imports no cloud SDK: the specification commands must start in a fraction of a second.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from hdhport import paths
from hdhport.errors import InputError, Problem
from hdhport.render import md_table, text_table

if TYPE_CHECKING:  # the catalogue's model (pydantic) loads on first use: `hdhport migrate` starts without it
    from hdhport.loader import Specification
    from hdhport.model import Catalogue

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Modules adding command groups: each has `register(commands)` and imports its heavy parts lazily,
# inside its handlers, so `hdhport --help` and the specification commands stay fast.
_COMMAND_MODULES: tuple[str, ...] = ("hdhport.plan_cli", "hdhport.check_cli", "hdhport.preflight_cli",
                                      "hdhport.procurement.cli", "hdhport.migrate.cli", "hdhport.cost.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hdhport", description="Cloud portability toolkit for health-data platforms.")
    parser.add_argument("--catalog", type=Path, default=paths.CATALOGUE, metavar="FILE",
                        help="the services catalogue (default: the embedded services_catalog.yaml)")
    parser.add_argument("--profiles-dir", type=Path, default=paths.PROFILES_DIR, metavar="DIR",
                        help="directory of shipped profiles (default: providers/profiles)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check the catalogue and profiles; every problem at once")
    validate.add_argument("files", nargs="*", type=Path,
                          help="catalogue and/or profile files (default: the catalogue and all shipped profiles)")
    validate.set_defaults(handler=_validate, positional_list=("files", Path))

    catalog = commands.add_parser("catalog", help="read the catalogue")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True, parser_class=_Parser)
    listing = catalog_commands.add_parser("list", help="list services")
    listing.add_argument("--family", help="only this family")
    listing.add_argument("--format", choices=("table", "json", "md"), default="table")
    listing.set_defaults(handler=_catalog_list)
    show = catalog_commands.add_parser("show", help="one service in full")
    show.add_argument("id")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(handler=_catalog_show)

    profile = commands.add_parser("profile", help="read the provider profiles")
    profile_commands = profile.add_subparsers(dest="profile_command", required=True, parser_class=_Parser)
    plist = profile_commands.add_parser("list", help="coverage of the catalogue by each profile")
    plist.add_argument("--format", choices=("table", "json", "md"), default="table")
    plist.add_argument("files", nargs="*", type=Path, help="profile files to list instead of the shipped ones")
    plist.set_defaults(handler=_profile_list, positional_list=("files", Path))

    schema = commands.add_parser("schema", help="print the JSON Schema of the catalogue or of a profile")
    schema.add_argument("kind", choices=("catalog", "profile"))
    schema.set_defaults(handler=_schema)
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def _load(args: argparse.Namespace, extra: Sequence[Path] = ()) -> Specification:
    """The catalogue and profiles to work on: explicit files replace the defaults of their kind."""
    from hdhport.loader import is_catalogue, read_all, specification_from

    docs, problems = read_all(extra)
    catalogues = [d for d in docs if is_catalogue(d)]
    profiles = [d for d in docs if not is_catalogue(d)]
    if len(catalogues) > 1:
        problems += [Problem(d.file, 1, 1, "", "more than one catalogue given") for d in catalogues[1:]]
    if args.command == "profile" and extra and not profiles and not problems:
        # `profile list services_catalog.yaml` printed an empty table with exit 0
        raise InputError([Problem(d.file, 1, 1, "", "this is a catalogue (it has `services`), not a profile: give "
                                                    "profile files, or none for the shipped profiles")
                          for d in catalogues])
    if not catalogues:
        parsed, more = read_all([args.catalog])
        catalogues, problems = parsed, problems + more
    if not extra or (catalogues and not profiles and args.command == "validate"):
        defaults, more = read_all(paths.shipped_profiles(args.profiles_dir))
        profiles, problems = defaults + profiles, problems + more
    return specification_from(catalogues[0] if catalogues else None, profiles, problems)


def _catalogue(args: argparse.Namespace) -> Catalogue:
    from hdhport.loader import catalogue_from
    from hdhport.yamlsource import load_document

    return catalogue_from(load_document(args.catalog))


def _evidence_warnings(spec: Specification) -> list[Problem]:
    """Facts time has overtaken (hdhport.evidence), located in their files; they do not fail validation."""
    from hdhport import evidence
    from hdhport.yamlsource import load_document

    today = dt.date.today()
    found: list[Problem] = []
    for profile_id, profile in sorted(spec.profiles.items()):
        found += evidence.warnings(profile, load_document(Path(spec.sources[profile_id])), today)
    return found


def _validate(args: argparse.Namespace) -> int:
    from hdhport.cost import book

    # Price books (a `prices` key) are checked apart; without files, the shipped ones are.
    book_files = [f for f in args.files if book.looks_like_book(f)]
    books, problems = book.check_books(book_files if args.files else book.shipped_books())
    try:
        spec = _load(args, [f for f in args.files if f not in book_files])
    except InputError as exc:
        raise InputError(exc.problems + problems) from None
    if problems:
        raise InputError(problems)
    for warning in _evidence_warnings(spec):
        print(f"WARN {warning}", file=sys.stderr)
    listed = f": {', '.join(sorted(spec.profiles))}" if spec.profiles else ""
    print(f"ok: catalogue with {len(spec.catalogue.services)} services; {len(spec.profiles)} profile(s){listed}"
          + (f"; {len(books)} price book(s): {', '.join(b.offer for b in books)}" if books else ""))
    return EXIT_OK


def _catalog_list(args: argparse.Namespace) -> int:
    from hdhport.registry import API_FAMILIES

    catalogue = _catalogue(args)
    if args.family and args.family not in catalogue.vocabulary.families:
        raise InputError([Problem.argument("--family", f"unknown family '{args.family}'; expected one of "
                                  + ", ".join(sorted(catalogue.vocabulary.families)))])
    services = [s for s in catalogue.services if not args.family or s.family == args.family]
    if args.format == "json":
        print(json.dumps([s.model_dump(mode="json") for s in services], indent=2, ensure_ascii=False))
        return EXIT_OK
    headers = ["id", "family", "requirement", "interfaces", "data", *API_FAMILIES]
    rows = [[s.id, s.family, s.requirement, ",".join(s.interfaces), "yes" if s.data_bearing else "",
             *(s.implementation(family).kind for family in API_FAMILIES)] for s in services]
    print((md_table if args.format == "md" else text_table)(headers, rows))
    families = Counter(s.family for s in services)
    kinds = Counter(s.implementations.openstack.kind for s in services)
    print(f"\n{len(services)} services in {len(families)} families "
          f"({', '.join(f'{f} {n}' for f, n in sorted(families.items()))}); "
          f"on OpenStack: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}")
    return EXIT_OK


def _catalog_show(args: argparse.Namespace) -> int:
    from hdhport.registry import API_FAMILIES

    catalogue = _catalogue(args)
    try:
        service = catalogue.service(args.id)
    except KeyError:
        raise InputError([Problem.argument("ID", f"no service '{args.id}' in {args.catalog}; "
                                           "see `hdhport catalog list`")]) from None
    data = service.model_dump(mode="json", exclude_none=True)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    vocab = catalogue.vocabulary
    print(f"{service.name} ({service.id}) - {service.family}, {service.requirement}")
    print(service.description)
    print("interfaces: " + "; ".join(f"{t} ({vocab.interfaces[t].meaning})" for t in service.interfaces))
    print("controls:   " + "; ".join(service.controls))
    print(f"data-bearing: {'yes' if service.data_bearing else 'no'}")
    for family in API_FAMILIES:
        impl = service.implementation(family)
        print(f"\n{family}: {impl.kind}" + (f" - {impl.product}" if impl.product else ""))
        for key in ("needs", "fallback", "interfaces", "resources", "reason", "notes"):
            value = getattr(impl, key)
            if value:
                print(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    return EXIT_OK


def _profile_list(args: argparse.Namespace) -> int:
    from hdhport.coverage import HEADERS, coverage

    spec = _load(args, args.files)
    results = [coverage(spec.catalogue, p) for p in spec.profiles.values()]
    if args.format == "json":
        print(json.dumps([dict(zip(HEADERS, c.row())) for c in results], indent=2))
    else:
        print((md_table if args.format == "md" else text_table)(HEADERS, [c.row() for c in results]))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from hdhport.schema import catalogue_schema, profile_schema

    catalogue = _catalogue(args)
    schema = catalogue_schema(catalogue) if args.kind == "catalog" else profile_schema(catalogue)
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, where a command's list of files or profiles may be given anywhere on it
    (`diff bleu --require hds scaleway`): argparse stops a positional list at the first option and would refuse the
    rest as unrecognized."""
    parser = _parser()
    args, extras = parser.parse_known_args(argv)
    spread = getattr(args, "positional_list", None)  # (dest, type) of the command's positional list
    if spread is not None and "--" in extras:  # `--` ends the options: what follows is positional, even `-x`
        cut = extras.index("--")
        before, after = extras[:cut], extras[cut + 1:]
        if not any(extra.startswith("-") for extra in before):
            dest, kind = spread
            setattr(args, dest, [*getattr(args, dest), *(kind(extra) for extra in before + after)])
            extras = []
    if extras and spread is not None and not any(extra.startswith("-") for extra in extras):
        dest, kind = spread
        setattr(args, dest, [*getattr(args, dest), *(kind(extra) for extra in extras)])
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        return int(args.handler(args))
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
        if os.environ.get("HDHPORT_DEBUG"):
            raise
        print(f"hdhport: internal error: {type(exc).__name__}: {exc} (set HDHPORT_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_FAILED


def run() -> NoReturn:
    code = main()
    # Leaves the heap out of the collection the interpreter makes on its way out: after a plan or the
    # CI gate, walking millions of SDK objects that are about to vanish anyway takes seconds.
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
