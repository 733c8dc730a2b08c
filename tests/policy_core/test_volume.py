"""The 12-month contact-volume report as a pure function: months, channels, actions, flags and
the comparison with the 12 months before the restriction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from policy_core.models import Action, Channel
from policy_core.volume import MonthRow, VolumeReport, months_ending, volume_report

TODAY = dt.date(2027, 2, 10)


def report(**changes: Any) -> VolumeReport:
    args: dict[str, Any] = {
        "customer_ref": "C-1",
        "case_id": "K-1",
        "today": TODAY,
        "counts": [],
        "actions": [],
        "flags": [],
        "restricted_on": None,
        "kept_from": TODAY - dt.timedelta(days=400),
    }
    return volume_report(**{**args, **changes})


def test_the_twelve_months_run_to_this_month_across_the_new_year() -> None:
    assert months_ending(TODAY) == (
        "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08",
        "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02",
    )  # fmt: skip


def test_contacts_are_counted_by_month_and_channel_and_older_ones_left_out() -> None:
    counts = [
        (dt.date(2026, 2, 28), Channel.email, 9),  # 13 months back: not in the 12
        (dt.date(2026, 3, 1), Channel.email, 2),
        (dt.date(2026, 3, 31), Channel.phone, 3),
        (dt.date(2027, 2, 10), Channel.sms, 1),
        (dt.date(2027, 2, 11), Channel.sms, 5),  # after today
    ]
    found = report(counts=counts)
    march = found.months[0]
    assert (march.month, march.total, march.channels) == ("2026-03", 5, {"email": 2, "phone": 3})
    assert found.months[-1].channels == {"sms": 1}
    assert found.totals.total == 6
    assert found.channels == ("email", "phone", "sms")
    assert found.comparison is None


def test_actions_and_flags_are_counted_by_month() -> None:
    actions = [
        (dt.date(2026, 12, 1), Action.deliver),
        (dt.date(2026, 12, 2), Action.refuse),
        (dt.date(2026, 12, 3), Action.refuse),
        (dt.date(2027, 1, 3), Action.hold),
    ]
    flags = [(dt.date(2026, 12, 2), "restriction_breach"), (dt.date(2027, 1, 5), "scattergun")]
    found = report(actions=actions, flags=flags)
    by_month = {row.month: row for row in found.months}
    assert by_month["2026-12"].actions == {"deliver": 1, "refuse": 2}
    assert by_month["2027-01"].actions == {"hold": 1}
    assert by_month["2026-12"].flags == {"restriction_breach": 1}
    assert found.totals.actions == {"deliver": 1, "refuse": 2, "hold": 1}
    assert found.totals.flags == {"restriction_breach": 1, "scattergun": 1}


def test_the_comparison_sets_the_year_before_the_restriction_beside_the_time_since() -> None:
    restricted_on = dt.date(2026, 11, 1)
    counts = [
        (dt.date(2025, 12, 1), Channel.email, 100),  # before the data kept: not seen
        (dt.date(2026, 6, 1), Channel.email, 30),
        (dt.date(2026, 10, 31), Channel.phone, 10),
        (dt.date(2026, 11, 1), Channel.email, 2),
        (dt.date(2027, 2, 1), Channel.email, 1),
    ]
    kept_from = dt.date(2026, 1, 6)
    found = report(counts=counts, restricted_on=restricted_on, kept_from=kept_from)
    comparison = found.comparison
    assert comparison is not None
    assert comparison.before.starts_on == dt.date(2025, 11, 1)
    assert comparison.before.ends_on == dt.date(2026, 10, 31)
    assert comparison.before.total == 140  # what the store returned, as it returned it
    assert comparison.before.covered_from == kept_from
    days_kept = (dt.date(2026, 10, 31) - kept_from).days + 1
    assert comparison.before_per_30_days == round(140 * 30 / days_kept, 1)
    assert comparison.since.starts_on == restricted_on
    assert comparison.since.total == 3
    assert comparison.since_per_30_days == round(3 * 30 / 102, 1)


def test_no_rate_before_a_restriction_when_nothing_that_old_is_kept() -> None:
    found = report(restricted_on=dt.date(2027, 1, 1), kept_from=dt.date(2027, 1, 1))
    assert found.comparison is not None
    assert found.comparison.before_per_30_days is None


def test_time_on_calls_reads_in_whole_minutes_rounded_up() -> None:
    def words(seconds: int) -> str:
        return MonthRow(month="2026-11", call_seconds=seconds).call_time

    assert [words(0), words(1), words(60), words(61)] == ["0 min", "1 min", "1 min", "2 min"]
    assert [words(3600), words(3901)] == ["1 h 00 min", "1 h 06 min"]
