"""The SMTP channel end to end: a real `serve` process between an SMTP client and two real
aiosmtpd servers (the landlord's mail server downstream, and the outbound relay that carries
auto-replies to the sender)."""

from __future__ import annotations

import json
import smtplib
import socket
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.channels.mail.people import (
    EMERGENCY,
    LETTER_ONLY,
    OFFICER,
    SPOC,
    import_people,
    people,
)
from tests.channels.mail.sink import Received, Sink
from tests.serve import GatewayServer
from tests.servers import free_port

HOUSING = "housing@landlord.example"
MAX_BYTES = 1_000_000


def message(sender: str, subject: str, body: str = "Hello.", **headers: str) -> tuple[str, bytes]:
    """A fresh Message-ID and the message, CRLF line ends."""
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    lines = [
        f"From: {sender}",
        f"To: {HOUSING}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
    ]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return message_id, ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def with_id(message_id: str) -> Callable[[Received], bool]:
    return lambda m: m.message["Message-ID"] == message_id


@dataclass
class Mail:
    server: GatewayServer
    port: int
    downstream: Sink
    outbound: Sink
    spool: Path

    def send(self, raw: bytes, sender: str = "", rcpts: tuple[str, ...] = (HOUSING,)) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
            client.sendmail(sender, list(rcpts), raw)

    def reply(self, raw: bytes, sender: str = "x@example.org") -> tuple[int, bytes]:
        """The server's answer to DATA (or to the first command that fails)."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
            client.ehlo()
            client.mail(sender)
            code, text = client.rcpt(HOUSING)
            if code != 250:
                return code, text
            return client.data(raw)

    def queued(self) -> list[Path]:
        return sorted((self.spool / "queue").glob("*.msg"))

    def wait_drained(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.queued() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.queued(), "the spool did not drain"

    def held(self) -> list[dict[str, object]]:
        with self.server.client("manager") as http:
            response = http.get("/api/v1/held")
        assert response.status_code == 200, response.text
        items: list[dict[str, object]] = response.json()
        return items


def smtp_section(
    port: int, downstream: Sink, outbound: Sink | None, spool: Path
) -> dict[str, object]:
    section: dict[str, object] = {
        "listen": f"127.0.0.1:{port}", "domains": ["landlord.example"],
        "downstream": downstream.address, "max_message_bytes": MAX_BYTES,
        "spool_dir": str(spool), "retry_max_seconds": 1,
    }  # fmt: skip
    if outbound is not None:
        section["outbound"] = outbound.address
    return section


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mail]:
    directory = tmp_path_factory.mktemp("smtp")
    with Sink() as downstream, Sink() as outbound:
        port, spool = free_port(), directory / "spool"
        section = smtp_section(port, downstream, outbound, spool)
        with GatewayServer(directory, extra={"smtp": section}) as server:
            import_people(server)
            yield Mail(server, port, downstream, outbound, spool)


def test_an_unknown_sender_is_delivered_unchanged_with_its_envelope(mail: Mail) -> None:
    message_id, raw = message("carol@example.org", "A question")
    mail.send(raw, "bounces+carol@example.org", (HOUSING, "rents@landlord.example"))
    [got] = mail.downstream.wait_until(with_id(message_id))
    assert got.data == raw
    assert got.mail_from == "bounces+carol@example.org"
    assert got.rcpt_tos == (HOUSING, "rents@landlord.example")


def test_a_single_point_of_contact_gets_the_customers_mail(mail: Mail) -> None:
    message_id, raw = message(SPOC, "About my case")
    mail.send(raw, SPOC)
    [got] = mail.downstream.wait_until(with_id(message_id))
    assert got.rcpt_tos == (OFFICER,)
    decision = got.message["X-Contact-Gateway-Decision"]
    assert decision.startswith("redirect; contact=") and not decision.endswith("=-")
    assert "single_point_of_contact" in got.message["X-Contact-Gateway-Reason"]
    assert got.data.endswith(raw)


def test_letter_only_is_refused_with_one_notice_a_day_and_kept(mail: Mail) -> None:
    first_id, first = message(LETTER_ONLY, "Repairs")
    mail.send(first, LETTER_ONLY)
    [notice] = mail.outbound.wait_until(lambda m: m.message["In-Reply-To"] == first_id)
    assert notice.mail_from == "<>" and notice.rcpt_tos == (LETTER_ONLY,)
    assert notice.message["Auto-Submitted"] == "auto-replied"
    assert notice.message["References"] == first_id
    assert "Test Homes, 1 High Street" in notice.message.get_content()  # the postal address

    second_id, second = message(LETTER_ONLY, "Repairs, again")
    mail.send(second, LETTER_ONLY)  # the day's notice is spent: held silently
    mail.wait_drained()
    subjects = {item["contact"]["subject"] for item in mail.held()}  # type: ignore[index]
    assert {"Repairs", "Repairs, again"} <= subjects
    assert not [m for m in mail.outbound.messages() if m.message["In-Reply-To"] == second_id]
    assert not [
        m for m in mail.downstream.messages() if m.message["Message-ID"] in (first_id, second_id)
    ]
    assert len(list((mail.spool / "held").glob("*.msg"))) >= 2  # the originals, whole


def test_an_emergency_from_a_restricted_customer_goes_to_the_emergency_address(mail: Mail) -> None:
    message_id, raw = message(LETTER_ONLY, "Help", "I can smell gas in the hall.")
    mail.send(raw, LETTER_ONLY)
    [got] = mail.downstream.wait_until(with_id(message_id))
    assert got.rcpt_tos == (EMERGENCY,)
    assert got.message["X-Contact-Gateway-Decision"].startswith("redirect")


def test_mailing_lists_and_null_senders_get_no_auto_reply(mail: Mail) -> None:
    ids = []
    for sender, headers in ((LETTER_ONLY, {"List_Id": "<tenants.example.org>"}), ("", {})):
        message_id, raw = message(LETTER_ONLY, "Newsletter", **headers)
        mail.send(raw, sender)
        ids.append(message_id)
    mail.wait_drained()
    assert not [m for m in mail.outbound.messages() if m.message["In-Reply-To"] in ids]
    assert not [m for m in mail.downstream.messages() if m.message["Message-ID"] in ids]


def test_a_mailing_list_message_spends_no_notice(mail: Mail) -> None:
    """No auto-reply may go to a list (RFC 3834), so the day's notice is still there for the
    sender's next personal message."""
    lou = "lou@example.org"
    data = people()
    data["customers"] = [{"ref": "C-LOU", "name": "Lou", "identities": [
        {"kind": "email", "value": lou}]}]  # fmt: skip
    data["cases"] = [{**data["cases"][0], "id": "K-LOU", "customer_ref": "C-LOU"}]
    path = mail.server.directory / "lou.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert mail.server.cli("import", str(path)).returncode == 0
    list_id, listed = message(lou, "Tenants' newsletter", List_Id="<tenants.example.org>")
    mail.send(listed, lou)
    mail.wait_drained()
    personal_id, personal = message(lou, "My repair")
    mail.send(personal, lou)
    [notice] = mail.outbound.wait_until(lambda m: m.message["In-Reply-To"] == personal_id)
    assert notice.rcpt_tos == (lou,)
    assert not [m for m in mail.outbound.messages() if m.message["In-Reply-To"] == list_id]
    assert {"Tenants' newsletter", "My repair"} <= {
        item["contact"]["subject"]  # type: ignore[index]
        for item in mail.held()
    }


