"""The case lifecycle as a pure state machine. Every step takes a Case and returns a new one
with a CaseEvent appended: who did it, on which date, and why.

concern recorded -> warned -> restricted (or restricted directly, with the reason the warning
was skipped) -> appeal lodged -> appeal decided (upheld or varied: restricted; lifted: closed)
-> reviewed at 12 months (extended with grounds: restricted again; lifted: closed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from policy_core.cases import Case, CaseEvent, CaseState
from policy_core.deadlines import (
    Deadlines,
    TransitionError,
    allowed_steps,
    appeal_request_by,
    check_step,
    deadlines,
    refusal,
)
from policy_core.models import Officer, Restriction, add_months
from policy_core.profiles import Profile

__all__ = [
    "AppealOutcome",
    "Deadlines",
    "ReviewOutcome",
    "TransitionError",
    "allowed_steps",
    "close",
    "deadlines",
    "decide_appeal",
    "lodge_appeal",
    "record_concern",
    "restrict",
    "review",
    "warn",
]


class AppealOutcome(StrEnum):
    upheld = "upheld"
    varied = "varied"
    lifted = "lifted"


class ReviewOutcome(StrEnum):
    lifted = "lifted"
    extended = "extended"


def _step(
    case: Case,
    name: str,
    actor: str,
    on: dt.date,
    reason: str,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
) -> Case:
    event = CaseEvent(step=name, actor=actor.strip(), on=on, reason=reason.strip(), data=data)
    return case.model_copy(update={"events": (*case.events, event), **(changes or {})})


def _dump(restrictions: Sequence[Restriction]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in restrictions]


def _issue(
    case: Case, restrictions: Sequence[Restriction], starts_on: dt.date, ends_on: dt.date
) -> tuple[Restriction, ...]:
    """Restrictions as imposed on this case: dated, and with ids never used before in it."""
    issued = sum(len(e.data.get("restrictions", ())) for e in case.events)
    update = {"case_id": case.id, "starts_on": starts_on, "ends_on": ends_on}
    return tuple(
        r.model_copy(update={**update, "id": f"{case.id}-r{issued + n}"})
        for n, r in enumerate(restrictions, start=1)
    )


def _ended(case: Case, on: dt.date) -> dict[str, Any]:
    """The changes that end every restriction on `on` and close the case."""
    return {
        "state": CaseState.closed,
        "closed_on": on,
        "restrictions": tuple(
            r.model_copy(update={"ends_on": min(r.ends_on, on)}) for r in case.restrictions
        ),
        "review_due_on": None,
        "appealable_since": None,
        "appeal_lodged_on": None,
    }


def record_concern(
    case_id: str,
    customer_ref: str,
    actor: str,
    on: dt.date,
    reason: str,
    officer: Officer | None = None,
) -> Case:
    """Step 1 begins: a Service Manager records why the customer's contact causes concern."""
    case = Case(id=case_id, customer_ref=customer_ref, officer=officer)
    if not actor.strip() or not reason.strip():
        raise TransitionError("cannot record a concern: every step needs an actor and a reason")
    return _step(case, "concern_recorded", actor, on, reason, {})


def warn(case: Case, actor: str, on: dt.date, reason: str) -> Case:
    """Step 1: the customer is told in writing why their contact causes concern."""
    check_step(case, "warn", actor, on, reason)
    changes = {"state": CaseState.warned, "warned_on": on}
    return _step(case, "warned", actor, on, reason, {}, changes)


def restrict(
    case: Case,
    actor: str,
    on: dt.date,
    reason: str,
    restrictions: Sequence[Restriction],
    skip_warning_reason: str | None = None,
    *,
    profile: Profile,
) -> Case:
    """Step 2: the Head of Service imposes restrictions for the profile's period (12 months)."""
    check_step(case, "restrict", actor, on, reason, profile)
    skipped = (skip_warning_reason or "").strip()
    if case.state is CaseState.concern_recorded and not skipped:
        problem = (
            f"case {case.id} has no warning on record; restricting without one needs "
            "skip_warning_reason, the recorded reason the warning was skipped"
        )
        raise refusal(case, "restrict", problem, on=on, profile=profile)
    if not restrictions:
        raise refusal(case, "restrict", "no restrictions were given", on=on, profile=profile)
    ends_on = add_months(on, profile.restriction_months)
    issued = _issue(case, restrictions, on, ends_on)
    review_due = profile.working_days.next_working_day(ends_on)
    data: dict[str, Any] = {"restrictions": _dump(issued), "review_due_on": review_due.isoformat()}
    if case.state is CaseState.concern_recorded:
        data["skip_warning_reason"] = skipped
    changes = {
        "state": CaseState.restricted,
        "restrictions": issued,
        "restricted_on": on,
        "review_due_on": review_due,
        "appealable_since": on,
    }
    return _step(case, "restricted", actor, on, reason, data, changes)


