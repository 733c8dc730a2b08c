"""A real `serve` process with the Twilio channel, customers imported through the CLI, and a
stand-in for Twilio that signs every webhook with the twilio library's own validator."""

from __future__ import annotations

import datetime as dt
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.serve import GatewayServer

LONDON = ZoneInfo("Europe/London")
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
ACCOUNT = "AC" + "0" * 32
OUR_NUMBER = "+441332000100"  # the landlord's Twilio number
CONTACT_CENTRE = "+441332000000"
EMERGENCY_LINE = "+441332000999"
OFFICER_IN = "+441332000001"
OFFICER_OUT = "+441332000002"
SOLICITOR = "+442079460000"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def london_today() -> dt.date:
    return dt.datetime.now(LONDON).date()


def next_window_day() -> dt.date:
    """The one date the 'outside a window' officer can be called: next week."""
    return london_today() + dt.timedelta(days=8)


def customers() -> dict[str, Any]:
    today = london_today()

    def case(ref: str, restriction: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"K-{ref}",
            "customer_ref": ref,
            "officer": {"name": "Jo Officer", "email": "jo@landlord.example", "phone": OFFICER_IN},
            "warned_on": (today - dt.timedelta(days=60)).isoformat(),
            "restricted_on": (today - dt.timedelta(days=30)).isoformat(),
            "restrictions": [restriction],
        }

    def person(ref: str, phone: str, **more: Any) -> dict[str, Any]:
        return {"ref": ref, "name": f"Customer {ref}", "identities": [
            {"kind": "phone", "value": phone}], **more}  # fmt: skip

    solicitor = {
        "name": "Sam Solicitor",
        "role": "solicitor",
        "identities": [{"kind": "phone", "value": SOLICITOR}],
    }
    always = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in WEEKDAYS]
    later = [{"date": next_window_day().isoformat(), "start": "10:00", "end": "12:00"}]
    return {
        "customers": [
            person("C-LETTER", "07700 900101"),
            person("C-THIRD", "+44 7700 900102", representatives=[solicitor]),
            person("C-SPOC-IN", "447700900103"),
            person("C-SPOC-OUT", "07700900104"),
        ],
        "cases": [
            case("C-LETTER", {"kind": "letter_only"}),
            case("C-THIRD", {"kind": "phone_via_third_party"}),
            case("C-SPOC-IN", {"kind": "single_point_of_contact", "windows": always,
                               "officer": {"name": "Jo Officer", "phone": OFFICER_IN}}),
            case("C-SPOC-OUT", {"kind": "single_point_of_contact", "windows": later,
                                "officer": {"name": "Kim Officer", "phone": OFFICER_OUT}}),
        ],
    }  # fmt: skip


class Twilio:
    """Posts webhooks as Twilio does: form-encoded, signed with the account's Auth Token."""

    def __init__(self, server: GatewayServer) -> None:
        self.server = server
        self.validator = RequestValidator(AUTH_TOKEN)
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.sids = 0

    def sid(self, prefix: str) -> str:
        self.sids += 1
        return f"{prefix}{self.sids:032d}"

    def post(
        self, path: str, params: dict[str, str], signature: str | None = None
    ) -> httpx.Response:
        if signature is None:
            signature = self.validator.compute_signature(self.server.url + path, params)
        return self.http.post(path, data=params, headers={"X-Twilio-Signature": signature})

    def call(self, caller: str, sid: str | None = None) -> tuple[str, httpx.Response]:
        sid = sid or self.sid("CA")
        params = {"AccountSid": ACCOUNT, "CallSid": sid, "From": caller, "To": OUR_NUMBER,
                  "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
        return sid, self.post("/webhooks/twilio/voice", params)

    def press(self, sid: str, caller: str, digits: str) -> httpx.Response:
        params = {"AccountSid": ACCOUNT, "CallSid": sid, "From": caller, "To": OUR_NUMBER,
                  "Digits": digits, "CallStatus": "in-progress"}  # fmt: skip
        return self.post("/webhooks/twilio/voice/emergency", params)

    def text(self, sender: str, body: str, sid: str | None = None) -> tuple[str, httpx.Response]:
        sid = sid or self.sid("SM")
        params = {"AccountSid": ACCOUNT, "MessageSid": sid, "SmsSid": sid, "From": sender,
                  "To": OUR_NUMBER, "Body": body, "NumMedia": "0"}  # fmt: skip
        return sid, self.post("/webhooks/twilio/sms", params)


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    # Whole-day windows leave 23:59 out; wait for midnight rather than fail then.
    now = dt.datetime.now(LONDON)
    if now.hour == 23 and now.minute >= 58:
        time.sleep((59 - now.minute) * 60 + (60 - now.second) + 1)
    directory: Path = tmp_path_factory.mktemp("twilio")
    twilio = {"auth_token": AUTH_TOKEN, "forward_to": "01332 000000", "voice": "Polly.Amy"}
    gateway = GatewayServer(directory, extra={"twilio": twilio})
    data = directory / "customers.json"
    data.write_text(json.dumps(customers()), encoding="utf-8")
    with gateway:
        result = gateway.cli("import", str(data))
        assert result.returncode == 0, result.stderr
        yield gateway


@pytest.fixture(scope="package")
def twilio(server: GatewayServer) -> Iterator[Twilio]:
    stand_in = Twilio(server)
    yield stand_in
    stand_in.http.close()
