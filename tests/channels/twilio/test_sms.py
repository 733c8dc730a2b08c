"""Texts: forwarded to the contact centre (or the single point of contact) with the sender's
number, answered with the notice when refused, at most once a day, the same answer on retry."""

from __future__ import annotations

import pytest

from tests.channels.twilio.conftest import (
    ADVOCATE,
    CONTACT_CENTRE,
    OFFICER_IN,
    OFFICER_OUT,
    Twilio,
    twiml,
    verbs,
)
from tests.serve import GatewayServer


def forwarded(twilio: Twilio, sender: str, body: str) -> tuple[str | None, str]:
    root = twiml(twilio.text(sender, body)[1])
    assert verbs(root) == ["Message"]
    return root[0].get("to"), root[0].text or ""


def test_a_text_from_an_unrestricted_sender_is_forwarded_with_their_number(
    twilio: Twilio,
) -> None:
    to, body = forwarded(twilio, "07700 900999", "Can I book a repair? <kitchen> & bathroom")
    assert to == CONTACT_CENTRE
    assert body == "From +447700900999: Can I book a repair? <kitchen> & bathroom"


def test_a_single_point_of_contact_gets_the_customers_texts(twilio: Twilio) -> None:
    to, body = forwarded(twilio, "+44 7700 900103", "When can we talk?")
    assert (to, body) == (OFFICER_IN, "From +447700900103: When can we talk?")


def test_outside_a_call_window_texts_still_go_to_the_single_point_of_contact(
    twilio: Twilio,
) -> None:
    to, body = forwarded(twilio, "07700 900104", "Call me back please")
    assert (to, body) == (OFFICER_OUT, "From +447700900104: Call me back please")


def test_a_representatives_text_is_forwarded(twilio: Twilio) -> None:
    to, body = forwarded(twilio, "020 7946 0000", "Writing for my client")
    assert (to, body) == (CONTACT_CENTRE, "From +442079460000: Writing for my client")


def test_a_representative_of_a_single_point_of_contact_customer_reaches_the_officer(
    twilio: Twilio,
) -> None:
    to, body = forwarded(twilio, ADVOCATE, "On behalf of my client")
    assert (to, body) == (OFFICER_OUT, "From +442079460111: On behalf of my client")


@pytest.mark.parametrize(
    "sender",
    ["07700 900102", "07700 900106", "07700 900107", "07700 900108"],
    ids=["phone via third party", "appointment only", "witness required", "social media"],
)
def test_restrictions_that_do_not_touch_texts_let_them_through(twilio: Twilio, sender: str) -> None:
    to, body = forwarded(twilio, sender, "About my rent")
    assert to == CONTACT_CENTRE
    assert body == f"From +44{sender[1:].replace(' ', '')}: About my rent"


def held(server: GatewayServer, ref: str) -> int:
    with server.client("manager") as api:
        response = api.get("/api/v1/held", params={"customer": ref})
        assert response.status_code == 200, response.text
        return len(response.json())


def test_a_refused_sender_gets_one_notice_a_day_and_every_text_is_kept(
    twilio: Twilio, server: GatewayServer
) -> None:
    before = held(server, "C-LETTER")
    first_sid, first = twilio.text("07700 900101", "Why have you not replied")
    root = twiml(first)
    assert verbs(root) == ["Message"]
    notice = root[0]
    assert notice.get("to") is None, "the notice is a reply to the sender"
    text = notice.text or ""
    assert "restricted until" in text and "Test Homes, 1 High Street" in text
    assert "+441332000999" in text
    assert len(text) <= 306

    second_sid, second = twilio.text("447700900101", "I am still waiting")
    assert verbs(twiml(second)) == []
    assert held(server, "C-LETTER") == before + 2

    # Twilio retries: each text keeps the answer it first had, and is still one contact.
    assert twilio.text("07700 900101", "Why have you not replied", sid=first_sid)[1].content == (
        first.content
    )
    assert twilio.text("447700900101", "I am still waiting", sid=second_sid)[1].content == (
        second.content
    )
    assert held(server, "C-LETTER") == before + 2


def test_letter_only_beats_a_single_point_of_contact_for_texts(twilio: Twilio) -> None:
    root = twiml(twilio.text("07700 900109", "Hello Jo")[1])
    assert verbs(root) == ["Message"]
    assert root[0].get("to") is None
    assert "Please write to Test Homes, 1 High Street" in (root[0].text or "")


def test_an_emergency_text_from_a_restricted_sender_goes_to_the_emergency_line(
    twilio: Twilio,
) -> None:
    to, body = forwarded(twilio, "07700 900101", "There is a gas leak in my flat")
    assert to == "+441332000999"
    assert body == "From +447700900101: There is a gas leak in my flat"
