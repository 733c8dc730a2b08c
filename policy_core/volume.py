"""The contact-volume report a manager reads at the 12-month review: contacts per month and
channel, what the gateway did with them, the flags raised, and the comparison with the 12
months before the restriction. Pure: the figures come in as daily rows, `today` is an argument.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from pydantic import Field

from policy_core.models import Action, Channel, Frozen, add_months

REPORT_MONTHS = 12


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_ending(today: dt.date, count: int = REPORT_MONTHS) -> tuple[str, ...]:
    """The `count` calendar months up to and including today's, oldest first."""
    first = today.replace(day=1)
    return tuple(month_of(add_months(first, n - count + 1)) for n in range(count))


class MonthRow(Frozen):
    """One month's figures: by channel, by action, by flag kind (only the non-zero ones)."""

    month: str  # YYYY-MM
    total: int = 0
    channels: dict[str, int] = Field(default_factory=dict)
    actions: dict[str, int] = Field(default_factory=dict)
    flags: dict[str, int] = Field(default_factory=dict)
    call_seconds: int = 0  # time on completed calls, where Twilio reported their length

    @property
    def call_time(self) -> str:
        """The time on calls in words a manager reads: "0 min", "7 min", "1 h 05 min"."""
        minutes = (self.call_seconds + 59) // 60
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


class Period(Frozen):
    """Contacts in a span of days, and how much of the span the kept data covers."""

    label: str
    starts_on: dt.date
    ends_on: dt.date  # inclusive
    total: int
    channels: dict[str, int] = Field(default_factory=dict)
    covered_from: dt.date | None = None  # the first day data was kept for, when later

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class Comparison(Frozen):
    """The 12 months before the restriction beside the time since, as contacts per 30 days."""

    before: Period
    since: Period
    before_per_30_days: float | None
    since_per_30_days: float | None


class VolumeReport(Frozen):
    customer_ref: str
    case_id: str
    generated_on: dt.date
    months: tuple[MonthRow, ...]
    channels: tuple[str, ...]  # the channels with any contact, in Channel order
    totals: MonthRow  # month = "total"
    comparison: Comparison | None = None  # None before any restriction


def _per_30(period: Period) -> float | None:
    start = max(period.starts_on, period.covered_from or period.starts_on)
    days = (period.ends_on - start).days + 1
    return round(period.total * 30 / days, 1) if days > 0 else None


def _period(
    label: str,
    starts_on: dt.date,
    ends_on: dt.date,
    counts: Iterable[tuple[dt.date, Channel, int]],
    kept_from: dt.date,
) -> Period:
    channels: Counter[str] = Counter()
    for day, channel, count in counts:
        if starts_on <= day <= ends_on:
            channels[channel.value] += count
    return Period(
        label=label,
        starts_on=starts_on,
        ends_on=ends_on,
        total=sum(channels.values()),
        channels=dict(channels),
        covered_from=kept_from if kept_from > starts_on else None,
    )


def volume_report(
    *,
    customer_ref: str,
    case_id: str,
    today: dt.date,
    counts: Iterable[tuple[dt.date, Channel, int]],
    actions: Iterable[tuple[dt.date, Action]],
    flags: Iterable[tuple[dt.date, str]],
    restricted_on: dt.date | None,
    kept_from: dt.date,
    calls: Iterable[tuple[dt.date, int]] = (),
) -> VolumeReport:
    """`counts` are the daily buckets (day, channel, contacts), `actions` one row per decided
    contact, `flags` one row per flag raised, `calls` one row per call of known length
    (day, seconds); `kept_from` is the oldest day the store keeps."""
    counts = list(counts)
    months = months_ending(today)
    by_channel: dict[str, Counter[str]] = {m: Counter() for m in months}
    by_action: dict[str, Counter[str]] = {m: Counter() for m in months}
    by_flag: dict[str, Counter[str]] = {m: Counter() for m in months}
    for day, channel, count in counts:
        if month_of(day) in by_channel and day <= today:
            by_channel[month_of(day)][channel.value] += count
    for day, action in actions:
        if month_of(day) in by_action and day <= today:
            by_action[month_of(day)][action.value] += 1
    for day, kind in flags:
        if month_of(day) in by_flag and day <= today:
            by_flag[month_of(day)][kind] += 1
    call_seconds: Counter[str] = Counter()
    for day, seconds in calls:
        if month_of(day) in by_channel and day <= today:
            call_seconds[month_of(day)] += seconds
    rows = tuple(
        MonthRow(
            month=m,
            total=sum(by_channel[m].values()),
            channels=dict(by_channel[m]),
            actions=dict(by_action[m]),
            flags=dict(by_flag[m]),
            call_seconds=call_seconds[m],
        )
        for m in months
    )
    used = {name for row in rows for name in row.channels}
    totals = MonthRow(
        month="total",
        total=sum(row.total for row in rows),
        channels=dict(sum((Counter(row.channels) for row in rows), Counter())),
        actions=dict(sum((Counter(row.actions) for row in rows), Counter())),
        flags=dict(sum((Counter(row.flags) for row in rows), Counter())),
        call_seconds=sum(row.call_seconds for row in rows),
    )
    comparison = None
    if restricted_on is not None and restricted_on <= today:
        before_start = add_months(restricted_on, -REPORT_MONTHS)
        before = _period(
            "12 months before the restriction",
            before_start,
            restricted_on - dt.timedelta(days=1),
            counts,
            kept_from,
        )
        since_start = max(restricted_on, add_months(today, -REPORT_MONTHS) + dt.timedelta(1))
        since = _period("since the restriction", since_start, today, counts, kept_from)
        comparison = Comparison(
            before=before,
            since=since,
            before_per_30_days=_per_30(before),
            since_per_30_days=_per_30(since),
        )
    return VolumeReport(
        customer_ref=customer_ref,
        case_id=case_id,
        generated_on=today,
        months=rows,
        channels=tuple(c.value for c in Channel if c.value in used),
        totals=totals,
        comparison=comparison,
    )
