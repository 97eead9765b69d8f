"""Render a diff report in each output format.

Markdown, HTML and the bid template go through the Jinja2 templates in templates/; CSV through the
csv module, whose quoting is what lets a spreadsheet read the file back unchanged; JSON straight from
the report model (its schema is published); xlsx through openpyxl (hdhport.procurement.xlsx). Jinja2
and openpyxl are imported only by the formats that need them, so the table stays fast.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hdhport.procurement import presentation
from hdhport.procurement.formats import BINARY_FORMATS as BINARY_FORMATS  # re-exported
from hdhport.procurement.formats import FORMATS as FORMATS  # re-exported
from hdhport.procurement.report import Bidder, Report
from hdhport.render import text_table

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
RANK_RULE = ("rank: by total, highest first; equal totals share a rank and are listed by id; reference "
             "profiles (kind: reference) are shown last, never ranked")
COST_RULE = ("Monthly cost: `hdhport cost` of the same platform per bidder with a price book and an API family "
             "hdhport plans; 'at least' when some prices are unknown; scored only from {share:.0%} of lines priced, "
             "as 100 x cheapest / own, else 0 as unknown")
_TERMINAL_LISTED = 4  # unknown `must` services named per bidder in the terminal; the reports list all
_SUMMARY_HEADERS = ["rank", "bidder", "api family", "secnumcloud", "hds", "verdict", "native", "self-hosted", "gap",
                    "unknown", "coverage", "sovereignty", "eu csf", "reversibility", "deployability", "total"]


def _one_line(value: object) -> str:
    """Text on one line, for a YAML comment or a table cell."""
    return " ".join(str(value).split())


def _md_cell(value: object) -> str:
    """Text that stays inside one Markdown table cell."""
    return _one_line(value).replace("|", "\\|")


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(md=_md_cell, oneline=_one_line, points="{:.2f}".format, weight="{:g}".format,
                       cell_text=presentation.cell_text, cell_tags=presentation.cell_tags,
                       change_label=presentation.change_label, cell_tooltip=presentation.cell_tooltip, qualification=presentation.qualification_text,
                       controls_text=presentation.controls_text, cost_text=presentation.cost_text)
    env.globals.update(OFFER_KINDS=presentation.OFFER_KINDS, OFFER_COLOURS=presentation.OFFER_COLOURS,
                       OFFER_RANK=presentation.OFFER_RANK,
                       REQUIREMENT_RANK=presentation.REQUIREMENT_RANK, LEGEND=presentation.LEGEND,
                       bidder_facts=presentation.bidder_facts, has_costs=presentation.has_costs)
    return env


def _asset(name: str) -> str:
    """A stylesheet or script inlined verbatim (not a template: braces in CSS and JS stay as written)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def unknown_musts_text(bidder: Bidder, listed: int | None = None) -> str:
    """`n must services unknown: a, b, c`, the list cut after `listed` names when given."""
    unknown = bidder.verdict.unknown_musts
    # "and 1 more" would take the room of the one name it hides
    shown = unknown if listed is None or len(unknown) <= listed + 1 else unknown[:listed] + [
        f"and {len(unknown) - listed} more"]
    return f"{len(unknown)} must service(s) unknown: {', '.join(shown)}"


def lot_text(report: Report) -> str:
    """What a report of one lot compares, or of the whole tender, and which lots the weights file defines."""
    weights = report.weights
    if report.lot is not None:
        required = ", ".join(report.lot.require)
        return (f"{len(report.services)} of the catalogue's services; criteria and requirement weights of the lot"
                + (f"; requires {required}" if required else ""))
    if weights.lots:
        return ("lots of the weights file, each ranked with --lot ID: "
                + ", ".join(f"{lot.id} ({lot.name})" for lot in weights.lots))
    return ""


def rank_text(bidder: Bidder) -> str:
    """The bidder's rank, or a dash for a reference profile, which is never ranked."""
    return "—" if bidder.rank is None else str(bidder.rank)


def changes_text(bidder: Bidder) -> str:
    counts = bidder.changes
    return ", ".join(f"{kind} {n}" for kind, n in counts.items() if n and kind != "same") or "no change"


def _summary_row(bidder: Bidder) -> list[object]:
    scores = {c.id: f"{c.score:.2f}" for c in bidder.scores.criteria}
    qualifications = bidder.qualifications
    marks = [" (baseline)" if bidder.baseline else "", " (reference, not ranked)" if bidder.rank is None else ""]
    costed = [scores["cost"]] if "cost" in scores else []
    return [rank_text(bidder), bidder.id + "".join(marks), bidder.api_family,
            presentation.qualification_text(qualifications.secnumcloud),
            presentation.qualification_text(qualifications.hds), bidder.verdict.status,
            *(bidder.counts[k] for k in presentation.OFFER_KINDS), scores["coverage"], scores["sovereignty"],
            presentation.eu_cell(bidder.eu_sovereignty), scores["reversibility"], scores["deployability"], *costed, f"{bidder.scores.total:.2f}"]


