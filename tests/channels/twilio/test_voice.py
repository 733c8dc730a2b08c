"""Calls: delivered callers are put through to the contact centre, a single point of contact's
customer to the officer inside a window, and a refused caller hears the notice with an
emergency option that always reaches a person."""

from __future__ import annotations

import time

import pytest

from tests.channels.twilio.conftest import (
    CONTACT_CENTRE,
    EMERGENCY_LINE,
    OFFICER_IN,
    SOLICITOR,
    Twilio,
    next_window_day,
    twiml,
    verbs,
)
from tests.serve import GatewayServer


def dialled(twilio: Twilio, caller: str) -> str:
    root = twiml(twilio.call(caller)[1])
    assert verbs(root) == ["Dial"], verbs(root)
    return root[0].text or ""


def refused_notice(twilio: Twilio, caller: str) -> str:
    """Asserts the whole refusal, verb by verb, and returns the spoken notice."""
    root = twiml(twilio.call(caller)[1])
    assert verbs(root) == ["Say", "Gather", "Hangup"]
    say, gather, _ = root
    assert say.get("voice") == "Polly.Amy"
    assert say.get("language") == "en-GB"
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"{twilio.server.url}/webhooks/twilio/voice/emergency"
    assert gather.get("method") == "POST"
    (prompt,) = gather
    assert prompt.tag == "Say"
    assert "emergency" in (prompt.text or "") and "press 1" in (prompt.text or "")
    return say.text or ""


def test_an_unknown_caller_is_put_through_to_the_contact_centre(twilio: Twilio) -> None:
    assert dialled(twilio, "07700 900999") == CONTACT_CENTRE


def test_a_withheld_number_is_put_through_too(twilio: Twilio) -> None:
    assert dialled(twilio, "anonymous") == CONTACT_CENTRE
    assert dialled(twilio, "+266696687") == CONTACT_CENTRE


@pytest.mark.parametrize("caller", ["07700 900101", "+44 7700 900101", "447700900101"])
def test_a_letter_only_customer_hears_the_notice_in_any_number_format(
    twilio: Twilio, caller: str
) -> None:
    notice = refused_notice(twilio, caller)
    assert "restricted until" in notice
    assert "write to us at Test Homes, 1 High Street, Derby DE1 1AA" in notice
    assert "appeal" in notice


def test_phone_via_a_third_party_refuses_the_customer_and_puts_the_solicitor_through(
    twilio: Twilio,
) -> None:
    notice = refused_notice(twilio, "07700 900102")
    assert "representative can call us for you" in notice
    assert dialled(twilio, "020 7946 0000") == CONTACT_CENTRE
    assert dialled(twilio, SOLICITOR) == CONTACT_CENTRE


def test_inside_a_window_the_call_goes_to_the_single_point_of_contact(twilio: Twilio) -> None:
    assert dialled(twilio, "07700 900103") == OFFICER_IN


def test_outside_a_window_the_caller_hears_when_the_next_one_is(twilio: Twilio) -> None:
    day = next_window_day()
    notice = refused_notice(twilio, "+447700900104")
    assert f"{day:%A} {day.day} {day:%B %Y} at 10:00" in notice
    assert "Kim Officer" in notice


def test_pressing_1_puts_a_restricted_caller_through_to_the_emergency_line_and_flags_it(
    twilio: Twilio, server: GatewayServer
) -> None:
    caller = "07700 900101"
    sid, first = twilio.call(caller)
    assert verbs(twiml(first)) == ["Say", "Gather", "Hangup"]
    root = twiml(twilio.press(sid, caller, "1"))
    assert verbs(root) == ["Dial"]
    assert root[0].text == EMERGENCY_LINE
    with server.client("agent") as api:
        deadline = time.monotonic() + 10
        while True:
            banner = api.get("/api/v1/banner", params={"customer": "C-LETTER"})
            assert banner.status_code == 200, banner.text
            kinds = [flag["kind"] for flag in banner.json()["flags"]]
            if "emergency_override" in kinds or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert "emergency_override" in kinds


def test_an_unknown_caller_pressing_1_is_put_through_to_the_emergency_line(
    twilio: Twilio,
) -> None:
    root = twiml(twilio.press(twilio.sid("CA"), "07700 900998", "1"))
    assert verbs(root) == ["Dial"]
    assert root[0].text == EMERGENCY_LINE


def test_another_key_offers_the_emergency_option_again(twilio: Twilio) -> None:
    root = twiml(twilio.press(twilio.sid("CA"), "07700 900101", "2"))
    assert verbs(root) == ["Gather", "Hangup"]
    assert root[0].get("numDigits") == "1"


def contacts(server: GatewayServer, ref: str) -> list[dict[str, object]]:
    with server.client("officer") as api:
        response = api.get(f"/api/v1/customers/{ref}/contacts")
        assert response.status_code == 200, response.text
        listed: list[dict[str, object]] = response.json()
        return listed


def test_a_retried_call_is_one_contact_with_the_same_answer(
    twilio: Twilio, server: GatewayServer
) -> None:
    before = len(contacts(server, "C-SPOC-OUT"))
    sid, first = twilio.call("07700 900104")
    _, again = twilio.call("07700 900104", sid=sid)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(contacts(server, "C-SPOC-OUT")) == before + 1


def test_a_completed_call_keeps_its_duration_for_the_review(
    twilio: Twilio, server: GatewayServer
) -> None:
    sid, response = twilio.call("07700 900103")
    assert verbs(twiml(response)) == ["Dial"]
    status = {"AccountSid": "AC" + "0" * 32, "CallSid": sid, "CallStatus": "completed",
              "CallDuration": "187", "From": "+447700900103", "To": "+441332000100"}  # fmt: skip
    assert twilio.post("/webhooks/twilio/status", status).status_code == 204
    durations = [c.get("duration_seconds") for c in contacts(server, "C-SPOC-IN")]
    assert 187 in durations
    ringing = {**status, "CallStatus": "ringing", "CallDuration": ""}
    assert twilio.post("/webhooks/twilio/status", ringing).status_code == 204
