"""What a case may do next and by when: the steps allowed from each state, why a step is
refused, the appeal request deadline, the appeal decision due date and the review date.
Pure: `today` is an argument."""

from __future__ import annotations

import datetime as dt

from policy_core.cases import Case, CaseState
from policy_core.models import Frozen
from policy_core.profiles import Profile


class TransitionError(ValueError):
    """A step the case cannot take; the message says why and what is allowed now."""


STEP_WORDS = {
    "warn": "warn",
    "restrict": "restrict",
    "lodge_appeal": "lodge an appeal",
    "decide_appeal": "decide an appeal",
    "review": "review",
    "close": "close",
}
STATE_WORDS = {
    CaseState.concern_recorded: "at the concern stage",
    CaseState.warned: "warned",
    CaseState.restricted: "restricted",
    CaseState.appeal_lodged: "under appeal",
    CaseState.closed: "closed",
}
ALLOWED: dict[CaseState, tuple[str, ...]] = {
    CaseState.concern_recorded: ("warn", "restrict", "close"),
    CaseState.warned: ("restrict", "close"),
    CaseState.restricted: ("lodge_appeal", "review", "close"),
    CaseState.appeal_lodged: ("decide_appeal", "close"),
    CaseState.closed: (),
}


class Deadlines(Frozen):
    appeal_request_by: dt.date | None = None
    appeal_decision_due: dt.date | None = None
    review_due: dt.date | None = None
    appeal_window_open: bool = False
    appeal_decision_overdue: bool = False
    review_overdue: bool = False
    allowed_steps: tuple[str, ...] = ()


def appeal_request_by(case: Case, profile: Profile) -> dt.date | None:
    """The last day to lodge an appeal against the decision still open to one."""
    if case.state is not CaseState.restricted or case.appealable_since is None:
        return None
    return profile.working_days.deadline(case.appealable_since, profile.appeal_request_working_days)


def allowed_steps(
    case: Case, *, on: dt.date | None = None, profile: Profile | None = None
) -> tuple[str, ...]:
    """The steps the case may take next; given a date and profile, a lapsed appeal window
    removes `lodge_appeal`."""
    steps = ALLOWED[case.state]
    if "lodge_appeal" in steps:
        last = appeal_request_by(case, profile) if profile is not None else case.appealable_since
        if last is None or (on is not None and profile is not None and on > last):
            steps = tuple(s for s in steps if s != "lodge_appeal")
    return steps


def deadlines(case: Case, profile: Profile, today: dt.date | None = None) -> Deadlines:
    calendar = profile.working_days
    request_by = appeal_request_by(case, profile)
    decision_due = None
    if case.state is CaseState.appeal_lodged and case.appeal_lodged_on is not None:
        decision_due = calendar.deadline(
            case.appeal_lodged_on, profile.appeal_decision_working_days
        )
    open_states = (CaseState.restricted, CaseState.appeal_lodged)
    review_due = case.review_due_on if case.state in open_states else None
    return Deadlines(
        appeal_request_by=request_by,
        appeal_decision_due=decision_due,
        review_due=review_due,
        appeal_window_open=request_by is not None and (today is None or today <= request_by),
        appeal_decision_overdue=_after(today, decision_due),
        review_overdue=_after(today, review_due),
        allowed_steps=allowed_steps(case, on=today, profile=profile),
    )


def _after(today: dt.date | None, due: dt.date | None) -> bool:
    return today is not None and due is not None and today > due


def refusal(
    case: Case, step: str, problem: str = "", *, on: dt.date | None = None, profile: Profile | None
) -> TransitionError:
    allowed = ", ".join(allowed_steps(case, on=on, profile=profile)) or "nothing"
    problem = problem or f"case {case.id} is {STATE_WORDS[case.state]}"
    return TransitionError(f"cannot {STEP_WORDS[step]}: {problem}; allowed now: {allowed}")


def check_step(
    case: Case, step: str, actor: str, on: dt.date, reason: str, profile: Profile | None = None
) -> None:
    if step not in ALLOWED[case.state]:
        raise refusal(case, step, on=on, profile=profile)
    if not actor.strip():
        raise refusal(case, step, "every step needs an actor", on=on, profile=profile)
    if not reason.strip():
        raise refusal(case, step, "every step needs a reason", on=on, profile=profile)
    if case.last_on is not None and on < case.last_on:
        problem = f"{on} is before the case's last step on {case.last_on}"
        raise refusal(case, step, problem, on=on, profile=profile)
