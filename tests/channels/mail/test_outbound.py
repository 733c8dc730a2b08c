"""Sending on through persistent SMTP connections, against a real aiosmtpd server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from channels.mail.outbound import DeliveryError, Endpoint, Relay
from tests.channels.mail.sink import Sink
from tests.servers import free_port

MESSAGE = "From: ann@example.org\r\nSubject: café\r\n\r\nbody é\r\n".encode()


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as server:
        yield server


@pytest.fixture
async def relay(sink: Sink) -> AsyncIterator[Relay]:
    relay = Relay(Endpoint.parse(sink.address))
    yield relay
    await relay.close()


async def test_the_message_arrives_byte_for_byte_with_its_envelope(
    sink: Sink, relay: Relay
) -> None:
    sent = await relay.send(
        "ann@example.org", ["a@landlord.example", "b@landlord.example"], MESSAGE
    )
    assert not sent.temporary and not sent.permanent
    [got] = sink.wait_for(1)
    assert got.mail_from == "ann@example.org"
    assert got.rcpt_tos == ("a@landlord.example", "b@landlord.example")
    assert got.data == MESSAGE


async def test_a_null_sender_is_sent_as_such(sink: Sink, relay: Relay) -> None:
    await relay.send("", ["ann@example.org"], b"Subject: auto\r\n\r\nnotice\r\n")
    assert sink.wait_for(1)[0].mail_from == "<>"


async def test_a_server_that_is_down_is_a_temporary_failure() -> None:
    relay = Relay(Endpoint("127.0.0.1", free_port()))
    with pytest.raises(DeliveryError) as failure:
        await relay.send("ann@example.org", ["a@landlord.example"], MESSAGE)
    assert failure.value.temporary


async def test_a_restarted_server_is_reconnected_to(sink: Sink, relay: Relay) -> None:
    await relay.send("ann@example.org", ["a@landlord.example"], MESSAGE)
    sink.stop()
    sink.start()  # the pooled connection is now dead
    await relay.send("ann@example.org", ["b@landlord.example"], MESSAGE)
    assert [m.rcpt_tos for m in sink.wait_for(2)] == [
        ("a@landlord.example",),
        ("b@landlord.example",),
    ]


async def test_refused_recipients_are_sorted_into_retry_and_give_up(
    sink: Sink, relay: Relay
) -> None:
    sink.refuse = {
        "gone@landlord.example": "550 5.1.1 No such user",
        "busy@landlord.example": "451 4.2.1 Try later",
    }
    rcpts = ["a@landlord.example", "gone@landlord.example", "busy@landlord.example"]
    sent = await relay.send("ann@example.org", rcpts, MESSAGE)
    assert sent.temporary == ["busy@landlord.example"]
    assert list(sent.permanent) == ["gone@landlord.example"]
    assert sink.wait_for(1)[0].rcpt_tos == ("a@landlord.example",)


async def test_every_recipient_refused_for_good_is_a_permanent_failure(
    sink: Sink, relay: Relay
) -> None:
    sink.refuse = {"gone@landlord.example": "550 5.1.1 No such user"}
    with pytest.raises(DeliveryError) as failure:
        await relay.send("ann@example.org", ["gone@landlord.example"], MESSAGE)
    assert not failure.value.temporary


async def test_a_delivery_error_never_holds_an_address(sink: Sink, relay: Relay) -> None:
    sink.refuse_data = "451 4.7.1 <ann@example.org> greylisted for a.b@landlord.example"
    with pytest.raises(DeliveryError) as failure:
        await relay.send("ann@example.org", ["a.b@landlord.example"], MESSAGE)
    assert failure.value.temporary
    text = str(failure.value)
    assert "451" in text and "greylisted" in text and sink.address in text
    assert "@" not in text


async def test_a_delivery_error_holds_no_number_or_quoted_text_either(
    sink: Sink, relay: Relay
) -> None:
    sink.refuse_data = '554 5.7.1 "Dear zq7marker" from 07700 900123 refused: policy'
    with pytest.raises(DeliveryError) as failure:
        await relay.send("ann@example.org", ["a.b@landlord.example"], MESSAGE)
    assert not failure.value.temporary
    assert str(failure.value) == f"{sink.address}: 554 5.7.1 <text> from <number> refused: policy"
