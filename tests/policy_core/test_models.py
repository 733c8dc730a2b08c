"""The domain's nouns: identities written any way match once normalized, restrictions run for
12 months unless told otherwise, and malformed input is refused with a clear message."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter

from policy_core.identities import Identity
from policy_core.models import (
    RESTRICTION_KINDS,
    Action,
    Contact,
    ContactWindow,
    LetterOnly,
    Restriction,
)

D = dt.date


@pytest.mark.parametrize(
    ("kind", "written", "region", "key"),
    [
        ("email", "  <Pat.Tenant@Example.ORG> ", "GB", "email:pat.tenant@example.org"),
        ("email", "pat@Bücher.example.", "GB", "email:pat@xn--bcher-kva.example"),
        ("phone", "07700 900123", "GB", "phone:+447700900123"),
        ("phone", "+44 (0)7700 900123", "GB", "phone:+447700900123"),
        ("phone", "447700900123", "GB", "phone:+447700900123"),
        ("phone", "01332 888000", "GB", "phone:+441332888000"),
        ("phone", "(202) 555-0143", "US", "phone:+12025550143"),
        ("slack", "t01abc/u02def", "GB", "slack:T01ABC/U02DEF"),
        ("slack", "slack:T01ABC/U02DEF", "GB", "slack:T01ABC/U02DEF"),
    ],
)
def test_every_way_of_writing_an_address_gives_one_key(
    kind: str, written: str, region: str, key: str
) -> None:
    assert Identity.of(kind, written, region).key == key


def test_an_identity_is_read_from_its_key_and_guessed_from_what_an_agent_types() -> None:
    assert Identity.model_validate("slack:T1/U1") == Identity.of("slack", "T1/U1")
    assert Identity.guess("Pat@Example.org").key == "email:pat@example.org"
    assert Identity.guess("07700 900123").key == "phone:+447700900123"
    assert Identity.guess("phone:07700900123").key == "phone:+447700900123"


@pytest.mark.parametrize(
    ("kind", "written", "message"),
    [
        ("email", "no-at-sign", "not an e-mail address"),
        ("email", "pat tenant@example.org", "not an e-mail address"),
        ("phone", "12", "not a possible phone number"),
        ("phone", "call me", "not a phone number"),
        ("slack", "U02DEF", "not a Slack identity"),
    ],
)
def test_an_unreadable_address_is_refused_with_the_reason(
    kind: str, written: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Identity.of(kind, written)


RESTRICTION = TypeAdapter(Restriction)
EXTRA = {
    "single_point_of_contact": {"officer": {"name": "Sam Officer"}},
    "appointment_only": {"office": "Council House"},
}


@pytest.mark.parametrize("kind", RESTRICTION_KINDS)
def test_each_kind_is_read_by_its_exact_name_and_lasts_12_months(kind: str) -> None:
    restriction = RESTRICTION.validate_python(
        {"kind": kind, "starts_on": "2026-03-26", **EXTRA.get(kind, {})}
    )
    assert restriction.kind == kind
    assert restriction.ends_on == D(2027, 3, 26)
    assert restriction.active_on(D(2027, 3, 26)) and not restriction.active_on(D(2027, 3, 27))


def test_a_restriction_from_29_february_ends_on_28_february() -> None:
    assert LetterOnly(starts_on=D(2028, 2, 29)).ends_on == D(2029, 2, 28)
    assert LetterOnly(starts_on=D(2026, 1, 5), ends_on=D(2026, 7, 5)).ends_on == D(2026, 7, 5)


def test_an_unknown_restriction_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="letter_only"):
        RESTRICTION.validate_python({"kind": "email_only", "starts_on": "2026-03-26"})


def test_a_contact_window_is_a_weekday_or_a_date_and_ends_after_it_starts() -> None:
    ten, noon = dt.time(10), dt.time(12)
    assert ContactWindow(weekday="tue", start=ten, end=noon).weekday == "tue"
    assert ContactWindow(date=D(2026, 12, 3), start=ten, end=noon).date == D(2026, 12, 3)
    with pytest.raises(ValueError, match="either a weekday or a date"):
        ContactWindow(weekday="tue", date=D(2026, 12, 3), start=ten, end=noon)
    with pytest.raises(ValueError, match="either a weekday or a date"):
        ContactWindow(start=ten, end=noon)
    with pytest.raises(ValueError, match="end after it starts"):
        ContactWindow(weekday="tue", start=noon, end=ten)


def test_a_contact_needs_a_timezone_aware_time() -> None:
    data = {"channel": "sms", "sender": "phone:07700900123", "text": "hello"}
    aware = Contact.model_validate({**data, "received_at": "2026-11-10T10:30:00+00:00"})
    assert aware.sender.key == "phone:+447700900123"
    with pytest.raises(ValueError, match="timezone-aware"):
        Contact.model_validate({**data, "received_at": "2026-11-10T10:30:00"})


def test_actions_are_ordered_from_least_to_most_strict() -> None:
    assert [a.value for a in sorted(Action, key=lambda a: a.strictness)] == [
        "deliver",
        "redirect",
        "hold",
        "refuse",
    ]
