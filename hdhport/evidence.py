"""How old a stated qualification is: whether its validity has lapsed, and `hdhport validate`'s warnings about
facts that time has overtaken (a SecNumCloud qualification older than its three years, a target date past).

Warnings, not errors: the file is still well formed, but a buyer must not read the fact as current.
"""
from __future__ import annotations

import datetime as dt
import re

from hdhport.errors import Problem
from hdhport.model import Month, Profile, SecNumCloud
from hdhport.yamlsource import Document

#: ANSSI grants a SecNumCloud qualification for three years (AFNOR Certification, "SecNumCloud, the passport to
#: trusted cloud offerings": "Qualification, which is valid for three years").
SECNUMCLOUD_VALIDITY_YEARS = 3
# ISO 3166 user-assigned code that CLDR uses for "unknown region"; the bid template's placeholder.
UNKNOWN_COUNTRY = "ZZ"
#: What the bid template writes wherever the bidder has to say something; a source still holding it is no source.
PLACEHOLDER = "(to fill)"


def version_numbers(text: str | None) -> tuple[int, ...] | None:
    """A framework version as numbers to compare (`3.2` -> (3, 2)); None when it is not dotted numbers."""
    if text is None or not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return None
    return tuple(int(n) for n in text.split("."))


def is_placeholder(source: str) -> bool:
    """A source that is empty or still the bid template's `(to fill)` text: nothing backs the fact."""
    return not source.strip() or PLACEHOLDER in source.lower()


def _expires(on: dt.date, years: int) -> dt.date:
    day = dt.date(on.year, on.month, on.day)  # a plain date, even for a month
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _last_day(on: dt.date) -> dt.date:
    """A month-precision date is past only once its whole month is."""
    if isinstance(on, Month):
        following = dt.date(on.year + on.month // 12, on.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return on


def lapsed(snc: SecNumCloud, today: dt.date) -> dt.date | None:
    """The day a stated qualification expired, when it has (and nothing newer is stated); else None."""
    if snc.status != "qualified" or snc.qualified_on is None:
        return None
    end = _expires(snc.qualified_on, SECNUMCLOUD_VALIDITY_YEARS)  # a month counts from its first day
    return end if end < today else None


def warnings(profile: Profile, doc: Document, today: dt.date) -> list[Problem]:
    """Located warnings on facts time has overtaken."""
    found = []
    snc = profile.qualifications.secnumcloud
    where = ("qualifications", "secnumcloud")
    expired = lapsed(snc, today)
    if expired is not None:
        found.append(doc.problem(where + ("qualified_on",), (
            f"qualified on {snc.qualified_on.isoformat() if snc.qualified_on else ''}: a SecNumCloud qualification "
            f"lasts {SECNUMCLOUD_VALIDITY_YEARS} years, so it lapsed on {expired.isoformat()} unless renewed; it "
            f"counts as unknown until a source dated after that shows the renewal (set qualified_on to it)")))
    if snc.expected_on is not None and snc.status != "qualified" and _last_day(snc.expected_on) < today:
        found.append(doc.problem(where + ("expected_on",), (
            f"target date {snc.expected_on.isoformat()} has passed and the status is still {snc.status}: cite a "
            f"newer source, or say what is unknown")))
    return found