def test_a_message_sent_twice_is_delivered_once(mail: Mail) -> None:
    message_id, raw = message("dave@example.org", "Twice")
    mail.send(raw, "dave@example.org")
    mail.send(raw, "dave@example.org")  # at once: the first may still be in flight
    mail.downstream.wait_until(with_id(message_id))
    mail.wait_drained()
    mail.send(raw, "dave@example.org")  # later: the first is long delivered
    mail.wait_drained()
    assert len(mail.downstream.wait_until(with_id(message_id))) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"From: erin@example.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=bogus\r\nContent-Transfer-Encoding: base64"
        b"\r\n\r\n!!!\r\n--YY\r\n",
        "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\n\r\nbody\r\n".encode(),
        b"Subject: no From header, but an envelope sender\r\n\r\nbody\r\n",
    ],
    ids=["broken-mime", "8bit-headers", "no-from"],
)
def test_awkward_but_readable_mail_is_accepted_and_delivered(mail: Mail, raw: bytes) -> None:
    marker = f"<{uuid.uuid4().hex}@example.org>".encode()
    raw = b"Message-ID: " + marker + b"\r\n" + raw
    code, _ = mail.reply(raw, "frank@example.org")
    assert code == 250
    [got] = mail.downstream.wait_until(lambda m: m.data == raw)
    assert got.mail_from == "frank@example.org"


