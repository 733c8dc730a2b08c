"""The landlord's time zone: contacts are counted, windows opened and deadlines set on the
London wall clock. Pure: every moment is an argument."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(moment: dt.datetime) -> dt.datetime:
    """The moment on the London wall clock; ValueError for a naive time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment must be timezone-aware")
    return moment.astimezone(LONDON)


def london_day(moment: dt.datetime) -> dt.date:
    """The London date of a moment: the day a contact is counted under."""
    return london(moment).date()
