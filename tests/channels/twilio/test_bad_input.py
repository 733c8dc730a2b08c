"""Requests that are not Twilio's, or not whole: a 4xx with a short reason, nothing recorded,
and the gateway carries on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.channels.twilio.conftest import ACCOUNT, OUR_NUMBER, PUBLIC_URL, Twilio, twiml
from tests.fuzz import FUZZ, still_healthy
from tests.serve import GatewayServer

CALLER = "07700 900102"  # C-THIRD: refused on the phone, so every recorded call is held


def recorded(server: GatewayServer) -> int:
    with server.client("manager") as api:
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


PATHS = {
    "/webhooks/twilio/voice": ("From", "To", "CallSid"),
    "/webhooks/twilio/voice/emergency": ("From", "To", "CallSid", "Digits"),
    "/webhooks/twilio/sms": ("From", "To", "MessageSid", "Body"),
    "/webhooks/twilio/status": ("CallSid", "CallStatus"),
}


def whole() -> dict[str, str]:
    """Every field any of the webhooks needs, from a customer refused on the phone."""
    return {**call(), "Digits": "1", "MessageSid": "SM" + "7" * 32, "Body": "Hello",
            "CallStatus": "completed", "CallDuration": "60"}  # fmt: skip


@pytest.mark.usefixtures("unchanged")
class TestRefused:
    @pytest.mark.parametrize("path", PATHS)
    def test_a_wrong_signature(self, twilio: Twilio, path: str) -> None:
        other = twilio.validator.compute_signature(PUBLIC_URL + "/elsewhere", whole())
        response = twilio.post(path, whole(), signature=other)
        assert (response.status_code, response.text) == (403, "invalid X-Twilio-Signature")

    def test_a_signature_over_the_address_serve_listens_on(self, twilio: Twilio) -> None:
        """Twilio signs the public URL; the address behind the proxy does not count."""
        path = "/webhooks/twilio/voice"
        local = twilio.validator.compute_signature(twilio.server.url + path, call())
        assert twilio.post(path, call(), signature=local).status_code == 403

    def test_a_signature_with_another_auth_token(self, twilio: Twilio) -> None:
        path = "/webhooks/twilio/sms"
        other = RequestValidator("someone-elses-token").compute_signature(
            PUBLIC_URL + path, whole()
        )
        assert twilio.post(path, whole(), signature=other).status_code == 403

    def test_a_signature_over_other_values(self, twilio: Twilio) -> None:
        path = "/webhooks/twilio/voice"
        signature = twilio.validator.compute_signature(PUBLIC_URL + path, call())
        forged = {**call(), "From": "07700 900999"}
        assert twilio.post(path, forged, signature=signature).status_code == 403

    @pytest.mark.parametrize("path", PATHS)
    def test_no_signature(self, twilio: Twilio, path: str) -> None:
        response = twilio.http.post(path, data=whole())
        assert (response.status_code, response.text) == (403, "missing X-Twilio-Signature")

    @pytest.mark.parametrize(
        ("path", "missing"), [(path, name) for path, names in PATHS.items() for name in names]
    )
    def test_a_missing_field(self, twilio: Twilio, path: str, missing: str) -> None:
        params = {k: v for k, v in whole().items() if k != missing}
        response = twilio.post(path, params)
        assert (response.status_code, response.text) == (400, f"missing field: {missing}")

    @pytest.mark.parametrize("path", PATHS)
    def test_a_json_body(self, twilio: Twilio, path: str) -> None:
        body = json.dumps(whole()).encode()
        signature = twilio.validator.compute_signature(PUBLIC_URL + path, whole())
        response = twilio.http.post(
            path,
            content=body,
            headers={"Content-Type": "application/json", "X-Twilio-Signature": signature},
        )
        assert response.status_code == 415
        assert response.text == "expected application/x-www-form-urlencoded"

    @pytest.mark.parametrize("path", PATHS)
    def test_a_one_megabyte_body(self, twilio: Twilio, path: str) -> None:
        params = {**whole(), "Body": "x" * 1_048_576}
        response = twilio.post(path, params)
        # refused from its Content-Length by the gateway's webhook limit, before the route
        assert response.status_code == 413 and "body too large" in response.text.lower()

    def test_a_one_megabyte_body_sent_in_chunks(self, twilio: Twilio) -> None:
        """No Content-Length to go by: the gateway stops reading past its limit."""
        path = "/webhooks/twilio/sms"
        params = {**whole(), "Body": "x" * 1_048_576}
        signature = twilio.validator.compute_signature(PUBLIC_URL + path, params)
        data = urlencode(params).encode()

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(data), 65_536):
                yield data[i : i + 65_536]

        response = twilio.http.post(
            path,
            content=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": signature},
        )  # fmt: skip
        assert (response.status_code, response.text) == (413, "body too large")

    def test_a_body_that_is_not_utf8(self, twilio: Twilio) -> None:
        response = twilio.http.post(
            "/webhooks/twilio/voice",
            content=b"From=%FF%FE&To=1&CallSid=CA1",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": "x"},
        )  # fmt: skip
        assert (response.status_code, response.text) == (400, "unreadable form body")

    def test_a_get(self, twilio: Twilio) -> None:
        assert twilio.http.get("/webhooks/twilio/voice").status_code == 405

    def test_a_duration_that_is_not_a_number(self, twilio: Twilio) -> None:
        params = {**call(), "CallStatus": "completed", "CallDuration": "a while"}
        response = twilio.post("/webhooks/twilio/status", params)
        assert (response.status_code, response.text) == (
            400,
            "CallDuration must be a whole number of seconds",
        )


def test_a_good_request_after_bad_ones_is_recorded(twilio: Twilio, server: GatewayServer) -> None:
    before = recorded(server)
    sid = twilio.sid("CA")
    root = twiml(twilio.post("/webhooks/twilio/voice", call(sid)))
    assert [child.tag for child in root] == ["Say", "Gather", "Hangup"]
    assert recorded(server) == before + 1


def test_answers_and_refusals_carry_the_security_headers(twilio: Twilio) -> None:
    """A webhook's answer is not matched against the other routes first (gateway/http/app.py),
    but it still goes through the app's middleware: the same headers as any other response."""
    answered = twilio.post("/webhooks/twilio/voice", call(twilio.sid("CA")))
    refused = twilio.post("/webhooks/twilio/sms", whole(), signature="not-a-signature")
    wrong_method = twilio.http.get("/webhooks/twilio/sms")
    assert [r.status_code for r in (answered, refused, wrong_method)] == [200, 403, 405]
    for response in (answered, refused, wrong_method):
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert answered.headers["content-type"].startswith("application/xml")


