"""The date a deployment starts from, for the few APIs that insist on one (Azure budgets and registration
tokens, OpenStack credential expiry).

Today in UTC, or the day of SOURCE_DATE_EPOCH when it is set, the reproducible-builds convention, so a
plan or a golden snapshot can be made the same on any day. Resources taking such a date keep the first
value through `ignore_changes`, so later runs do not move it.
"""
from __future__ import annotations

import datetime
import os


def today() -> datetime.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.date()
