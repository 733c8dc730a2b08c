"""Customers, contacts and restrictions for the policy-core tests, built directly."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from policy_core.identities import Identity
from policy_core.models import (
    Adjustment,
    Channel,
    Contact,
    ContactWindow,
    Customer,
    LetterOnly,
    Officer,
    PhoneViaThirdParty,
    Representative,
    RepresentativeRole,
    Restriction,
    SinglePointOfContact,
    Snapshot,
    SocialMedia,
)

LONDON = ZoneInfo("Europe/London")
# Tuesday 10 November 2026, 10:30 in London (GMT): inside the Tuesday 10:00-12:00 window.
INSIDE = dt.datetime(2026, 11, 10, 10, 30, tzinfo=LONDON)
OUTSIDE = dt.datetime(2026, 11, 10, 14, 0, tzinfo=LONDON)
STARTED = dt.date(2026, 3, 1)
ENDS = dt.date(2027, 2, 28)

TENANT_EMAIL = Identity.of("email", "tenant@example.org")
TENANT_PHONE = Identity.of("phone", "07700 900123")
TENANT_SLACK = Identity.of("slack", "T1/U1")
SOLICITOR = Representative(
    name="Ada Brief",
    role=RepresentativeRole.solicitor,
    identities=(Identity.of("phone", "07700 900456"), Identity.of("email", "ada@law.example")),
)
OFFICER = Officer(name="Sam Officer", email="sam.officer@landlord.example", phone="+441332000111")
TUESDAY_MORNING = ContactWindow(weekday="tue", start=dt.time(10), end=dt.time(12))

SENDER = {
    Channel.email: TENANT_EMAIL,
    Channel.phone: TENANT_PHONE,
    Channel.sms: TENANT_PHONE,
    Channel.social: TENANT_SLACK,
    Channel.letter: TENANT_EMAIL,
    Channel.visit: TENANT_PHONE,
}
DESTINATION = {
    Channel.email: "housing@landlord.example",
    Channel.phone: "+441332000100",
    Channel.sms: "+441332000100",
    Channel.social: "C-HOUSING",
    Channel.letter: None,
    Channel.visit: None,
}


def contact(channel: Channel, at: dt.datetime = INSIDE, **fields: Any) -> Contact:
    data: dict[str, Any] = {
        "channel": channel,
        "sender": SENDER[channel],
        "received_at": at,
        "destination": DESTINATION[channel],
        "text": "About my rent statement, please call me back.",
    }
    data.update(fields)
    return Contact(**data)


def customer(adjustments: tuple[Channel, ...] = ()) -> Customer:
    return Customer(
        ref="C-1001",
        name="Pat Tenant",
        identities=(TENANT_EMAIL, TENANT_PHONE, TENANT_SLACK),
        representatives=(SOLICITOR,),
        adjustments=tuple(Adjustment(channel=c) for c in adjustments),
    )


def snapshot(
    *restrictions: Restriction,
    adjustments: tuple[Channel, ...] = (),
    representative: Representative | None = None,
    appeal_open: bool = False,
) -> Snapshot:
    return Snapshot(
        customer=customer(adjustments),
        representative=representative,
        restrictions=restrictions,
        appeal_open=appeal_open,
    )


def letter_only(**fields: Any) -> LetterOnly:
    return LetterOnly(**{"id": "r-letter", "starts_on": STARTED, "ends_on": ENDS, **fields})


def phone_via_third_party(**fields: Any) -> PhoneViaThirdParty:
    return PhoneViaThirdParty(**{"id": "r-phone", "starts_on": STARTED, "ends_on": ENDS, **fields})


def spoc(**fields: Any) -> SinglePointOfContact:
    data: dict[str, Any] = {"officer": OFFICER, "windows": (TUESDAY_MORNING,)}
    data.update(fields)
    return SinglePointOfContact(id="r-spoc", starts_on=STARTED, ends_on=ENDS, **data)


def social(level: str = "restricted") -> SocialMedia:
    return SocialMedia.model_validate(
        {"id": f"r-social-{level}", "starts_on": STARTED, "ends_on": ENDS, "level": level}
    )
