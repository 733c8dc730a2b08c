"""Calls: delivered callers are put through to the contact centre, a single point of contact's
customer to the officer inside a window, and a refused caller hears the notice with an
emergency option that always reaches a person. Every call arrives at the fixed `NOW`."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

import pytest

from tests.channels.twilio.conftest import (
    ADVOCATE,
    CONTACT_CENTRE,
    EMERGENCY_LINE,
    NOW,
    OFFICER_IN,
    OFFICER_OUT,
    PUBLIC_URL,
    SOLICITOR,
    TUESDAY,
    Twilio,
    twiml,
    verbs,
)
from tests.serve import GatewayServer


def dialled(twilio: Twilio, caller: str) -> str:
    root = twiml(twilio.call(caller)[1])
    assert verbs(root) == ["Dial"], verbs(root)
    (dial,) = root
    assert list(dial) == [], "a number to dial, nothing else"
    return dial.text or ""


def refused_notice(twilio: Twilio, caller: str) -> str:
    """Asserts the whole refusal, verb by verb, and returns the spoken notice."""
    root = twiml(twilio.call(caller)[1])
    assert verbs(root) == ["Say", "Gather", "Hangup"]
    say, gather, hangup = root
    assert say.get("voice") == "Polly.Amy"
    assert say.get("language") == "en-GB"
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC_URL}/webhooks/twilio/voice/emergency"
    assert gather.get("method") == "POST"
    (prompt,) = gather
    assert prompt.tag == "Say"
    assert prompt.get("voice") == "Polly.Amy" and prompt.get("language") == "en-GB"
    assert "emergency" in (prompt.text or "") and "press 1" in (prompt.text or "")
    assert list(hangup) == [] and not (hangup.text or "").strip()
    notice = say.text or ""
    assert "restricted until" in notice and "appeal" in notice
    return notice


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
    assert "write to us at Test Homes, 1 High Street, Derby DE1 1AA" in notice


def test_phone_via_a_third_party_refuses_the_customer_and_puts_the_solicitor_through(
    twilio: Twilio,
) -> None:
    for number in ("07700 900102", "+447700900102"):
        assert "representative can call us for you" in refused_notice(twilio, number)
    assert dialled(twilio, "020 7946 0000") == CONTACT_CENTRE
    assert dialled(twilio, SOLICITOR) == CONTACT_CENTRE


@pytest.mark.parametrize("ref_number", ["07700 900106", "07700 900107", "07700 900108"])
def test_restrictions_that_do_not_touch_the_phone_let_the_call_through(
    twilio: Twilio, ref_number: str
) -> None:
    """Appointment only, witness required, social media denied: banners, not refusals."""
    assert dialled(twilio, ref_number) == CONTACT_CENTRE


def test_inside_a_window_the_call_goes_to_the_single_point_of_contact(
    twilio: Twilio, server: GatewayServer
) -> None:
    before = actions(server, "C-SPOC-IN")
    assert dialled(twilio, "07700 900103") == OFFICER_IN
    assert actions(server, "C-SPOC-IN") - before == Counter(redirect=1)
    arrived = {dt.datetime.fromisoformat(c["received_at"]) for c in contacts(server, "C-SPOC-IN")}
    assert arrived == {NOW}, "every call is taken to arrive at the fixed time"


def test_just_after_a_window_the_caller_hears_when_the_next_one_is(twilio: Twilio) -> None:
    """C-SPOC-OUT's Monday window ended at 10:30, as the call came in: Tuesday's is next."""
    notice = refused_notice(twilio, "+447700900104")
    assert f"at the next agreed time, {TUESDAY:%A} {TUESDAY.day} {TUESDAY:%B %Y} at 14:00" in (
        notice
    )
    assert "Kim Officer" in notice


def test_with_no_window_to_come_the_notice_gives_no_time(twilio: Twilio) -> None:
    notice = refused_notice(twilio, "07700 900105")
    assert "Please call again to speak to Lee Officer." in notice
    assert "next agreed time" not in notice


def test_a_representative_goes_to_the_officer_even_outside_a_window(twilio: Twilio) -> None:
    assert dialled(twilio, ADVOCATE) == OFFICER_OUT
    assert dialled(twilio, "020 7946 0111") == OFFICER_OUT


def test_letter_only_beats_a_single_point_of_contact_inside_its_window(twilio: Twilio) -> None:
    notice = refused_notice(twilio, "07700 900109")
    assert "write to us at Test Homes" in notice


def flags(server: GatewayServer, ref: str) -> list[str]:
    with server.client("agent") as api:
        banner = api.get("/api/v1/banner", params={"customer": ref})
        assert banner.status_code == 200, banner.text
        return [flag["kind"] for flag in banner.json()["flags"]]


def test_pressing_1_puts_a_restricted_caller_through_to_the_emergency_line_and_flags_it(
    twilio: Twilio, server: GatewayServer
) -> None:
    caller = "07700 900110"
    assert "emergency_override" not in flags(server, "C-EMERGENCY")
    before = actions(server, "C-EMERGENCY")
    sid, first = twilio.call(caller)
    assert verbs(twiml(first)) == ["Say", "Gather", "Hangup"]
    pressed = twilio.press(sid, caller, "1")
    root = twiml(pressed)
    assert verbs(root) == ["Dial"]
    assert root[0].text == EMERGENCY_LINE
    deadline = time.monotonic() + 10
    while "emergency_override" not in flags(server, "C-EMERGENCY") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "emergency_override" in flags(server, "C-EMERGENCY")
    # Twilio retries the key press: the same line, and no third contact for the call.
    assert twilio.press(sid, caller, "1").content == pressed.content
    assert actions(server, "C-EMERGENCY") - before == Counter(refuse=1, redirect=1)


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
    assert root[0].get("action") == f"{PUBLIC_URL}/webhooks/twilio/voice/emergency"


def contacts(server: GatewayServer, ref: str) -> list[dict[str, Any]]:
    with server.client("manager") as api:
        response = api.get(f"/api/v1/customers/{ref}/contacts")
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()
        return listed


def actions(server: GatewayServer, ref: str) -> Counter[str]:
    return Counter(c["decision"]["action"] for c in contacts(server, ref))


@pytest.mark.parametrize(
    ("ref", "caller"), [("C-SPOC-OUT", "07700 900104"), ("C-SPOC-IN", "07700 900103")]
)
def test_a_retried_call_is_one_contact_with_the_same_answer(
    twilio: Twilio, server: GatewayServer, ref: str, caller: str
) -> None:
    before = len(contacts(server, ref))
    sid, first = twilio.call(caller)
    _, again = twilio.call(caller, sid=sid)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(contacts(server, ref)) == before + 1


def test_a_completed_call_keeps_its_duration_for_the_review(
    twilio: Twilio, server: GatewayServer
) -> None:
    sid, response = twilio.call("07700 900103")
    assert verbs(twiml(response)) == ["Dial"]
    status = {"AccountSid": "AC" + "0" * 32, "CallSid": sid, "CallStatus": "completed",
              "CallDuration": "187", "From": "+447700900103", "To": "+441332000100"}  # fmt: skip
    ringing = {**status, "CallStatus": "ringing", "CallDuration": ""}
    unknown = durations(server)[None]
    assert twilio.post("/webhooks/twilio/status", ringing).status_code == 204
    assert durations(server)[None] == unknown, "only a completed call has a duration"
    assert twilio.post("/webhooks/twilio/status", status).status_code == 204
    assert twilio.post("/webhooks/twilio/status", status).status_code == 204  # a retry
    after = durations(server)
    assert (after[None], after[187]) == (unknown - 1, 1)
    other = {**status, "CallSid": twilio.sid("CA")}  # a call the gateway never saw
    assert twilio.post("/webhooks/twilio/status", other).status_code == 204
    assert durations(server) == after


def durations(server: GatewayServer) -> Counter[int | None]:
    return Counter(c["duration_seconds"] for c in contacts(server, "C-SPOC-IN"))
