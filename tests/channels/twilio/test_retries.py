"""Twilio retries a webhook it thinks timed out, and the retry may arrive while the first
request is still being answered. However the retries overlap, the same CallSid or MessageSid
is one contact and gets one answer, byte for byte."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.twilio.common import Answer
from channels.twilio.common import twiml as twiml_answer
from channels.twilio.webhooks import Webhooks
from tests.channels.twilio.conftest import (
    ACCOUNT,
    EMERGENCY_LINE,
    OFFICER_IN,
    OUR_NUMBER,
    PUBLIC_URL,
    Twilio,
    gateway_server,
    serving,
    twiml,
    verbs,
)
from tests.serve import GatewayServer

OVERLAPPING = 12  # copies of each request, all sent at once


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GatewayServer, Twilio]]:
    """A server of its own: no text from these senders yet today, so the first one refused
    gets the day's notice, and a double decision would show as a notice and a silence."""
    directory: Path = tmp_path_factory.mktemp("twilio-retries")
    with serving(gateway_server(directory), directory) as running:
        stand_in = Twilio(running)
        yield running, stand_in
        stand_in.http.close()


def at_once(twilio: Twilio, path: str, params: dict[str, str]) -> list[httpx.Response]:
    """`OVERLAPPING` copies of one signed request, each on its own connection, all in flight
    together."""
    signature = twilio.validator.compute_signature(PUBLIC_URL + path, params)
    headers = {"X-Twilio-Signature": signature}

    async def send_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=OVERLAPPING)
        async with httpx.AsyncClient(
            base_url=twilio.server.url, timeout=20, limits=limits
        ) as client:
            return list(
                await asyncio.gather(
                    *(client.post(path, data=params, headers=headers) for _ in range(OVERLAPPING))
                )
            )

    return asyncio.run(send_all())


def one_answer(responses: list[httpx.Response]) -> ET.Element:
    assert [r.status_code for r in responses] == [200] * OVERLAPPING
    assert len({r.content for r in responses}) == 1, {r.content for r in responses}
    return twiml(responses[0])


def contacts(server: GatewayServer, ref: str) -> list[dict[str, Any]]:
    with server.client("manager") as api:
        response = api.get(f"/api/v1/customers/{ref}/contacts")
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()
        return listed


def held(server: GatewayServer, ref: str) -> int:
    with server.client("manager") as api:
        response = api.get("/api/v1/held", params={"customer": ref})
        assert response.status_code == 200, response.text
        return len(response.json())


def test_overlapping_retries_of_a_refused_text_are_one_contact_with_one_notice(
    fresh: tuple[GatewayServer, Twilio],
) -> None:
    server, twilio = fresh
    sid = twilio.sid("SM")
    params = {"AccountSid": ACCOUNT, "MessageSid": sid, "SmsSid": sid, "From": "07700 900101",
              "To": OUR_NUMBER, "Body": "Why have you not replied", "NumMedia": "0"}  # fmt: skip
    responses = at_once(twilio, "/webhooks/twilio/sms", params)
    root = one_answer(responses)
    assert verbs(root) == ["Message"], "the day's first refused text gets the notice"
    assert root[0].get("to") is None and "restricted until" in (root[0].text or "")
    assert len(contacts(server, "C-LETTER")) == 1
    assert held(server, "C-LETTER") == 1

    # A retry after the first was answered is found in the store: the same answer again.
    assert twilio.post("/webhooks/twilio/sms", params).content == responses[0].content
    assert len(contacts(server, "C-LETTER")) == 1


def test_overlapping_retries_of_a_forwarded_text_are_one_contact(
    fresh: tuple[GatewayServer, Twilio],
) -> None:
    server, twilio = fresh
    sid = twilio.sid("SM")
    params = {"AccountSid": ACCOUNT, "MessageSid": sid, "SmsSid": sid, "From": "447700900103",
              "To": OUR_NUMBER, "Body": "Please call me back", "NumMedia": "0"}  # fmt: skip
    root = one_answer(at_once(twilio, "/webhooks/twilio/sms", params))
    assert verbs(root) == ["Message"] and root[0].get("to") == OFFICER_IN
    assert len(contacts(server, "C-SPOC-IN")) == 1