def lodge_appeal(case: Case, actor: str, on: dt.date, reason: str, *, profile: Profile) -> Case:
    """The customer asks for an independent review, within the profile's working days."""
    check_step(case, "lodge_appeal", actor, on, reason, profile)
    last = appeal_request_by(case, profile)
    if last is None:
        problem = f"the appeal on case {case.id} has already been decided"
        raise refusal(case, "lodge_appeal", problem, on=on, profile=profile)
    if on > last:
        problem = (
            f"the appeal request deadline has passed: it was due by {last} "
            f"({profile.appeal_request_working_days} working days after {case.appealable_since})"
        )
        raise refusal(case, "lodge_appeal", problem, on=on, profile=profile)
    changes = {
        "state": CaseState.appeal_lodged,
        "appeal_lodged_on": on,
        "appeals": case.appeals + 1,
    }
    return _step(case, "appeal_lodged", actor, on, reason, {"request_by": str(last)}, changes)


def decide_appeal(
    case: Case,
    actor: str,
    on: dt.date,
    outcome: AppealOutcome | str,
    reason: str,
    restrictions: Sequence[Restriction] | None = None,
) -> Case:
    """The independent review's decision: upheld, varied (new restrictions for the rest of the
    period) or lifted (restrictions end on the decision date and the case closes)."""
    check_step(case, "decide_appeal", actor, on, reason)
    try:
        outcome = AppealOutcome(outcome)
    except ValueError:
        problem = f"unknown outcome {outcome!r}; outcomes: upheld, varied, lifted"
        raise refusal(case, "decide_appeal", problem, profile=None) from None
    if (outcome is AppealOutcome.varied) != bool(restrictions):
        problem = "new restrictions are given when, and only when, the decision is varied"
        raise refusal(case, "decide_appeal", problem, profile=None)
    data: dict[str, Any] = {"outcome": outcome.value}
    if outcome is AppealOutcome.lifted:
        return _step(case, "appeal_decided", actor, on, reason, data, _ended(case, on))
    changes: dict[str, Any] = {
        "state": CaseState.restricted,
        "appeal_lodged_on": None,
        "appealable_since": None,
    }
    if restrictions:
        period_end = max((r.ends_on for r in case.restrictions), default=on)
        issued = _issue(case, restrictions, on, max(period_end, on))
        data |= {"ended": [r.id for r in case.restrictions], "restrictions": _dump(issued)}
        changes["restrictions"] = issued
    return _step(case, "appeal_decided", actor, on, reason, data, changes)


def review(
    case: Case,
    actor: str,
    on: dt.date,
    reason: str,
    outcome: ReviewOutcome | str = ReviewOutcome.lifted,
    grounds: str = "",
    months: int | None = None,
    *,
    profile: Profile,
) -> Case:
    """The 12-month review. Restrictions lift unless they are extended with recorded grounds
    for a new period; the customer may appeal an extension."""
    check_step(case, "review", actor, on, reason, profile)
    try:
        outcome = ReviewOutcome(outcome)
    except ValueError:
        problem = f"unknown outcome {outcome!r}; outcomes: lifted, extended"
        raise refusal(case, "review", problem, on=on, profile=profile) from None
    data: dict[str, Any] = {"outcome": outcome.value, "grounds": grounds.strip()}
    if outcome is ReviewOutcome.lifted:
        return _step(case, "reviewed", actor, on, reason, data, _ended(case, on))
    if not grounds.strip():
        problem = "extending restrictions needs recorded grounds; without them they lift"
        raise refusal(case, "review", problem, on=on, profile=profile)
    months = profile.restriction_months if months is None else months
    if months < 1:
        problem = f"an extension lasts at least one month, not {months}"
        raise refusal(case, "review", problem, on=on, profile=profile)
    ends_on = add_months(on, months)
    review_due = profile.working_days.next_working_day(ends_on)
    data |= {"months": months, "ends_on": ends_on.isoformat(), "review_due_on": str(review_due)}
    changes = {
        "restrictions": tuple(r.model_copy(update={"ends_on": ends_on}) for r in case.restrictions),
        "review_due_on": review_due,
        "appealable_since": on,
    }
    return _step(case, "reviewed", actor, on, reason, data, changes)


def close(case: Case, actor: str, on: dt.date, reason: str) -> Case:
    """Closes the case from any open state; restrictions still running end on `on`."""
    check_step(case, "close", actor, on, reason)
    return _step(case, "closed", actor, on, reason, {}, _ended(case, on))
