"""The clarification questions a buying committee sends each bidder: what its profile leaves unknown, in order of
what an answer can change (its verdict first, then the most points of the total), each naming the profile key
where the bidder answers it.

Derived from the report alone, so the questions are exactly the report's "to confirm" and "unknown" lines: a
`must` service not answered, a required qualification not shown, a self-hosted claim on a service tenant
machines cannot run, an offer whose interfaces are not stated, a sovereignty fact nobody published. A fact that
is stated, even badly for the bidder, is never asked again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import re

from hdhport.procurement.report import Bidder, Cell, Report, ServiceInfo
from hdhport.procurement.scores import is_unverifiable

#: Where a sovereignty fact of the score breakdown is answered in a profile.
_FACT_KEYS = {
    "Headquarters": "jurisdiction.headquarters",
    "Extraterritorial exposure": "jurisdiction.extraterritorial_exposure",
    "SecNumCloud status": "qualifications.secnumcloud",
    "SecNumCloud version": "qualifications.secnumcloud",
    "SecNumCloud qualification date": "qualifications.secnumcloud",
    "HDS certification": "qualifications.hds",
    "Key custody": "key_custody",
}
_FACT_QUESTIONS = {
    "jurisdiction.headquarters": "In which country is the operator of the offer headquartered?",
    "jurisdiction.extraterritorial_exposure":
        "Is the operator, or any company controlling it, subject to a non-EU law that can compel access to "
        "customer data (US CLOUD Act, FISA 702...)? Name the laws, or state that none applies, with the evidence.",
    "qualifications.secnumcloud":
        "What is the offer's SecNumCloud status? Send ANSSI's qualification certificate or J0 letter: status, "
        "version of the framework, date, and the services in its scope.",
    "qualifications.hds":
        "Is the offer certified HDS (hébergeur de données de santé)? Send the certificate: certifying body, "
        "activities (1 to 6), date, validity and the services in its scope.",
    "key_custody":
        "Who holds the keys that encrypt customer data: can the customer import its own key (BYOK) or keep it in "
        "an HSM it operates (HYOK)? Name the product and its documentation.",
    "cost": "Give list prices for the meters the price book leaves unknown, with their source and date.",
}
_QUALIFICATION_KEYS = {"SecNumCloud": "qualifications.secnumcloud", "HDS": "qualifications.hds"}
#: What the SecNumCloud question asks once the status is stated and only its version or date is missing.
_SECNUMCLOUD_DETAILS = ("Which version of the SecNumCloud framework is the qualification on, and on which date did "
                        "ANSSI decide it (it lasts three years)? Send the certificate.")
#: Characters that make Markdown of text: emphasis, code, links and images, HTML, tables, escapes.
_MARKDOWN = re.compile(r"([\\`*_\[\]!<>|&#])")
_FACT_NAMES = {"jurisdiction.headquarters": "Headquarters", "jurisdiction.extraterritorial_exposure":
               "Extraterritorial exposure", "qualifications.secnumcloud": "SecNumCloud", "qualifications.hds": "HDS",
               "key_custody": "Key custody", "cost": "Monthly cost"}


@dataclass
class Question:
    """One question to one bidder."""

    key: str
    """Where the bidder answers in its profile (`offers.private_endpoints`, `qualifications.hds`)."""
    about: str
    text: str
    why: list[str] = field(default_factory=list)
    verdict: bool = False
    """True when the answer can change the bidder's verdict (a `must` unknown, a required qualification)."""
    stake: float = 0.0
    """Points of the total (at the report's weights) the answer can earn at most."""


