"""Working days: Mondays to Fridays that are not bank holidays in the profile's region
(England and Wales by default). Day 0 is the trigger date; a deadline of N working days is
the Nth working day after it. Pure: every date is an argument, never the clock."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays

ONE_DAY = dt.timedelta(days=1)


@functools.cache
def bank_holidays(country: str, region: str, year: int) -> frozenset[dt.date]:
    """The bank holidays of one year in one region, built once and kept."""
    table = holidays.country_holidays(country, subdiv=region or None, years=year)
    return frozenset(day for day in table if day.year == year)


@functools.cache
def supported_regions(country: str) -> tuple[str, ...] | None:
    """The region codes `holidays` knows for a country, or None for an unknown country."""
    regions = holidays.list_supported_countries().get(country)
    return None if regions is None else tuple(regions)


@dataclass(frozen=True)
class WorkingDays:
    """The working-day calendar of one bank-holiday region."""

    country: str = "GB"
    region: str = "ENG"

    def is_bank_holiday(self, day: dt.date) -> bool:
        return day in bank_holidays(self.country, self.region, day.year)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def deadline(self, trigger: dt.date, working_days: int) -> dt.date:
        """The `working_days`th working day after `trigger` (day 0)."""
        if working_days < 1:
            raise ValueError(f"a deadline needs at least one working day, not {working_days}")
        day = trigger
        for _ in range(working_days):
            day = self.next_working_day(day + ONE_DAY)
        return day


ENGLAND_AND_WALES = WorkingDays("GB", "ENG")


def is_working_day(day: dt.date, calendar: WorkingDays = ENGLAND_AND_WALES) -> bool:
    return calendar.is_working_day(day)


def next_working_day(day: dt.date, calendar: WorkingDays = ENGLAND_AND_WALES) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    return calendar.next_working_day(day)


def deadline(
    trigger: dt.date, working_days: int, calendar: WorkingDays = ENGLAND_AND_WALES
) -> dt.date:
    """The `working_days`th working day after `trigger` (day 0)."""
    return calendar.deadline(trigger, working_days)