form_values = st.text(max_size=30) | st.sampled_from(
    ["", "+441332000100", "07700 900999", "inf", "-1", "1e999", "CA" + "9" * 32, "completed", "#"]
)
forms = st.dictionaries(
    st.sampled_from(["From", "To", "CallSid", "MessageSid", "Body", "Digits", "CallStatus",
                     "CallDuration", "AccountSid", "NumMedia", "Direction"])
    | st.text(max_size=10),
    form_values, max_size=10,
)  # fmt: skip


@FUZZ
@given(path=st.sampled_from(sorted(PATHS)), params=forms, sign=st.booleans(), raw=st.booleans(),
       junk=st.binary(max_size=100))  # fmt: skip
def test_no_form_breaks_a_webhook(
    twilio: Twilio, path: str, params: dict[str, str], sign: bool, raw: bool, junk: bytes
) -> None:
    """Random forms (signed or not) and random bytes: a TwiML answer or a 4xx, never a 5xx."""
    signature = twilio.validator.compute_signature(PUBLIC_URL + path, params) if sign else "x"
    body = junk if raw else urlencode(params).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": signature}  # fmt: skip
    response = twilio.http.post(path, content=body, headers=headers)
    assert response.status_code < 500, response.text
    if not sign:
        assert response.status_code in (400, 403), response.text


def test_the_webhooks_are_healthy_after_the_fuzzing(server: GatewayServer) -> None:
    still_healthy(server)
