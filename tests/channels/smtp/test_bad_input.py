"""Mail that other servers take, the gateway takes too: lines of any length (and so bare-LF
messages, one long line to SMTP) are accepted and relayed whole; a MIME tree nested too deep
to read is accepted, kept and held for a person. Random and mutated messages over real SMTP
into one `serve` for the module get a considered answer (250, or 550/552 with a reason), never
a 451 or 500 from an exception, and nothing is lost."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.channels.mail.sink import Sink
from tests.channels.smtp.test_smtp import HOUSING, Mail, smtp_section
from tests.fuzz import FUZZ, still_healthy
from tests.serve import GatewayServer
from tests.servers import free_port

SENDER = "frank@example.org"


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mail]:
    directory = tmp_path_factory.mktemp("smtp-bad-input")
    with Sink() as downstream, Sink() as outbound:
        port, spool = free_port(), directory / "spool"
        section = smtp_section(port, downstream, outbound, spool)
        with GatewayServer(directory, extra={"smtp": section}) as server:
            yield Mail(server, port, downstream, outbound, spool)
            still_healthy(server)


@pytest.fixture(scope="module")
def client(mail: Mail) -> Iterator[smtplib.SMTP]:
    """One SMTP session for many transactions, as a busy sending server keeps one open."""
    with smtplib.SMTP("127.0.0.1", mail.port, timeout=30) as session:
        session.ehlo()
        yield session


def transaction(client: smtplib.SMTP, raw: bytes, sender: str = SENDER) -> int:
    """The server's answer to DATA (smtplib dot-stuffs `raw` and ends it with CRLF . CRLF)."""
    assert client.mail(sender)[0] == 250
    assert client.rcpt(HOUSING)[0] == 250
    code, _ = client.data(raw)
    if code != 250:
        client.rset()
    return code


def marked(raw: bytes) -> tuple[str, bytes]:
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    return message_id, b"Message-ID: " + message_id.encode() + b"\r\n" + raw


@pytest.mark.parametrize("length", [999, 1001, 2049, 10_000, 300_000])
def test_a_long_line_is_accepted_and_relayed_byte_for_byte(
    mail: Mail, client: smtplib.SMTP, length: int
) -> None:
    line = b"".join(b"%d " % n for n in range(length))[:length]
    _, raw = marked(b"From: " + SENDER.encode() + b"\r\nSubject: long\r\n\r\n" + line + b"\r\n")
    assert transaction(client, raw) == 250
    mail.downstream.wait_until(lambda m: m.data == raw)


def test_a_bare_lf_message_over_a_kilobyte_is_accepted_and_relayed(
    mail: Mail, client: smtplib.SMTP
) -> None:
    """Its line ends go on as CRLF, as SMTP carries them (and Postfix relays them)."""
    _, raw = marked(b"")
    raw = raw.replace(b"\r\n", b"\n") + b"From: erin@example.org\nSubject: bare\n\n"
    raw += b"A line of a letter written on a system that ends lines with LF alone.\n" * 40
    assert transaction(client, raw) == 250
    relayed = raw.replace(b"\n", b"\r\n") + b"\r\n"  # smtplib ends DATA with CRLF
    mail.downstream.wait_until(lambda m: m.data == relayed)


def nested(depth: int, text: bytes = b"Please fix the boiler.") -> bytes:
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
        for n in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--" % n for n in reversed(range(depth)))
    return opening + b"Content-Type: text/plain\r\n\r\n" + text + closing + b"\r\n"


def test_mime_nested_too_deep_to_read_is_accepted_and_held_for_a_person(
    mail: Mail, client: smtplib.SMTP
) -> None:
    message_id, raw = marked(b"From: gina@example.org\r\nSubject: deep\r\n" + nested(2000))
    assert transaction(client, raw) == 250
    mail.wait_drained()
    [item] = [h for h in mail.held() if h["contact"]["raw"]["message_id"] == message_id]
    assert item["action"] == "hold"
    assert any("nest more than 100 deep" in reason for reason in item["reasons"]), item
    assert item["contact"]["sender"]["value"] == "gina@example.org"
    assert not any(m.message["Message-ID"] == message_id for m in mail.downstream.messages())
    kept = list((mail.spool / "held").glob("*.msg"))
    assert any(raw in path.read_bytes() for path in kept)  # the original, whole


def test_mime_nested_a_few_levels_is_read_and_delivered(mail: Mail, client: smtplib.SMTP) -> None:
    _, raw = marked(b"From: gina@example.org\r\nSubject: nested\r\n" + nested(20))
    assert transaction(client, raw) == 250
    mail.downstream.wait_until(lambda m: m.data == raw)


BASES = [
    b"From: ann@example.org\r\nSubject: hello\r\n\r\nA short note.\r\n",
    b"From: Zo\xc3\xab <zoe@example.org>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nbody\r\n",
    b"From: b@example.org\r\nContent-Type: multipart/alternative; boundary=X\r\n\r\n--X\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <b>there</b></p>\r\n--X\r\n"
    b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"JVBERi0=\r\n--X--\r\n",
    b"From: c@example.org\r\nContent-Type: message/rfc822\r\n\r\nFrom: d@example.org\r\n\r\nx\r\n",
    nested(150),
    b"From: e@example.org\nSubject: bare\n\n" + b"y" * 3000 + b"\n",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat", "eol"]))
        if kind == "insert":
            raw[at:at] = draw(st.binary(max_size=40) | st.sampled_from(
                [b"\r\n", b"\n", b"--X\r\n", b"=?utf-8?b?", b"\r\n\r\n", b"\x00", b"\xff"]
            ))  # fmt: skip
        elif kind == "delete":
            del raw[at : at + draw(st.integers(1, 50))]
        elif kind == "repeat":
            raw[at:at] = raw[at : at + 30] * draw(st.integers(2, 200))
        else:
            raw = bytearray(bytes(raw).replace(b"\r\n", b"\n"))
    return bytes(raw)


messages = mutated() | st.binary(max_size=2000) | st.binary(max_size=200).map(
    lambda body: b"From: fuzz@example.org\r\n\r\n" + body
)  # fmt: skip


@FUZZ
@given(raw=messages)
def test_no_message_breaks_the_smtp_hop(mail: Mail, client: smtplib.SMTP, raw: bytes) -> None:
    # 250 taken; 550 no readable sender; 552 a header section over the limit
    assert transaction(client, raw) in (250, 550, 552)


def test_every_message_taken_was_delivered_or_kept(mail: Mail) -> None:
    mail.wait_drained(timeout=60)
    assert list((mail.spool / "failed").glob("*.msg")) == []  # none given up on
    still_healthy(mail.server)