def test_unacceptable_mail_gets_a_clear_smtp_error_and_nothing_breaks(mail: Mail) -> None:
    folded = b",\r\n ".join(b"p%d@example.org" % i for i in range(9000))
    one_line = b"X-Long: " + b"a" * 200_000
    head = b"From: g@example.org\r\n"
    cases = {
        "no sender": (b"Subject: anonymous\r\n\r\nbody\r\n", "", 550),
        "200 KB folded header": (head + b"To: " + folded + b"\r\n\r\nx\r\n", "g@example.org", 552),
        "200 KB header line": (head + one_line + b"\r\n\r\nx\r\n", "g@example.org", 552),
        "oversize": (head + b"\r\n" + (b"y" * 998 + b"\r\n") * 1100, "g@example.org", 552),
    }
    for name, (raw, sender, expected) in cases.items():
        code, text = mail.reply(raw, sender)
        assert code == expected, (name, code, text)
    with smtplib.SMTP("127.0.0.1", mail.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(
                "g@example.org", ["someone@elsewhere.example"], b"Subject: relay\r\n\r\nx\r\n"
            )
    assert refused.value.recipients["someone@elsewhere.example"][0] == 550
    message_id, raw = message("g@example.org", "Still working")
    mail.send(raw, "g@example.org")
    mail.downstream.wait_until(with_id(message_id))


def test_mail_waits_in_the_spool_through_an_outage_and_a_crash(tmp_path: Path) -> None:
    downstream = Sink()  # not started: the landlord's mail server is down
    port, spool = free_port(), tmp_path / "spool"
    section = smtp_section(port, downstream, None, spool)
    server = GatewayServer(tmp_path, extra={"smtp": section})
    with server:
        mail = Mail(server, port, downstream, downstream, spool)
        first_id, first = message("henry@example.org", "Sent while down")
        mail.send(first, "henry@example.org")
        time.sleep(1.5)  # a retry or two fail
        assert len(mail.queued()) == 1
        server.kill()  # kill -9 between 250 and the relay

        downstream.start()
        try:
            server.start()
            mail.downstream.wait_until(with_id(first_id))
            mail.wait_drained()

            downstream.stop()  # down again, then up, with the gateway running
            second_id, second = message("henry@example.org", "Sent during the second outage")
            mail.send(second, "henry@example.org")
            time.sleep(1.5)
            assert len(mail.queued()) == 1
            downstream.start()
            mail.downstream.wait_until(with_id(second_id), timeout=10)
            mail.wait_drained()
            assert [m.message["Message-ID"] for m in downstream.messages()] == [first_id, second_id]
        finally:
            downstream.stop()


def test_a_client_that_hangs_up_right_after_its_data_loses_nothing(mail: Mail) -> None:
    """The connection drops while the message is being spooled: no 250 was seen, but what
    reached the spool is still relayed (a duplicate if the client sends again, never a loss)."""
    ids = []
    for n in range(5):
        message_id, raw = message("ivan@example.org", f"Hung up {n}")
        ids.append(message_id)
        client = smtplib.SMTP("127.0.0.1", mail.port, timeout=10)
        client.ehlo()
        client.mail("ivan@example.org")
        client.rcpt(HOUSING)
        assert client.docmd("DATA")[0] == 354
        assert client.sock is not None
        client.sock.sendall(raw + b".\r\n")
        # a reset rather than a polite close: the server sees the connection lost at once
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    mail.wait_drained()
    for message_id in ids:
        mail.downstream.wait_until(with_id(message_id))
