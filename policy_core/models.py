"""The policy's nouns as value objects: customers, representatives, restrictions, contacts,
decisions. Pure data; every model is immutable and validated on construction."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policy_core.identities import Identity


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(StrEnum):
    email = "email"
    phone = "phone"
    sms = "sms"
    social = "social"
    letter = "letter"
    visit = "visit"


class Action(StrEnum):
    """What the gateway does with one contact. Never a silent drop."""

    deliver = "deliver"
    redirect = "redirect"
    hold = "hold"
    refuse = "refuse"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]


_STRICTNESS = {Action.deliver: 0, Action.redirect: 1, Action.hold: 2, Action.refuse: 3}


class RepresentativeRole(StrEnum):
    solicitor = "solicitor"
    councillor = "councillor"
    advocate = "advocate"
    friend = "friend"
    family = "family"
    other = "other"


class Representative(Frozen):
    name: str
    role: RepresentativeRole = RepresentativeRole.other
    identities: tuple[Identity, ...] = ()


class Adjustment(Frozen):
    """An agreed reasonable adjustment: this channel is never switched off."""

    channel: Channel
    note: str = ""


class Customer(Frozen):
    ref: str = Field(min_length=1)
    name: str = ""
    identities: tuple[Identity, ...] = ()
    representatives: tuple[Representative, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    vulnerability_notes: tuple[str, ...] = ()


class Officer(Frozen):
    """The case officer, or the single point of contact."""

    name: str
    email: str | None = None
    phone: str | None = None
    slack_id: str | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ContactWindow(Frozen):
    """A time the customer may contact their single point of contact (Europe/London).
    Either a weekday that repeats, or one specific date."""

    weekday: Weekday | None = None
    date: dt.date | None = None
    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _one_of_weekday_or_date(self) -> ContactWindow:
        if (self.weekday is None) == (self.date is None):
            raise ValueError("a contact window has either a weekday or a date, not both")
        if self.end <= self.start:
            raise ValueError("a contact window must end after it starts")
        return self


def _default_end(data: Any) -> Any:
    if isinstance(data, dict) and data.get("ends_on") is None and data.get("starts_on"):
        start = data["starts_on"]
        if isinstance(start, str):
            start = dt.date.fromisoformat(start)
        data = {**data, "ends_on": add_months(start, 12)}
    return data


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (29 Feb -> 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class RestrictionBase(Frozen):
    id: str = ""
    case_id: str = ""
    starts_on: dt.date
    ends_on: dt.date
    service_areas: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _twelve_months_by_default(cls, data: Any) -> Any:
        return _default_end(data)

    def active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def covers(self, service_area: str | None) -> bool:
        return not self.service_areas or service_area is None or service_area in self.service_areas


class LetterOnly(RestrictionBase):
    kind: Literal["letter_only"] = "letter_only"


class PhoneViaThirdParty(RestrictionBase):
    kind: Literal["phone_via_third_party"] = "phone_via_third_party"


class SinglePointOfContact(RestrictionBase):
    kind: Literal["single_point_of_contact"] = "single_point_of_contact"
    officer: Officer
    windows: tuple[ContactWindow, ...] = ()


class AppointmentOnly(RestrictionBase):
    kind: Literal["appointment_only"] = "appointment_only"
    office: str


class WitnessRequired(RestrictionBase):
    kind: Literal["witness_required"] = "witness_required"


class SocialMedia(RestrictionBase):
    kind: Literal["social_media"] = "social_media"
    level: Literal["restricted", "denied"] = "restricted"


Restriction = Annotated[
    LetterOnly
    | PhoneViaThirdParty
    | SinglePointOfContact
    | AppointmentOnly
    | WitnessRequired
    | SocialMedia,
    Field(discriminator="kind"),
]
RESTRICTION_KINDS = (
    "letter_only",
    "phone_via_third_party",
    "single_point_of_contact",
    "appointment_only",
    "witness_required",
    "social_media",
)


class Contact(Frozen):
    """One inbound e-mail, call, SMS, social post, letter or visit, normalized for every channel.
    `raw` keeps the channel's own payload for evidence; it is never read by the rules.
    `authenticated`: whether the sender's address was proven (for e-mail: an aligned DKIM or
    SPF pass, as DMARC counts it); False when it was not (a forged From, or no signature);
    None when the channel cannot say."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    channel: Channel
    sender: Identity
    received_at: dt.datetime
    destination: str | None = None
    subject: str = ""
    text: str = ""
    external_id: str | None = None
    emergency_option: bool = False
    service_area: str | None = None
    authenticated: bool | None = None
    unreadable: str = ""  # why the channel could not read all of it: held for a person
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @model_validator(mode="after")
    def _aware(self) -> Contact:
        if self.received_at.tzinfo is None or self.received_at.utcoffset() is None:
            raise ValueError("received_at must be timezone-aware")
        return self


class Routes(Frozen):
    """The organisation's own ways in, which notices and emergency redirects use."""

    emergency_email: str | None = None
    emergency_phone: str | None = None
    postal_address: str | None = None
    appeal_address: str | None = None  # where an appeal is sent, when not the postal address


NO_ROUTES = Routes()


class Snapshot(Frozen):
    """What the gateway knows about the sender when a contact arrives: the customer the sender
    is (or acts for, when the sender is a representative) and that customer's restrictions."""

    customer: Customer | None = None
    representative: Representative | None = None
    restrictions: tuple[Restriction, ...] = ()
    appeal_open: bool = False
    review_due_on: dt.date | None = None


class Notice(Frozen):
    """What the refused sender is told: a template key plus the facts it needs. The gateway
    adds the organisation's own facts (postal address, emergency number) when rendering."""

    key: str
    facts: dict[str, Any] = Field(default_factory=dict)


class RuleHit(Frozen):
    """One rule that matched, in the order it was checked: the decision's reasons."""

    rule: str
    action: Action | None = None
    detail: str = ""
    restriction_id: str | None = None


class FlagKind(StrEnum):
    excessive_volume = "excessive_volume"
    scattergun = "scattergun"
    repeated_complaint = "repeated_complaint"
    abusive_language = "abusive_language"
    restriction_breach = "restriction_breach"
    emergency_override = "emergency_override"


class Flag(Frozen):
    """A prompt for a person to look: never a sanction."""

    kind: FlagKind
    detail: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class Decision(Frozen):
    action: Action
    destination: str | None = None
    notice: Notice | None = None
    reasons: tuple[RuleHit, ...] = ()
    flags: tuple[Flag, ...] = ()
    safety: bool = False


class RecentContacts(Frozen):
    """The counts and recent history that flags are computed from, supplied by the store.
    Every figure includes the contact being decided."""

    last_hour: int = 0
    last_day: int = 0
    last_week: int = 0
    channels_in_window: frozenset[Channel] = frozenset()
    earlier_texts: tuple[str, ...] = ()
