"""Requests that are not Twilio's, or not whole: a 4xx with a short reason, nothing recorded,
and the gateway carries on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.channels.twilio.conftest import ACCOUNT, OUR_NUMBER, Twilio, twiml
from tests.serve import GatewayServer

CALLER = "07700 900102"  # C-THIRD: refused on the phone, so every recorded call is held


def recorded(server: GatewayServer) -> int:
    with server.client("officer") as api:
        response = api.get("/api/v1/customers/C-THIRD/contacts")
        assert response.status_code == 200, response.text
        return len(response.json())


def call(sid: str = "CA" + "7" * 32) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": sid, "From": CALLER, "To": OUR_NUMBER}


@pytest.fixture
def unchanged(server: GatewayServer) -> Iterator[None]:
    before = recorded(server)
    yield
    assert recorded(server) == before, "a bad request recorded a contact"
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.usefixtures("unchanged")
class TestRefused:
    def test_a_wrong_signature(self, twilio: Twilio) -> None:
        other = twilio.validator.compute_signature(twilio.server.url + "/elsewhere", call())
        response = twilio.post("/webhooks/twilio/voice", call(), signature=other)
        assert (response.status_code, response.text) == (403, "invalid X-Twilio-Signature")

    def test_a_signature_over_other_values(self, twilio: Twilio) -> None:
        path = "/webhooks/twilio/voice"
        signature = twilio.validator.compute_signature(twilio.server.url + path, call())
        forged = {**call(), "From": "07700 900999"}
        assert twilio.post(path, forged, signature=signature).status_code == 403

    def test_no_signature(self, twilio: Twilio) -> None:
        response = twilio.http.post("/webhooks/twilio/sms", data=call())
        assert (response.status_code, response.text) == (403, "missing X-Twilio-Signature")

    @pytest.mark.parametrize("missing", ["From", "To", "CallSid"])
    def test_a_missing_field(self, twilio: Twilio, missing: str) -> None:
        params = {k: v for k, v in call().items() if k != missing}
        response = twilio.post("/webhooks/twilio/voice", params)
        assert (response.status_code, response.text) == (400, f"missing field: {missing}")

    def test_a_missing_message_body(self, twilio: Twilio) -> None:
        params = {"MessageSid": "SM" + "7" * 32, "From": CALLER, "To": OUR_NUMBER}
        assert twilio.post("/webhooks/twilio/sms", params).status_code == 400

    def test_a_json_body(self, twilio: Twilio) -> None:
        body = json.dumps(call()).encode()
        signature = twilio.validator.compute_signature(
            twilio.server.url + "/webhooks/twilio/voice", call()
        )
        response = twilio.http.post(
            "/webhooks/twilio/voice",
            content=body,
            headers={"Content-Type": "application/json", "X-Twilio-Signature": signature},
        )
        assert response.status_code == 415
        assert "x-www-form-urlencoded" in response.text

    def test_a_one_megabyte_body(self, twilio: Twilio) -> None:
        params = {**call(), "Body": "x" * 1_048_576}
        response = twilio.post("/webhooks/twilio/voice", params)
        assert (response.status_code, response.text) == (413, "body too large")

    def test_a_body_that_is_not_utf8(self, twilio: Twilio) -> None:
        response = twilio.http.post(
            "/webhooks/twilio/voice",
            content=b"From=%FF%FE&To=1&CallSid=CA1",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": "x"},
        )  # fmt: skip
        assert response.status_code == 400

    def test_a_get(self, twilio: Twilio) -> None:
        assert twilio.http.get("/webhooks/twilio/voice").status_code == 405

    def test_a_duration_that_is_not_a_number(self, twilio: Twilio) -> None:
        params = {**call(), "CallStatus": "completed", "CallDuration": "a while"}
        assert twilio.post("/webhooks/twilio/status", params).status_code == 400


def test_a_good_request_after_bad_ones_is_recorded(twilio: Twilio, server: GatewayServer) -> None:
    before = recorded(server)
    sid = twilio.sid("CA")
    root = twiml(twilio.post("/webhooks/twilio/voice", call(sid)))
    assert [child.tag for child in root] == ["Say", "Gather", "Hangup"]
    assert recorded(server) == before + 1
