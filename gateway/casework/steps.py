"""What the case routes take and give: a new case, each lifecycle step's body, and a case
with its deadlines and next steps."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from gateway.inputs import RestrictionIn, Strict
from policy_core.cases import Case
from policy_core.lifecycle import AppealOutcome, Deadlines, ReviewOutcome
from policy_core.models import Officer

Reason = Annotated[str, Field(min_length=1, pattern=r"\S", description="why, in plain words")]


class CaseView(Case):
    """A case with its deadlines (working days in the profile's region) and next steps."""

    deadlines: Deadlines
    allowed_steps: tuple[str, ...] = ()


class NewCase(Strict):
    id: str = Field(min_length=1, examples=["K-1001"])
    customer_ref: str = Field(min_length=1, examples=["C-1001"])
    officer: Officer | None = None
    reason: Reason
    on: dt.date | None = Field(default=None, description="default: today")


class Step(Strict):
    on: dt.date | None = Field(default=None, description="default: today")
    reason: Reason


class Restrict(Step):
    restrictions: list[RestrictionIn] = Field(min_length=1)
    skip_warning_reason: str | None = Field(
        default=None, description="restricting without a warning, in an extreme case: why"
    )


class AppealDecision(Step):
    outcome: AppealOutcome
    restrictions: list[RestrictionIn] = Field(default_factory=list, description="when varied")


class Review(Step):
    outcome: ReviewOutcome = ReviewOutcome.lifted
    grounds: str = Field(default="", description="needed to extend")
    months: int | None = Field(default=None, ge=1, description="default: the profile's period")