def _text(value: object) -> str:
    """A bidder's (or anybody's) text as text in Markdown, on one line: a newline in a product name cannot start a
    heading, `[x](javascript:...)` is no link and `![](https://...)` no image."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


def _service_question(service: ServiceInfo, cell: Cell) -> str:
    interfaces = ", ".join(service.interfaces) or "the catalogue's open interfaces"
    controls = ", ".join(service.controls)
    asked = (f"Name the product, the interfaces applications use (the catalogue asks for {interfaces})"
             + (f", which of the required controls it supports ({controls})" if controls else "")
             + ", and whether it is in your SecNumCloud and HDS scopes, each with its source and date.")
    if is_unverifiable(cell):
        return (f"You answer {service.name} self-hosted, but tenant machines cannot provide it. Do you offer it as "
                f"a managed service, or is it a gap? {asked}")
    if cell.offer == "unknown":
        return f"Do you offer {service.name} as a managed service, only on your IaaS (self-hosted), or not at all? {asked}"
    return (f"You offer {service.name} ({cell.product or cell.offer}): through which interfaces do applications "
            f"reach it (the catalogue asks for {interfaces})? Is its API proprietary?")


def _stakes(bidder: Bidder) -> Iterable[tuple[str | None, str, str, float]]:
    """(service or None, fact label, detail, points of the total) for every unknown line of the breakdown."""
    for criterion in bidder.scores.criteria:
        for part in criterion.parts:
            if not part.unknown:
                continue
            total = part.max_points * criterion.weight / 100
            if part.services:
                for service in part.services:
                    yield service, part.label, f"{criterion.label}: {part.label}", total / len(part.services)
            else:
                yield None, part.label, f"{criterion.label}, {part.label}: {part.detail}", total


def bidder_questions(report: Report, bidder: Bidder) -> list[Question]:
    """The bidder's questions, those that can change its verdict first, then by points at stake, then by key."""
    services = {s.id: s for s in report.services}
    cells = {c.service: c for c in bidder.cells}
    asked: dict[str, Question] = {}

    def question(key: str, about: str, text: str) -> Question:
        return asked.setdefault(key, Question(key=key, about=about, text=text))

    for service_id, _, why, stake in _stakes(bidder):
        if service_id is None:
            continue
        service, cell = services[service_id], cells[service_id]
        q = question(f"offers.{service_id}", f"{service.name} ({service.requirement})", _service_question(service, cell))
        q.stake += stake
        if why not in q.why:
            q.why.append(why)
    for service_id in bidder.verdict.unknown_musts:
        q = question(f"offers.{service_id}", f"{services[service_id].name} (must)",
                     _service_question(services[service_id], cells[service_id]))
        q.verdict = True
        q.why.insert(0, "verdict: a must service unknown keeps the bidder 'to confirm'")
    facts: dict[str, list[tuple[str, str, float]]] = {}
    for _, label, why, stake in _stakes(bidder):
        key = _FACT_KEYS.get(label, "cost" if label == "Monthly cost" else None)
        if key is not None:
            facts.setdefault(key, []).append((label, why, stake))
    for key, unknown in facts.items():
        # A stated SecNumCloud status is not asked again: only the version and date it lacks.
        details = key == "qualifications.secnumcloud" and all(label != "SecNumCloud status" for label, _, _ in unknown)
        q = question(key, _FACT_NAMES[key], _SECNUMCLOUD_DETAILS if details else _FACT_QUESTIONS[key])
        q.stake += sum(stake for _, _, stake in unknown)
        q.why += [why for _, why, _ in unknown]
    for reason in bidder.verdict.to_confirm:
        name = reason.split(" ", 1)[0]
        key = _QUALIFICATION_KEYS.get(name)
        if key is None:
            continue
        q = question(key, _FACT_NAMES[key], _FACT_QUESTIONS[key])
        q.verdict = True
        q.why.insert(0, f"verdict: {reason}")
    return sorted(asked.values(), key=lambda q: (not q.verdict, -q.stake, q.key))


def _status(bidder: Bidder) -> str:
    rank = "reference, not ranked" if bidder.rank is None else f"rank {bidder.rank}"
    return f"{rank}, {bidder.verdict.status}, total {bidder.scores.total:.2f}"


def render_questions(report: Report) -> str:
    """Markdown, one section per bidder, ready to send: numbered questions with where to answer them."""
    scope = (f"lot {report.lot.id} ({report.lot.name}), {len(report.services)} services" if report.lot is not None
             else f"{len(report.services)} catalogue services")
    required = ", ".join(report.required) or "none"
    lines = [f"# Clarification questions to the bidders: {_text(scope)}", "",
             f"Generated on {report.generated_on} from catalogue `{report.catalogue}`, weights "
             f"`{report.weights_file}`; qualifications required: {required}.",
             "Each question names the key of the bidder's profile where the answer goes, with its source and the "
             "date of that source. Questions that can change the verdict come first, then those worth the most "
             "points of the total at these weights (at most, if the answer is the best one).", ""]
    for bidder in report.bidders:
        asked = bidder_questions(report, bidder)
        lines += [f"## {_text(bidder.name)} (`{bidder.id}`): {_status(bidder)}", ""]
        if not asked:
            lines += ["Nothing to confirm: every fact the scores and the verdict use is stated.", ""]
            continue
        for number, q in enumerate(asked, start=1):
            worth = f"up to {q.stake:.2f} points" if q.stake else "no points"
            tag = "verdict, " if q.verdict else ""
            lines.append(f"{number}. **{_text(q.about)}** (`{q.key}`; {tag}{worth}): {_text(q.text)}")
            lines += [f"   - {_text(why)}" for why in q.why]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
