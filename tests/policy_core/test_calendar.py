"""Working days: the bank holidays a landlord's staff actually take off, and deadlines that
never land on a day the office is shut."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy_core.calendar import (
    ENGLAND_AND_WALES,
    WorkingDays,
    bank_holidays,
    deadline,
    is_working_day,
    next_working_day,
)

D = dt.date
SCOTLAND = WorkingDays("GB", "SCT")
NORTHERN_IRELAND = WorkingDays("GB", "NIR")


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday
        D(2026, 12, 25),  # Christmas Day, a Friday
        D(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute Monday
        D(2027, 3, 26),  # Good Friday
        D(2027, 3, 29),  # Easter Monday
        D(2027, 12, 27),  # Christmas Day falls on a Saturday: substitute Monday
        D(2027, 12, 28),  # Boxing Day falls on a Sunday: substitute Tuesday
    ],
)
def test_england_and_wales_bank_holidays_are_not_working_days(day: dt.date) -> None:
    assert day.weekday() < 5
    assert ENGLAND_AND_WALES.is_bank_holiday(day)
    assert not is_working_day(day)


def test_christmas_2026_and_2027_in_full() -> None:
    christmas_2026 = {d for d in bank_holidays("GB", "ENG", 2026) if d.month == 12}
    assert christmas_2026 == {D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 28)}
    christmas_2027 = {d for d in bank_holidays("GB", "ENG", 2027) if d.month == 12}
    assert christmas_2027 == {D(2027, 12, d) for d in (25, 26, 27, 28)}
    # Thursday 24 Dec 2026 is the last working day before Christmas; Tuesday 29th the next.
    assert is_working_day(D(2026, 12, 24))
    assert next_working_day(D(2026, 12, 25)) == D(2026, 12, 29)
    assert next_working_day(D(2027, 12, 24)) == D(2027, 12, 24)
    assert next_working_day(D(2027, 12, 25)) == D(2027, 12, 29)


def test_scotland_and_northern_ireland_differ_from_england() -> None:
    assert not SCOTLAND.is_working_day(D(2026, 1, 2))  # 2 January, Scotland only
    assert ENGLAND_AND_WALES.is_working_day(D(2026, 1, 2))
    assert SCOTLAND.is_working_day(D(2026, 4, 6))  # no Easter Monday holiday in Scotland
    assert not SCOTLAND.is_working_day(D(2026, 11, 30))  # St Andrew's Day
    assert not NORTHERN_IRELAND.is_working_day(D(2026, 3, 17))  # St Patrick's Day
    assert ENGLAND_AND_WALES.is_working_day(D(2026, 3, 17))
    # The same deadline from New Year's Eve is a day later in Scotland.
    assert deadline(D(2025, 12, 31), 1) == D(2026, 1, 2)
    assert SCOTLAND.deadline(D(2025, 12, 31), 1) == D(2026, 1, 5)


def test_day_zero_is_the_trigger_and_the_deadline_the_nth_working_day_after() -> None:
    monday = D(2026, 3, 2)
    assert deadline(monday, 1) == D(2026, 3, 3)
    assert deadline(monday, 5) == D(2026, 3, 9)  # over one weekend
    # A decision made on a Saturday: the first working day after it is Monday.
    assert deadline(D(2026, 3, 7), 1) == D(2026, 3, 9)
    # 20 working days from Thursday 19 March 2026 crosses Easter (3 and 6 April).
    assert deadline(D(2026, 3, 19), 20) == D(2026, 4, 20)
    assert deadline(D(2026, 3, 19), 20, SCOTLAND) == D(2026, 4, 17)


def test_deadlines_across_christmas_and_easter_2026_and_2027() -> None:
    # From Christmas Eve 2026 (a Thursday), the next working day is Tuesday 29 December.
    assert deadline(D(2026, 12, 24), 1) == D(2026, 12, 29)
    # 20 working days from Monday 13 December 2027 skip 27 and 28 December and Monday
    # 3 January 2028 (New Year's Day falls on a Saturday).
    assert deadline(D(2027, 12, 13), 20) == D(2028, 1, 13)
    # 15 working days from Monday 15 March 2027 skip Good Friday and Easter Monday.
    assert deadline(D(2027, 3, 15), 15) == D(2027, 4, 7)
    # Easter 2026: a decision on Maundy Thursday, the first working day after is Tuesday.
    assert deadline(D(2026, 4, 2), 1) == D(2026, 4, 7)


def test_a_deadline_needs_at_least_one_working_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        deadline(D(2026, 3, 2), 0)


def test_next_working_day_is_the_day_itself_when_it_is_one() -> None:
    assert next_working_day(D(2026, 3, 4)) == D(2026, 3, 4)
    assert next_working_day(D(2026, 4, 3)) == D(2026, 4, 7)  # Good Friday to Tuesday


regions = st.sampled_from([ENGLAND_AND_WALES, SCOTLAND, NORTHERN_IRELAND])
days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))


@given(days, st.integers(min_value=1, max_value=60), regions)
def test_no_deadline_falls_on_a_weekend_or_bank_holiday(
    trigger: dt.date, working_days: int, calendar: WorkingDays
) -> None:
    due = calendar.deadline(trigger, working_days)
    assert due > trigger
    assert due.weekday() < 5
    assert due not in bank_holidays(calendar.country, calendar.region, due.year)
    # exactly `working_days` working days after the trigger, the last of them the deadline
    span = [trigger + dt.timedelta(days=i) for i in range(1, (due - trigger).days + 1)]
    assert sum(calendar.is_working_day(d) for d in span) == working_days


@given(days, regions)
def test_next_working_day_is_the_first_on_or_after(day: dt.date, calendar: WorkingDays) -> None:
    found = calendar.next_working_day(day)
    assert found >= day and calendar.is_working_day(found)
    assert all(
        not calendar.is_working_day(day + dt.timedelta(days=i)) for i in range((found - day).days)
    )