@pytest.mark.parametrize(
    ("ref", "caller", "answer"),
    [("C-SPOC-IN", "07700 900103", ["Dial"]), ("C-WITNESS", "07700 900107", ["Dial"]),
     ("C-LETTER-SPOC", "07700 900109", ["Say", "Gather", "Hangup"])],
)  # fmt: skip
def test_overlapping_retries_of_a_call_are_one_contact_with_one_answer(
    fresh: tuple[GatewayServer, Twilio], ref: str, caller: str, answer: list[str]
) -> None:
    server, twilio = fresh
    before = len(contacts(server, ref))
    params = {"AccountSid": ACCOUNT, "CallSid": twilio.sid("CA"), "From": caller,
              "To": OUR_NUMBER, "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    root = one_answer(at_once(twilio, "/webhooks/twilio/voice", params))
    assert verbs(root) == answer
    assert len(contacts(server, ref)) == before + 1


def test_overlapping_retries_of_the_emergency_key_are_one_contact(
    fresh: tuple[GatewayServer, Twilio],
) -> None:
    server, twilio = fresh
    caller = "07700 900110"
    sid, call = twilio.call(caller)
    assert verbs(twiml(call)) == ["Say", "Gather", "Hangup"]
    params = {"AccountSid": ACCOUNT, "CallSid": sid, "From": caller, "To": OUR_NUMBER,
              "Digits": "1", "CallStatus": "in-progress"}  # fmt: skip
    root = one_answer(at_once(twilio, "/webhooks/twilio/voice/emergency", params))
    assert verbs(root) == ["Dial"] and root[0].text == EMERGENCY_LINE
    assert len(contacts(server, "C-EMERGENCY")) == 2, "the call and its emergency option"


class TestInFlight:
    """`Webhooks.once`, the in-process part: one answer for requests that overlap."""

    def test_overlapping_requests_run_the_handler_once(self) -> None:
        runs: list[str] = []

        async def handler(form: dict[str, str]) -> Answer:
            runs.append(form["MessageSid"])
            run = len(runs)
            await asyncio.sleep(0.05)
            return twiml_answer(f"<Response>{run}</Response>")

        async def main() -> list[Answer]:
            webhooks = Webhooks("token", PUBLIC_URL)
            form = {"MessageSid": "SM1"}
            answers = await asyncio.gather(
                *(webhooks.once(("sms", "SM1"), handler, form) for _ in range(5)),
                webhooks.once(("sms", "SM2"), handler, {"MessageSid": "SM2"}),
            )
            assert webhooks.in_flight == {}
            # once answered, a later request runs again (the store then finds the contact)
            answers.append(await webhooks.once(("sms", "SM1"), handler, form))
            return answers

        answers = asyncio.run(main())
        assert runs == ["SM1", "SM2", "SM1"]
        assert len({a.body for a in answers[:5]}) == 1
        assert [a.body for a in answers[4:]] == [b"<Response>1</Response>",
                                                 b"<Response>2</Response>",
                                                 b"<Response>3</Response>"]  # fmt: skip

    def test_a_retry_answers_itself_when_the_first_is_cancelled(self) -> None:
        started = 0

        async def handler(form: dict[str, str]) -> Answer:
            nonlocal started
            started += 1
            await asyncio.sleep(0.05)
            return twiml_answer(f"<Response>{started}</Response>")

        async def main() -> Answer:
            webhooks = Webhooks("token", PUBLIC_URL)
            first = asyncio.create_task(webhooks.once(("sms", "SM1"), handler, {}))
            await asyncio.sleep(0.01)
            retry = asyncio.create_task(webhooks.once(("sms", "SM1"), handler, {}))
            await asyncio.sleep(0.01)
            first.cancel()
            answer = await retry
            assert first.cancelled() and webhooks.in_flight == {}
            return answer

        assert asyncio.run(main()).body.endswith(b"<Response>2</Response>")

    def test_a_failure_reaches_every_overlapping_request(self) -> None:
        async def handler(form: dict[str, str]) -> Answer:
            await asyncio.sleep(0.01)
            raise RuntimeError("broken")

        async def main() -> list[Answer | BaseException]:
            webhooks = Webhooks("token", PUBLIC_URL)
            return await asyncio.gather(
                *(webhooks.once(("voice", "CA1"), handler, {}) for _ in range(3)),
                return_exceptions=True,
            )

        results = asyncio.run(main())
        assert all(isinstance(r, RuntimeError) for r in results)
