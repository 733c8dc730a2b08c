"""Contact windows: the times a customer may contact their single point of contact.

A window is wall-clock time in Europe/London, either on a weekday every week or on one date,
so "Tuesday 10:00-12:00" stays 10:00 on both sides of a clock change. A window includes its
start and excludes its end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from policy_core.london import LONDON
from policy_core.models import WEEKDAYS, ContactWindow

DAYS = tuple(dt.timedelta(days=n) for n in range(8))


def _local(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(LONDON)


def _on(window: ContactWindow, day: dt.date) -> bool:
    if window.date is not None:
        return window.date == day
    return window.weekday == WEEKDAYS[day.weekday()]


def inside_window(windows: Iterable[ContactWindow], now: dt.datetime) -> bool:
    """Whether `now` falls inside one of the windows."""
    return inside_local(windows, _local(now))


def inside_local(windows: Iterable[ContactWindow], local: dt.datetime) -> bool:
    """`inside_window` for a time already on the London wall clock."""
    day, time = local.date(), local.time()
    return any(_on(w, day) and w.start <= time < w.end for w in windows)


def next_window(windows: Iterable[ContactWindow], now: dt.datetime) -> dt.datetime | None:
    """The start of the next window at or after `now` (aware, Europe/London), or None when
    there is none: no windows, or only dated ones in the past. Inside a window this is the
    start of the following one. Compared on the London wall clock, like `inside_window`."""
    local = _local(now)
    today = local.date()
    weekday = today.weekday()
    wall = dt.datetime.combine(today, local.time())
    best: dt.datetime | None = None
    for window in windows:
        if window.date is not None:
            if window.date < today:
                continue
            start = dt.datetime.combine(window.date, window.start)
            if start < wall:
                continue
        else:
            ahead = (WEEKDAYS.index(window.weekday) - weekday) % 7
            start = dt.datetime.combine(today + DAYS[ahead], window.start)
            if start < wall:
                start += DAYS[7]
        if best is None or start < best:
            best = start
    if best is None:
        return None
    # Later the same day, in the hour the clocks go back, is the hour still to come.
    return best.replace(tzinfo=LONDON, fold=local.fold if best.date() == today else 0)