def render_table(report: Report) -> str:
    """The summary a person reads in a terminal: one line per bidder, then why each is not eligible."""
    costed = presentation.has_costs(report)
    headers = list(_SUMMARY_HEADERS)
    if costed:
        headers[-1:-1] = ["cost"]
        headers.append(f"monthly cost ({report.bidders[0].cost.enclaves if report.bidders[0].cost else '?'} "
                       "enclaves, EUR excl. VAT)")
    rows = [_summary_row(b) for b in report.bidders]
    if costed:
        rows = [row + [presentation.cost_text(b.cost)] for row, b in zip(rows, report.bidders)]
    if report.baseline:
        headers.append(f"vs {report.baseline}")
        rows = [row + ["" if b.baseline else changes_text(b)] for row, b in zip(rows, report.bidders)]
    weights = report.weights.criteria
    lines = [text_table(headers, rows), "",
             f"{len(report.services)} services; scores out of 100; total = coverage x {weights.coverage:g}% "
             f"+ sovereignty x {weights.sovereignty:g}% + reversibility x {weights.reversibility:g}% "
             f"+ deployability x {weights.deployability:g}%"
             + (f" + cost x {weights.cost:g}%" if costed else "") + f" (weights: {report.weights_file})",
             RANK_RULE]
    lines.insert(2, "eu csf: the European Commission's Cloud Sovereignty Framework (2025-10), hdhport's estimate of its "
                    "score out of 100, from what the profile's facts establish (unknown earns 0) to what they still "
                    "allow, and the overall SEAL where they bound it; beside the sovereignty criterion, not in the "
                    "total; per objective in --format md|html|json")
    if report.lot is not None:
        lines.insert(2, f"lot {report.lot.id}: {report.lot.name}: {lot_text(report)}")
    elif report.weights.lots:
        lines.insert(2, lot_text(report))
    if costed:
        lines.append(COST_RULE.format(share=report.weights.cost.min_known_share))
    for bidder in report.bidders:
        lines += [f"{bidder.id}: not eligible: {reason}" for reason in bidder.verdict.reasons]
        lines += [f"{bidder.id}: to confirm: {reason}" for reason in bidder.verdict.to_confirm]
        if bidder.verdict.unknown_musts:
            lines.append(f"{bidder.id}: to confirm: {unknown_musts_text(bidder, _TERMINAL_LISTED)}")
    lines.append("full matrix and score breakdowns: --format md|html|csv|json|xlsx; questions to each bidder: --format "
                 "questions")
    return "\n".join(lines) + "\n"


def render_csv(report: Report) -> str:
    """Every cell comes from a profile a bidder wrote: each is neutralised, so none opens as a formula."""
    out = io.StringIO()
    costed = presentation.has_costs(report)
    columns = presentation.CSV_COLUMNS + (presentation.COST_COLUMNS if costed else ())
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    rows = presentation.csv_rows(report)
    if costed:
        per_bidder = {b.id: presentation.cost_columns(b.cost) for b in report.bidders}
        rows = [{**row, **per_bidder[row["bidder"]]} for row in rows]
    writer.writerows({column: presentation.spreadsheet_text(value) for column, value in row.items()}
                     for row in rows)
    return out.getvalue()


def render_template(name: str, report: Report) -> str:
    context: dict[str, Any] = {"report": report, "changes_text": changes_text, "rank_text": rank_text,
                               "lot_text": lot_text, "eu_text": presentation.eu_text, "seal_text": presentation.seal_text,
                               "unknown_musts_text": unknown_musts_text, "rank_rule": RANK_RULE,
                               "cost_rule": COST_RULE.format(share=report.weights.cost.min_known_share)}
    if name.endswith(".html.j2"):
        import markupsafe

        context.update(css=markupsafe.Markup(_asset("report.css")), js=markupsafe.Markup(_asset("report.js")))
    env = markdown_environment() if name.endswith(".md.j2") else environment()
    return env.get_template(name).render(context)


def markup_free(value: object) -> object:
    """Every value a Markdown report prints, with `&`, `<` and `>` as entities: a bidder's text is text in any
    Markdown renderer (which would otherwise pass `<img onerror=...>` through as HTML)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


@cache
def markdown_environment() -> jinja2.Environment:
    """The report environment, each printed value made markup-free (`markup_free`)."""
    return environment().overlay(finalize=markup_free)


def render_xlsx(report: Report) -> bytes:
    from hdhport.procurement.xlsx import workbook

    return workbook(report)


RENDERERS: dict[str, Callable[[Report], str | bytes]] = {
    "table": render_table,
    "md": lambda report: render_template("report.md.j2", report),
    "html": lambda report: render_template("report.html.j2", report),
    "csv": render_csv,
    "json": lambda report: report.model_dump_json(indent=2) + "\n",
    "xlsx": render_xlsx,
    "questions": lambda report: _questions(report),
}


def _questions(report: Report) -> str:
    from hdhport.procurement.questions import render_questions

    return render_questions(report)


def render(report: Report, output_format: str) -> str | bytes:
    return RENDERERS[output_format](report)
