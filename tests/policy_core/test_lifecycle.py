"""The case lifecycle: every step dated, signed and explained; wrong steps refused with a
message that says what to do instead; deadlines in working days for both policy versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.profiles import load_profile
from policy_core.cases import Case, CaseState
from policy_core.lifecycle import (
    TransitionError,
    close,
    deadlines,
    decide_appeal,
    lodge_appeal,
    record_concern,
    restrict,
    review,
    warn,
)
from policy_core.models import LetterOnly, SocialMedia
from policy_core.profiles import Profile
from tests.clock import SPECIAL_DAYS, a_year_on, first_working_day

D = dt.date
CURRENT = load_profile("derby-homes-2020")
EARLIER = load_profile("derby-homes-vexatious")
RESTRICTED_ON = D(2026, 3, 26)  # Thursday before Easter 2026
APPEALED_ON = D(2026, 4, 20)


def letter_only(on: dt.date = RESTRICTED_ON) -> LetterOnly:
    return LetterOnly(starts_on=on)


def same_after_storing(case: Case) -> Case:
    stored = Case.model_validate_json(case.model_dump_json())
    assert stored == case
    return case


def concern() -> Case:
    return record_concern("K-1", "C-100", "service manager", D(2026, 2, 2), "40 e-mails a week")


def warned() -> Case:
    return warn(concern(), "service manager", D(2026, 2, 3), "warning letter sent")


def restricted(profile: Profile = CURRENT) -> Case:
    return restrict(
        warned(), "head of service", RESTRICTED_ON, "no change after the warning",
        [letter_only(), SocialMedia(starts_on=RESTRICTED_ON, level="denied")], profile=profile,
    )  # fmt: skip


def appealed(profile: Profile = CURRENT, on: dt.date = APPEALED_ON) -> Case:
    return lodge_appeal(
        restricted(profile), "customer experience team", on, "letter", profile=profile
    )


def test_the_whole_path_is_recorded_step_by_step() -> None:
    case = same_after_storing(restricted())
    assert case.state is CaseState.restricted and case.warned_on == D(2026, 2, 3)
    assert [r.id for r in case.restrictions] == ["K-1-r1", "K-1-r2"]
    assert {(r.case_id, r.starts_on, r.ends_on) for r in case.restrictions} == {
        ("K-1", RESTRICTED_ON, D(2027, 3, 26))
    }
    # 26 March 2027 is Good Friday: the review falls to the next working day, Tuesday.
    assert case.review_due_on == D(2027, 3, 30)

    case = lodge_appeal(case, "customer experience team", D(2026, 4, 1), "letter", profile=CURRENT)
    assert case.appeal_open and case.appeals == 1
    assert case.restrictions[0].active_on(D(2026, 4, 2))  # restrictions stay during an appeal
    case = decide_appeal(case, "executive director", D(2026, 4, 28), "upheld", "proportionate")
    assert case.state is CaseState.restricted and not case.appeal_open

    case = review(
        case, "housing manager", D(2027, 3, 30), "contact reviewed", "extended",
        grounds="threats to staff continued in January", months=6, profile=CURRENT,
    )  # fmt: skip
    assert case.state is CaseState.restricted
    assert {r.ends_on for r in case.restrictions} == {D(2027, 9, 30)}
    assert case.review_due_on == D(2027, 9, 30)
    case = same_after_storing(
        review(case, "housing manager", D(2027, 9, 30), "calm", profile=CURRENT)
    )
    assert case.state is CaseState.closed and case.closed_on == D(2027, 9, 30)
    assert not any(r.active_on(D(2027, 10, 1)) for r in case.restrictions)

    steps = [(e.step, e.actor, e.on) for e in case.events]
    assert steps == [
        ("concern_recorded", "service manager", D(2026, 2, 2)),
        ("warned", "service manager", D(2026, 2, 3)),
        ("restricted", "head of service", RESTRICTED_ON),
        ("appeal_lodged", "customer experience team", D(2026, 4, 1)),
        ("appeal_decided", "executive director", D(2026, 4, 28)),
        ("reviewed", "housing manager", D(2027, 3, 30)),
        ("reviewed", "housing manager", D(2027, 9, 30)),
    ]
    assert all(e.reason for e in case.events)
    assert case.events[5].data["grounds"] == "threats to staff continued in January"
    assert case.events[6].data["outcome"] == "lifted"


@pytest.mark.parametrize(
    ("make", "step", "message"),
    [
        (warned, lambda c: lodge_appeal(c, "x", D(2026, 3, 1), "r", profile=CURRENT),
         "cannot lodge an appeal: case K-1 is warned; allowed now: restrict, close"),
        (restricted, lambda c: warn(c, "x", D(2026, 4, 1), "r"),
         "cannot warn: case K-1 is restricted; allowed now: lodge_appeal, review, close"),
        (restricted, lambda c: decide_appeal(c, "x", D(2026, 4, 1), "upheld", "r"),
         "cannot decide an appeal: case K-1 is restricted; allowed now: lodge_appeal, review, "),
        (appealed, lambda c: review(c, "x", D(2026, 5, 1), "r", profile=CURRENT),
         "cannot review: case K-1 is under appeal; allowed now: decide_appeal, close"),
        (concern, lambda c: lodge_appeal(c, "x", D(2026, 3, 1), "r", profile=CURRENT),
         "cannot lodge an appeal: case K-1 is at the concern stage; allowed now: warn, restrict, "),
        (lambda: close(warned(), "x", D(2026, 3, 1), "behaviour changed"),
         lambda c: warn(c, "x", D(2026, 3, 2), "r"),
         "cannot warn: case K-1 is closed; allowed now: nothing"),
        (concern, lambda c: warn(c, "x", D(2026, 2, 3), " "),
         "cannot warn: every step needs a reason; allowed now: warn, restrict, close"),
        (concern, lambda c: warn(c, "", D(2026, 2, 3), "letter"),
         "cannot warn: every step needs an actor; allowed now: warn, restrict, close"),
        (warned, lambda c: close(c, "x", D(2026, 1, 1), "r"),
         "cannot close: 2026-01-01 is before the case's last step on 2026-02-03; allowed now:"),
        (restricted,
         lambda c: restrict(c, "x", D(2026, 4, 1), "r", [letter_only()], profile=CURRENT),
         "cannot restrict: case K-1 is restricted; allowed now: lodge_appeal, review, close"),
    ],
)  # fmt: skip
def test_a_wrong_step_says_what_is_wrong_and_what_is_allowed(
    make: Callable[[], Case], step: Callable[[Case], Case], message: str
) -> None:
    case = make()
    with pytest.raises(TransitionError) as caught:
        step(case)
    assert str(caught.value).startswith(message)


def test_restricting_without_a_warning_needs_the_reason_it_was_skipped() -> None:
    with pytest.raises(TransitionError) as caught:
        restrict(concern(), "head of service", RESTRICTED_ON, "threat", [letter_only()],
                 profile=CURRENT)  # fmt: skip
    assert "no warning on record" in str(caught.value)
    assert "skip_warning_reason" in str(caught.value)
    case = restrict(
        concern(), "head of service", RESTRICTED_ON, "threatened an officer at the office",
        [letter_only()], skip_warning_reason="immediate risk to staff safety", profile=CURRENT,
    )  # fmt: skip
    assert case.state is CaseState.restricted and case.warned_on is None
    assert case.events[-1].data["skip_warning_reason"] == "immediate risk to staff safety"
    same_after_storing(case)


def test_restricting_needs_at_least_one_restriction() -> None:
    with pytest.raises(TransitionError, match="no restrictions were given"):
        restrict(warned(), "head of service", RESTRICTED_ON, "no change", [], profile=CURRENT)


@pytest.mark.parametrize(
    ("profile", "request_by", "decision_due"),
    [
        # 20 working days from Thursday 26 March 2026, over Easter; then 20 from 20 April,
        # over the May Day bank holiday.
        (CURRENT, D(2026, 4, 27), D(2026, 5, 19)),
        # 15 working days; then 30, over both May bank holidays.
        (EARLIER, D(2026, 4, 20), D(2026, 6, 3)),
    ],
)
def test_deadlines_follow_the_profile(
    profile: Profile, request_by: dt.date, decision_due: dt.date
) -> None:
    before = deadlines(restricted(profile), profile, today=D(2026, 4, 1))
    assert before.appeal_request_by == request_by and before.appeal_window_open
    assert before.review_due == D(2027, 3, 30) and not before.review_overdue
    assert before.appeal_decision_due is None
    assert before.allowed_steps == ("lodge_appeal", "review", "close")

    after = deadlines(restricted(profile), profile, today=request_by + dt.timedelta(days=1))
    assert not after.appeal_window_open and after.allowed_steps == ("review", "close")

    case = appealed(profile, D(2026, 4, 20))
    due = deadlines(case, profile, today=decision_due)
    assert due.appeal_decision_due == decision_due and not due.appeal_decision_overdue
    assert due.appeal_request_by is None and due.allowed_steps == ("decide_appeal", "close")
    late = deadlines(case, profile, today=decision_due + dt.timedelta(days=1))
    assert late.appeal_decision_overdue


def test_an_appeal_after_the_request_deadline_is_refused() -> None:
    # 21 April 2026 is within 20 working days of the restriction, but not within 15.
    assert appealed(CURRENT, D(2026, 4, 21)).state is CaseState.appeal_lodged
    with pytest.raises(TransitionError) as caught:
        appealed(EARLIER, D(2026, 4, 21))
    assert str(caught.value) == (
        "cannot lodge an appeal: the appeal request deadline has passed: it was due by "
        "2026-04-20 (15 working days after 2026-03-26); allowed now: review, close"
    )


def test_an_appeal_once_decided_cannot_be_lodged_again() -> None:
    case = decide_appeal(appealed(), "director", D(2026, 4, 30), "upheld", "proportionate")
    assert deadlines(case, CURRENT, today=D(2026, 5, 1)).appeal_request_by is None
    with pytest.raises(TransitionError, match="already been decided; allowed now: review, close"):
        lodge_appeal(case, "customer", D(2026, 5, 1), "again", profile=CURRENT)


def test_an_appeal_varied_replaces_the_restrictions_for_the_rest_of_the_period() -> None:
    with pytest.raises(TransitionError, match="only when, the decision is varied"):
        decide_appeal(appealed(), "director", D(2026, 5, 5), "varied", "social media only")
    with pytest.raises(TransitionError, match="only when, the decision is varied"):
        decide_appeal(appealed(), "director", D(2026, 5, 5), "upheld", "r", [letter_only()])
    new = SocialMedia(starts_on=D(2026, 5, 5), level="restricted")
    case = same_after_storing(
        decide_appeal(appealed(), "director", D(2026, 5, 5), "varied", "letters too strict", [new])
    )
    assert case.state is CaseState.restricted
    (only,) = case.restrictions
    assert only.kind == "social_media" and only.level == "restricted"
    assert (only.id, only.starts_on, only.ends_on) == ("K-1-r3", D(2026, 5, 5), D(2027, 3, 26))
    assert case.review_due_on == D(2027, 3, 30)
    assert case.events[-1].data["ended"] == ["K-1-r1", "K-1-r2"]


def test_an_appeal_lifted_ends_the_restrictions_on_the_decision_date() -> None:
    case = same_after_storing(
        decide_appeal(appealed(), "director", D(2026, 5, 5), "lifted", "not proportionate")
    )
    assert case.state is CaseState.closed and case.closed_on == D(2026, 5, 5)
    assert {r.ends_on for r in case.restrictions} == {D(2026, 5, 5)}
    assert not any(r.active_on(D(2026, 5, 6)) for r in case.restrictions)
    assert deadlines(case, CURRENT, today=D(2027, 6, 1)) == deadlines(case, CURRENT)
    assert deadlines(case, CURRENT).review_due is None


def test_an_unknown_appeal_outcome_lists_the_outcomes() -> None:
    with pytest.raises(TransitionError, match="outcomes: upheld, varied, lifted"):
        decide_appeal(appealed(), "director", D(2026, 5, 5), "dismissed", "r")


def test_review_lifts_by_default_and_extends_only_with_grounds() -> None:
    case = restricted()
    overdue = deadlines(case, CURRENT, today=D(2027, 3, 31))
    assert overdue.review_overdue and overdue.review_due == D(2027, 3, 30)

    lifted = review(
        case, "housing manager", D(2027, 3, 30), "2 calls in 12 months", profile=CURRENT
    )
    assert lifted.state is CaseState.closed
    assert {r.ends_on for r in lifted.restrictions} == {D(2027, 3, 26)}  # already over

    with pytest.raises(TransitionError) as caught:
        review(case, "housing manager", D(2027, 3, 30), "reviewed", "extended", profile=CURRENT)
    assert str(caught.value).startswith(
        "cannot review: extending restrictions needs recorded grounds"
    )

    extended = review(
        case, "housing manager", D(2027, 3, 30), "reviewed", "extended",
        grounds="abusive voicemails continued", profile=CURRENT,
    )  # fmt: skip
    assert {r.ends_on for r in extended.restrictions} == {D(2028, 3, 30)}
    assert extended.review_due_on == D(2028, 3, 30)
    # The customer may appeal the extension: the window runs from the review.
    after = deadlines(extended, CURRENT, today=D(2027, 3, 31))
    assert after.appeal_request_by == D(2027, 4, 27) and after.appeal_window_open
    same_after_storing(extended)


def test_closing_ends_running_restrictions_and_any_open_appeal() -> None:
    case = close(appealed(), "head of service", D(2026, 6, 1), "customer moved away")
    assert case.state is CaseState.closed and not case.appeal_open
    assert {r.ends_on for r in case.restrictions} == {D(2026, 6, 1)}
    assert deadlines(case, EARLIER, today=D(2026, 6, 2)).allowed_steps == ()


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([CURRENT, EARLIER]),
    st.dates(min_value=D(2026, 2, 3), max_value=D(2034, 12, 31)),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(["ENG", "SCT", "NIR"]),
)
def test_no_case_deadline_falls_on_a_weekend_or_a_bank_holiday(
    profile: Profile, restricted_on: dt.date, appeal_after: int, region: str
) -> None:
    profile = profile.model_copy(update={"bank_holiday_region": region})
    calendar = profile.working_days
    case = restrict(
        warned(), "head of service", restricted_on, "no change after the warning",
        [letter_only(restricted_on)], profile=profile,
    )  # fmt: skip
    request_by = deadlines(case, profile).appeal_request_by
    assert request_by is not None
    appeal_on = min(restricted_on + dt.timedelta(days=appeal_after), request_by)
    appealed = lodge_appeal(case, "customer experience team", appeal_on, "letter", profile=profile)
    due = deadlines(appealed, profile)
    for day in (request_by, due.appeal_decision_due, due.review_due):
        assert day is not None and day > restricted_on
        assert day.weekday() < 5 and not calendar.is_bank_holiday(day), day


@pytest.mark.parametrize("on", SPECIAL_DAYS, ids=str)
def test_a_review_a_year_on_is_due_on_a_working_day_whatever_the_day(on: dt.date) -> None:
    case = restrict(
        warn(concern(), "service manager", on, "warning letter sent"), "head of service", on,
        "no change after the warning", [letter_only(on)], profile=CURRENT,
    )  # fmt: skip
    assert case.review_due_on == first_working_day(a_year_on(on))
    assert deadlines(case, CURRENT, today=on).review_overdue is False
    extended = review(
        case, "housing manager", on, "reviewed early", "extended",
        grounds="contact continued", profile=CURRENT,
    )  # fmt: skip
    assert extended.review_due_on == first_working_day(a_year_on(on))
    assert {r.ends_on for r in extended.restrictions} == {a_year_on(on)}
