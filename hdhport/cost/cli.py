"""`hdhport cost`: the monthly cost of exactly what `hdhport plan` would create, from the offer's price book.

The plan is run offline on the mock engine as `hdhport plan` runs it (no cloud call); its resources are metered
(hdhport.cost.meters) and priced (hdhport.cost.estimate). Usage no plan can see is stated as assumptions.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hdhport.errors import InputError, Problem

EXIT_OK, EXIT_FAILED = 0, 1
SCALE_POINTS = (1, 55, 500)


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number 0 or more, got {text!r}")
    return value


def register(commands: Any) -> None:
    from hdhport.plan_cli import add_stack_source

    cost = commands.add_parser("cost", help="monthly cost of what `hdhport plan` would create, from the price book")
    add_stack_source(cost)
    cost.add_argument("--prices", type=Path, metavar="FILE",
                      help="price book to use (default: providers/prices/<profile>.yaml)")
    cost.add_argument("--volume-tb", type=_amount, metavar="T", help="data held, in TB (default 100, as migrate plan)")
    cost.add_argument("--hours-per-month", type=_amount, metavar="H",
                      help="hours a month each research machine runs (default 730: always on)")
    cost.add_argument("--egress-gb", type=_amount, metavar="GB", help="egress to the internet a month (default 1000)")
    cost.add_argument("--requests-millions", type=_amount, metavar="M",
                      help="object-storage requests a month, in millions (default 10)")
    cost.add_argument("--logs-gb", type=_amount, metavar="GB", help="logs ingested a month (default 100)")
    cost.add_argument("--scale", action="store_true",
                      help=f"also the cost at {', '.join(map(str, SCALE_POINTS))} enclaves, fixed and per enclave")
    cost.add_argument("--format", choices=("table", "md", "json", "csv"), default="table")
    cost.add_argument("--out", type=Path, default=None, help="write to FILE instead of the terminal")
    cost.set_defaults(handler=_cost)


@dataclass(frozen=True)
class Scale:
    """Cost as fixed + per-enclave parts, from two real plans (1 and 2 enclaves), at each SCALE_POINTS size."""

    fixed_eur: float
    per_enclave_eur: float
    fixed_lines: tuple[int, int]  # (unknown, all)
    per_enclave_lines: tuple[int, int]
    growing: tuple[str, ...]  # meters an enclave adds

    def at(self, enclaves: int) -> dict[str, Any]:
        unknown = self.fixed_lines[0] + enclaves * self.per_enclave_lines[0]
        lines = self.fixed_lines[1] + enclaves * self.per_enclave_lines[1]
        return {"enclaves": enclaves, "known_total_eur": round(self.fixed_eur + enclaves * self.per_enclave_eur, 2),
                "unknown_lines": unknown, "lines": lines, "unknown_share": round(unknown / lines, 4) if lines else 0}

    def to_json(self) -> dict[str, Any]:
        return {"method": "affine in the number of enclaves, from real plans of 1 and 2 enclaves",
                "fixed_eur": round(self.fixed_eur, 2), "per_enclave_eur": round(self.per_enclave_eur, 2),
                "grows_with_enclaves": list(self.growing), "points": [self.at(n) for n in SCALE_POINTS]}


def plan_config(stack: str | None, profile: str | None) -> tuple[str, dict[str, Any], str]:
    from hdhport import paths, planner

    if stack:
        return stack, planner.stack_config(stack), f"Pulumi.{stack}.yaml"
    assert profile is not None
    name, config = planner.config_for_profile(profile)
    origin = f"Pulumi.{name}.yaml" if (paths.ROOT / f"Pulumi.{name}.yaml").exists() else "--profile"
    return name, config, origin


def estimate(stack: str, config: dict[str, Any], origin: str, *, enclaves: int | None, assume: Any,
             book: Any = None, book_file: Path | None = None) -> Any:
    """Plan `stack` offline with `config` (enclaves overridden) and price it. Raises InputError on bad config
    and GapError when the profile cannot be built."""
    from hdhport import planner
    from hdhport.cost import book as books
    from hdhport.cost.estimate import price
    from hdhport.cost.meters import meter
    from hdhport.migrate.runbook import VOLUME_SHARES
    from hdhport.stack_config import ConfigError
    from hdhport.yamlsource import load_document

    config = dict(config)
    if enclaves is not None:
        config["hdh:enclaves"] = enclaves
    try:
        result = planner.run(stack, config)
    except ConfigError as exc:
        raise InputError([Problem(origin, 1, 1, exc.key, str(exc).split(": ", 1)[1])]) from None
    offer = str(result.stack_outputs.get("profile") or config.get("hdh:profile") or stack)
    api_family = str((result.stack_outputs.get("placement") or {}).get("api_family", ""))
    if book is None:
        book = books.book_from(load_document(book_file)) if book_file else books.load_book(offer)
    planned = len((result.stack_outputs.get("enclaves") or {}))
    return price(meter(result, api_family, assume, VOLUME_SHARES), book, stack=stack, offer=offer,
                 api_family=api_family, enclaves=planned, assumptions=assume.describe(VOLUME_SHARES))


def scale_of(stack: str, config: dict[str, Any], origin: str, assume: Any, book: Any) -> Scale:
    one = estimate(stack, config, origin, enclaves=1, assume=assume, book=book)
    two = estimate(stack, config, origin, enclaves=2, assume=assume, book=book)
    per = two.known_total - one.known_total
    per_lines = (len(two.unknown_lines) - len(one.unknown_lines), len(two.lines) - len(one.lines))
    growing = sorted({line.meter for line in one.lines if line.enclave != "platform"})
    return Scale(one.known_total - per, per, (len(one.unknown_lines) - per_lines[0], len(one.lines) - per_lines[1]),
                 per_lines, tuple(growing))


def _cost(args: argparse.Namespace) -> int:
    from hdhport.cost.meters import Assumptions
    from hdhport.resolve import GapError

    given = {"volume_tb": args.volume_tb, "research_hours": args.hours_per_month, "egress_gb": args.egress_gb,
             "requests_millions": args.requests_millions, "logs_gb": args.logs_gb}
    assume = Assumptions(**{k: v for k, v in given.items() if v is not None})
    stack, config, origin = plan_config(args.stack, args.profile)
    try:
        result = estimate(stack, config, origin, enclaves=args.enclaves, assume=assume, book_file=args.prices)
        scale = scale_of(stack, config, origin, assume, result.book) if args.scale else None
    except GapError as exc:
        print(f"hdhport cost: {exc}", file=sys.stderr)
        return EXIT_FAILED
    text = render(result, scale, args.format)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"{stack}: {result.total_text()} -> {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


# ------------------------------------------------------------------ formats

def _eur(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.2f}"


def _quantity(line: Any) -> str:
    from hdhport.cost.estimate import base_unit

    return f"{line.quantity:,.6g} {base_unit(line.meter)}"


def _source(line: Any) -> str:
    if line.price is None:
        return "(no entry in the price book)"
    return f"{line.price.source} (read {line.price.read.isoformat()})"


def to_json(result: Any, scale: Scale | None) -> dict[str, Any]:
    return {"stack": result.stack, "offer": result.offer, "api_family": result.api_family,
            "enclaves": result.enclaves, "currency": "EUR", "vat": "excluded",
            "price_book": None if result.book is None else {"offer": result.book.offer, "region": result.book.region},
            "summary": result.summary(), "total": result.total_text(), "assumptions": result.assumptions,
            "by_service": {k: {"known_eur": round(v[0], 2), "unknown_lines": v[1], "lines": v[2]}
                           for k, v in result.by("service").items()},
            "by_enclave": {k: {"known_eur": round(v[0], 2), "unknown_lines": v[1], "lines": v[2]}
                           for k, v in result.by("enclave").items()},
            "lines": [line.to_json() for line in result.lines],
            "not_billed": result.not_billed,
            **({"scale": scale.to_json()} if scale else {})}


def render(result: Any, scale: Scale | None, fmt: str) -> str:
    from hdhport.render import md_table, text_table

    if fmt == "json":
        return json.dumps(to_json(result, scale), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        rows = [line.to_json() for line in result.lines]
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["service"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    table = md_table if fmt == "md" else text_table
    book = "no price book: every line is unknown" if result.book is None else \
        f"price book providers/prices/{result.book.offer}.yaml ({result.book.region})"
    out = [f"{'# ' if fmt == 'md' else ''}Monthly cost of {result.stack} ({result.offer}, {result.enclaves} enclaves), "
           f"EUR excl. VAT, list prices; {book}", "",
           f"Total: {result.total_text()}", ""]
    headers = ["service", "enclave", "meter", "quantity", "resources", "EUR/month", "price source"]
    out += [table(headers, [[line.service, line.enclave, line.meter, _quantity(line), line.resources,
                             _eur(line.rounded), _source(line)] for line in result.lines]), ""]
    out += ["By service:" if fmt != "md" else "## By service", "",
            table(["service", "known EUR/month", "unknown lines"],
                  [[k, f"{v[0]:,.2f}", f"{v[1]} of {v[2]}"] for k, v in result.by("service").items()]), ""]
    out += ["By enclave:" if fmt != "md" else "## By enclave", "",
            table(["enclave", "known EUR/month", "unknown lines"],
                  [[k, f"{v[0]:,.2f}", f"{v[1]} of {v[2]}"] for k, v in result.by("enclave").items()]), ""]
    if scale is not None:
        out += ["Scale:" if fmt != "md" else "## Scale", "",
                f"fixed {scale.fixed_eur:,.2f} EUR/month + {scale.per_enclave_eur:,.2f} per enclave (known prices; "
                "affine from real plans of 1 and 2 enclaves); an enclave adds: " + ", ".join(scale.growing), "",
                table(["enclaves", "known EUR/month", "unknown lines"],
                      [[p["enclaves"], f"{p['known_total_eur']:,.2f}", f"{p['unknown_lines']} of {p['lines']}"]
                       for p in (scale.at(n) for n in SCALE_POINTS)]), ""]
    out += ["Assumptions (usage the plan cannot see):" if fmt != "md" else "## Assumptions", ""]
    out += [f"- {text}" for text in result.assumptions]
    not_billed = sum(result.not_billed.values())
    out += ["", f"Not billed on their own: {not_billed} configuration resources ("
            + ", ".join(f"{t.split(':', 1)[1]} {n}" for t, n in result.not_billed.items()) + ")."
            if not_billed else "", "No cloud was called; prices are list prices, without discounts or commitments.", ""]
    return "\n".join(out)
