"""The instant the suite runs at, instead of the wall clock: every `serve` the tests start has
its clock fixed at `NOW` (see tests/serve.py), and every date a test expects comes from `TODAY`.

`CONTACT_GATEWAY_TEST_DATE=2026-12-26 make test` runs the whole suite on another day;
`SPECIAL_DAYS` are the days the date-sensitive tests are also run on, each time."""

from __future__ import annotations

import datetime as dt
import os

import holidays

from policy_core.london import LONDON

DEFAULT_DAY = dt.date(2026, 11, 24)  # a Tuesday, no bank holiday near


def _today() -> dt.date:
    raw = os.environ.get("CONTACT_GATEWAY_TEST_DATE", "").strip()
    return dt.date.fromisoformat(raw) if raw else DEFAULT_DAY


TODAY = _today()
NOW = dt.datetime.combine(TODAY, dt.time(10, 30), tzinfo=LONDON)

SPECIAL_DAYS = (
    dt.date(2026, 12, 5),  # a Saturday
    dt.date(2026, 12, 25),  # Christmas Day
    dt.date(2026, 4, 6),  # Easter Monday
    dt.date(2026, 3, 29),  # the clocks go forward
    dt.date(2026, 10, 25),  # the clocks go back
    dt.date(2028, 2, 29),  # a leap day
    dt.date(2026, 12, 31),  # the last day of a year
    dt.date(2026, 12, 4),  # the day a review a year on falls on a Saturday
)


def at(day: dt.date, hour: int = 10, minute: int = 30) -> dt.datetime:
    """A London wall-clock time on `day`."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def first_working_day(day: dt.date) -> dt.date:
    """`day`, or the first day after it that is neither a weekend nor a bank holiday in
    England: worked out from the `holidays` package here, apart from the product's calendar."""
    english = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in english:
        day += dt.timedelta(days=1)
    return day


def a_year_on(day: dt.date) -> dt.date:
    """The same date next year; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
