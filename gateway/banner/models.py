"""The banner's data (`GET /api/v1/banner`, and the agents' pages): who someone is, what is
restricted and until when, what each channel does now, and the case behind it."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from gateway.store.base import StoredFlag
from policy_core.cases import CaseState
from policy_core.lifecycle import Deadlines
from policy_core.models import (
    Action,
    Adjustment,
    Channel,
    Customer,
    Frozen,
    Officer,
    Representative,
    Restriction,
    RuleHit,
)

LABELS = {
    "letter_only": "Letter only: no e-mail or telephone",
    "phone_via_third_party": "Telephone only through a third party",
    "single_point_of_contact": "Single point of contact",
    "appointment_only": "Visits by appointment only",
    "witness_required": "Personal contact only with a witness present",
    "social_media": "Social media",
}


class RestrictionNow(Frozen):
    """One restriction in force today."""

    kind: str
    label: str  # in plain words, with the officer, office or level
    starts_on: dt.date
    until: dt.date
    case_id: str
    restriction: Restriction


class ChannelNow(Frozen):
    """What the gateway would do right now with a contact on this channel."""

    channel: Channel
    action: Action
    allowed: bool  # delivered or redirected: the contact reaches someone
    destination: str | None = None
    reasons: tuple[RuleHit, ...] = ()


class CaseNow(Frozen):
    id: str
    state: CaseState
    officer: Officer | None = None
    restricted_on: dt.date | None = None
    deadlines: Deadlines


class Counts(Frozen):
    last_7_days: int = 0
    last_30_days: int = 0
    by_channel_7_days: dict[Channel, int] = Field(default_factory=dict)
    by_channel_30_days: dict[Channel, int] = Field(default_factory=dict)


class Banner(Frozen):
    at: dt.datetime
    address: str | None = None  # the identity key looked up, when one was
    customer: Customer | None = None
    representative: Representative | None = None  # the address is this representative's
    summary: str  # "no restrictions", or the restrictions' labels
    restrictions: tuple[RestrictionNow, ...] = ()
    channels: tuple[ChannelNow, ...] = ()
    representatives: tuple[Representative, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    appeal_open: bool = False
    cases: tuple[CaseNow, ...] = ()
    review_due_on: dt.date | None = None
    review_overdue: bool = False
    flags: tuple[StoredFlag, ...] = ()
    counts: Counts = Field(default_factory=Counts)

    @property
    def restricted(self) -> bool:
        return bool(self.restrictions)


def label(restriction: Restriction) -> str:
    text = LABELS[restriction.kind]
    if restriction.kind == "single_point_of_contact":
        windows = ", ".join(
            f"{w.weekday or w.date} {w.start:%H:%M}-{w.end:%H:%M}" for w in restriction.windows
        )
        text += f": {restriction.officer.name}" + (f" ({windows})" if windows else "")
    elif restriction.kind == "appointment_only":
        text += f" at {restriction.office}"
    elif restriction.kind == "social_media":
        text += f" {restriction.level}"
    return text
