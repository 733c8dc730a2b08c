"""A case: one customer's path through the policy, as data. The transitions that change it
live in policy_core.lifecycle; stores keep a case whole, as JSON."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field

from policy_core.models import Frozen, Officer, Restriction


class CaseState(StrEnum):
    concern_recorded = "concern_recorded"
    warned = "warned"
    restricted = "restricted"
    appeal_lodged = "appeal_lodged"
    closed = "closed"


class CaseEvent(Frozen):
    """One lifecycle step: who did it, when, and why."""

    step: str
    actor: str
    on: dt.date
    reason: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Case(Frozen):
    id: str = Field(min_length=1)
    customer_ref: str = Field(min_length=1)
    officer: Officer | None = None
    state: CaseState = CaseState.concern_recorded
    events: tuple[CaseEvent, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    warned_on: dt.date | None = None
    restricted_on: dt.date | None = None
    review_due_on: dt.date | None = None
    appeals: int = 0
    # The decision the customer may still appeal against (the restriction, or an extension at
    # review); None once an appeal has been decided or when there is nothing to appeal.
    appealable_since: dt.date | None = None
    appeal_lodged_on: dt.date | None = None
    closed_on: dt.date | None = None

    @property
    def appeal_open(self) -> bool:
        return self.state is CaseState.appeal_lodged

    @property
    def last_on(self) -> dt.date | None:
        """The date of the latest step, before which no new step may be dated."""
        return self.events[-1].on if self.events else None
