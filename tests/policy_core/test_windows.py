"""Contact windows are London wall-clock times, on both sides of a clock change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from policy_core.models import ContactWindow
from policy_core.windows import inside_window, next_window

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
TUESDAY = ContactWindow(weekday="tue", start=dt.time(10), end=dt.time(12))
THURSDAY = ContactWindow(weekday="thu", start=dt.time(14), end=dt.time(15, 30))
ONE_DAY = ContactWindow(date=dt.date(2026, 12, 3), start=dt.time(9), end=dt.time(9, 30))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        # GMT: Tuesday 10 November 2026, London time equals UTC.
        (utc(2026, 11, 10, 9, 59), False),
        (utc(2026, 11, 10, 10, 0), True),
        (utc(2026, 11, 10, 11, 59, 59), True),
        (utc(2026, 11, 10, 12, 0), False),
        # BST: Tuesday 31 March 2026, two days after the clocks went forward; 10:00 is 09:00 UTC.
        (utc(2026, 3, 31, 8, 59), False),
        (utc(2026, 3, 31, 9, 0), True),
        (utc(2026, 3, 31, 10, 30), True),
        (utc(2026, 3, 31, 11, 0), False),
        # Monday 11:00 is not Tuesday.
        (utc(2026, 11, 9, 11, 0), False),
    ],
)
def test_inside_a_weekday_window(now: dt.datetime, inside: bool) -> None:
    assert inside_window((TUESDAY,), now) is inside


def test_the_same_instant_written_in_any_zone_gives_the_same_answer() -> None:
    instant = utc(2026, 3, 31, 9, 15)
    for zone in (UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")):
        assert inside_window((TUESDAY,), instant.astimezone(zone)) is True
        assert next_window((TUESDAY,), instant.astimezone(zone)) == next_window((TUESDAY,), instant)


def test_a_window_on_one_date_opens_that_date_only() -> None:
    assert inside_window((ONE_DAY,), utc(2026, 12, 3, 9, 10)) is True
    assert inside_window((ONE_DAY,), utc(2026, 12, 10, 9, 10)) is False
    assert next_window((ONE_DAY,), utc(2026, 11, 1, 12)) == dt.datetime(
        2026, 12, 3, 9, tzinfo=LONDON
    )
    assert next_window((ONE_DAY,), utc(2026, 12, 3, 9, 1)) is None  # started: none after
    assert next_window((ONE_DAY,), utc(2027, 1, 1)) is None


def test_no_windows() -> None:
    assert inside_window((), utc(2026, 11, 10, 10)) is False
    assert next_window((), utc(2026, 11, 10, 10)) is None


def test_the_next_window_is_the_earliest_start_at_or_after_now() -> None:
    windows = (THURSDAY, TUESDAY, ONE_DAY)
    # Wednesday 2 December: Thursday's 09:00 dated window comes before Thursday 14:00.
    assert next_window(windows, utc(2026, 12, 2, 12)) == dt.datetime(2026, 12, 3, 9, tzinfo=LONDON)
    # Exactly at a start: that window. Inside it: the following one.
    assert next_window((TUESDAY,), utc(2026, 11, 10, 10)) == dt.datetime(
        2026, 11, 10, 10, tzinfo=LONDON
    )
    assert next_window((TUESDAY,), utc(2026, 11, 10, 10, 30)) == dt.datetime(
        2026, 11, 17, 10, tzinfo=LONDON
    )
    assert next_window(windows, utc(2026, 11, 10, 13)) == dt.datetime(
        2026, 11, 12, 14, tzinfo=LONDON
    )


def test_the_next_window_across_the_spring_clock_change() -> None:
    # Friday 27 March 2026, noon GMT; the clocks go forward on Sunday 29 March.
    found = next_window((TUESDAY,), utc(2026, 3, 27, 12))
    assert found == dt.datetime(2026, 3, 31, 10, tzinfo=LONDON)
    assert found is not None and found.utcoffset() == dt.timedelta(hours=1)
    assert found.astimezone(UTC) == utc(2026, 3, 31, 9)
    assert found.isoformat() == "2026-03-31T10:00:00+01:00"


def test_the_next_window_across_the_autumn_clock_change() -> None:
    # Friday 23 October 2026, noon BST; the clocks go back on Sunday 25 October.
    found = next_window((TUESDAY,), utc(2026, 10, 23, 11))
    assert found is not None and found.astimezone(UTC) == utc(2026, 10, 27, 10)
    assert found.isoformat() == "2026-10-27T10:00:00+00:00"


def test_the_repeated_hour_when_the_clocks_go_back() -> None:
    # Sunday 25 October 2026: 01:00-02:00 London happens twice (BST, then GMT).
    early = ContactWindow(weekday="sun", start=dt.time(1, 30), end=dt.time(1, 45))
    first, second = utc(2026, 10, 25, 0, 35), utc(2026, 10, 25, 1, 35)  # 01:35 BST, 01:35 GMT
    assert inside_window((early,), first) and inside_window((early,), second)
    # At 01:10 GMT (the second 01:10) the window's next start is 01:30 GMT, still to come.
    found = next_window((early,), utc(2026, 10, 25, 1, 10))
    assert found is not None and found.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    found = next_window((early,), utc(2026, 10, 25, 0, 10))  # 01:10 BST: the first 01:30
    assert found is not None and found.astimezone(UTC) == utc(2026, 10, 25, 0, 30)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        inside_window((TUESDAY,), dt.datetime(2026, 11, 10, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_window((TUESDAY,), dt.datetime(2026, 11, 10, 10))
