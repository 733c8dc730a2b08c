"""A case's steps as the API and the manager's forms both take them: `take` works out the
changed case (pure: the lifecycle's rules, nothing written, so a form can show the computed
deadlines before the manager confirms), `record` keeps it with its audit entry and letter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.casework import letters
from gateway.casework.steps import AppealDecision, NewCase, Restrict, Review, Step
from gateway.inputs import restrictions
from gateway.runtime import Gateway
from gateway.store.base import AuditEntry
from policy_core import lifecycle
from policy_core.cases import Case
from policy_core.deadlines import TransitionError

# Each step's route (and form) name, its body, and who may take it.
STEPS: dict[str, type[Step]] = {
    "warning": Step,
    "restrictions": Restrict,
    "appeals": Step,
    "appeal_decision": AppealDecision,
    "reviews": Review,
    "closure": Step,
}
# The lifecycle's name for each step (as in Deadlines.allowed_steps).
LIFECYCLE_NAMES = {
    "warning": "warn",
    "restrictions": "restrict",
    "appeals": "lodge_appeal",
    "appeal_decision": "decide_appeal",
    "reviews": "review",
    "closure": "close",
}
OFFICER_STEPS = frozenset({"appeals"})  # the rest need a manager


def new_case(body: NewCase, actor: str, today: dt.date) -> Case:
    return lifecycle.record_concern(
        body.id, body.customer_ref, actor, body.on or today, body.reason, body.officer
    )


def take(gateway: Gateway, case: Case, step: str, body: Step, actor: str, today: dt.date) -> Case:
    """The case after `step`; TransitionError (what is wrong, what is allowed) when the case
    cannot take it, InputError when a restriction given is not valid."""
    profile = gateway.profile
    on = body.on or today
    if isinstance(body, Restrict):
        imposed = restrictions(body.restrictions, on, "restrictions")
        return lifecycle.restrict(
            case, actor, on, body.reason, imposed, body.skip_warning_reason, profile=profile
        )
    if isinstance(body, AppealDecision):
        new = restrictions(body.restrictions, on, "restrictions") or None
        return lifecycle.decide_appeal(case, actor, on, body.outcome, body.reason, new)
    if isinstance(body, Review):
        return lifecycle.review(
            case,
            actor,
            on,
            body.reason,
            body.outcome,
            body.grounds,
            body.months,
            profile=profile,
        )
    if step == "warning":
        return lifecycle.warn(case, actor, on, body.reason)
    if step == "appeals":
        return lifecycle.lodge_appeal(case, actor, on, body.reason, profile=profile)
    if step == "closure":
        return lifecycle.close(case, actor, on, body.reason)
    raise TransitionError(f"unknown step {step!r}; steps: {', '.join(STEPS)}")


async def record(
    gateway: Gateway, case: Case, actor: str, at: dt.datetime
) -> letters.Letter | None:
    """Keeps the case after its latest step, the step in the audit trail, and its letter."""
    await gateway.store.put_case(case)
    event = case.events[-1]
    detail: dict[str, Any] = {
        "on": event.on.isoformat(),
        "reason": event.reason,
        "state": case.state.value,
    }
    await gateway.store.audit(
        AuditEntry(
            at=at,
            actor=actor,
            action=f"case.{event.step}",
            subject=f"case:{case.id}",
            detail=detail,
        )
    )
    return await letters.issue(gateway, case, at)
