"""A real `serve` process with the Twilio channel behind a public URL, its clock fixed at `NOW`
(a Monday, 10:30 in London), customers imported through the CLI, and a stand-in for Twilio
that signs every webhook with the twilio library's own validator."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.clock import TODAY
from tests.serve import GatewayServer

LONDON = ZoneInfo("Europe/London")
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
ACCOUNT = "AC" + "0" * 32
PUBLIC_URL = "https://gateway.landlord.example"  # what Twilio calls; a proxy forwards to `serve`
OUR_NUMBER = "+441332000100"  # the landlord's Twilio number
CONTACT_CENTRE = "+441332000000"
EMERGENCY_LINE = "+441332000999"
OFFICER_IN = "+441332000001"
OFFICER_OUT = "+441332000002"
OFFICER_PAST = "+441332000003"
SOLICITOR = "+442079460000"  # C-THIRD's solicitor
ADVOCATE = "+442079460111"  # C-SPOC-OUT's advocate


def fixed_now() -> dt.datetime:
    """The instant every call and text is taken to arrive at: the Monday after the suite's
    day, 10:30 in London."""
    today = TODAY
    monday = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(monday, dt.time(10, 30), tzinfo=LONDON)


NOW = fixed_now()
TUESDAY = NOW.date() + dt.timedelta(days=1)


def window(day: str, start: str, end: str) -> dict[str, str]:
    return {"weekday": day, "start": start, "end": end}


def customers() -> dict[str, Any]:
    """One customer for each kind of restriction, with windows around `NOW`:
    - C-SPOC-IN: Monday 10:00-12:00, so NOW is inside;
    - C-SPOC-OUT: Monday 09:00-10:30 (ended just as NOW began) and Tuesday 14:00-16:00;
    - C-SPOC-PAST: one dated window, last week: no window to come."""
    day = NOW.date()

    def case(ref: str, *restrictions: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"K-{ref}",
            "customer_ref": ref,
            "officer": {"name": "Jo Officer", "email": "jo@landlord.example", "phone": OFFICER_IN},
            "warned_on": (day - dt.timedelta(days=60)).isoformat(),
            "restricted_on": (day - dt.timedelta(days=30)).isoformat(),
            "restrictions": list(restrictions),
        }

    def person(ref: str, phone: str, *representatives: tuple[str, str]) -> dict[str, Any]:
        return {
            "ref": ref,
            "name": f"Customer {ref}",
            "identities": [{"kind": "phone", "value": phone}],
            "representatives": [
                {"name": name, "role": "solicitor" if name.startswith("Sam") else "advocate",
                 "identities": [{"kind": "phone", "value": number}]}
                for name, number in representatives
            ],
        }  # fmt: skip

    def spoc(name: str, phone: str, *windows: dict[str, str]) -> dict[str, Any]:
        officer = {"name": name, "phone": phone}
        return {"kind": "single_point_of_contact", "windows": list(windows), "officer": officer}

    last_week = {"date": (day - dt.timedelta(days=7)).isoformat(), "start": "10:00",
                 "end": "12:00"}  # fmt: skip
    return {
        "customers": [
            person("C-LETTER", "07700 900101"),
            person("C-THIRD", "+44 7700 900102", ("Sam Solicitor", SOLICITOR)),
            person("C-SPOC-IN", "447700900103"),
            person("C-SPOC-OUT", "07700900104", ("Alex Advocate", ADVOCATE)),
            person("C-SPOC-PAST", "07700 900105"),
            person("C-APPOINTMENT", "07700 900106"),
            person("C-WITNESS", "07700 900107"),
            person("C-SOCIAL", "07700 900108"),
            person("C-LETTER-SPOC", "07700 900109"),
            person("C-EMERGENCY", "07700 900110"),  # letter only; rings once, in an emergency
        ],
        "cases": [
            case("C-LETTER", {"kind": "letter_only"}),
            case("C-THIRD", {"kind": "phone_via_third_party"}),
            case("C-SPOC-IN", spoc("Jo Officer", OFFICER_IN, window("mon", "10:00", "12:00"))),
            case("C-SPOC-OUT", spoc("Kim Officer", OFFICER_OUT, window("mon", "09:00", "10:30"),
                                    window("tue", "14:00", "16:00"))),
            case("C-SPOC-PAST", spoc("Lee Officer", OFFICER_PAST, last_week)),
            case("C-APPOINTMENT", {"kind": "appointment_only", "office": "Council House"}),
            case("C-WITNESS", {"kind": "witness_required"}),
            case("C-SOCIAL", {"kind": "social_media", "level": "denied"}),
            case("C-LETTER-SPOC", {"kind": "letter_only"},
                 spoc("Jo Officer", OFFICER_IN, window("mon", "10:00", "12:00"))),
            case("C-EMERGENCY", {"kind": "letter_only"}),
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
            signature = self.validator.compute_signature(PUBLIC_URL + path, params)
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


def gateway_server(directory: Path, **more: Any) -> GatewayServer:
    """A `serve` configuration with the Twilio channel behind `PUBLIC_URL`."""
    twilio = {"auth_token": AUTH_TOKEN, "forward_to": "01332 000000", "voice": "Polly.Amy"}
    server = GatewayServer(directory, extra={"twilio": twilio}, **more)
    server.config["http"]["public_url"] = PUBLIC_URL
    server.write_config()
    return server


@contextlib.contextmanager
def serving(server: GatewayServer, directory: Path) -> Iterator[GatewayServer]:
    """Starts `server` with its clock fixed at `NOW`, and imports `customers()`."""
    data = directory / "customers.json"
    data.write_text(json.dumps(customers()), encoding="utf-8")
    server.config["clock"] = {"fixed": NOW.isoformat()}
    server.write_config()
    with server:
        result = server.cli("import", str(data))
        assert result.returncode == 0, result.stderr
        yield server


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    directory: Path = tmp_path_factory.mktemp("twilio")
    with serving(gateway_server(directory), directory) as running:
        yield running


@pytest.fixture(scope="package")
def twilio(server: GatewayServer) -> Iterator[Twilio]:
    stand_in = Twilio(server)
    yield stand_in
    stand_in.http.close()
