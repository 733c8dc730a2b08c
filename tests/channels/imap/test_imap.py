"""The IMAP channel end to end: a real `serve` process polling a real Dovecot mailbox, sending
its forwards and auto-replies through a real aiosmtpd server."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.channels.mail.people import LETTER_ONLY, OFFICER, SPOC, import_people
from tests.channels.mail.sink import Sink
from tests.dovecot import DovecotServer, available
from tests.serve import GatewayServer

pytestmark = pytest.mark.skipif(not available(), reason="dovecot-imapd is not installed")

USER = "inbox@landlord.example"


def message(sender: str, subject: str, body: str = "Hello.") -> tuple[str, bytes]:
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    head = f"From: {sender}\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    return message_id, (head + "\r\n" + body + "\r\n").encode()


@dataclass
class Mailbox:
    server: GatewayServer
    imap: DovecotServer
    outbound: Sink
    folders_before: set[str]

    def folder(self, name: str) -> list[tuple[bytes, tuple[bytes, ...]]]:
        return self.imap.messages(USER, name)

    def subjects(self, name: str) -> set[str]:
        found = set()
        for raw, _ in self.folder(name):
            match = re.search(rb"^Subject: (.*?)\r?$", raw, re.MULTILINE)
            found.add(match.group(1).decode() if match else "")
        return found

    def wait(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "the mailbox did not get there in time"
            time.sleep(0.2)

    def dispatched(self) -> float:
        """Contacts this `serve` process dispatched on e-mail since it started."""
        metrics = httpx.get(f"{self.server.url}/metrics", headers=self.server.headers("metrics"))
        text = metrics.text
        counts = re.findall(
            r'^contact_gateway_contacts_total\{[^}]*"email"[^}]*\} (\S+)$', text, re.M
        )
        return sum(float(c) for c in counts)


def imap_section(imap: DovecotServer, outbound: Sink) -> dict[str, object]:
    mailbox = {
        "host": "127.0.0.1", "port": imap.port, "username": USER, "password": "mailbox-secret",
        "tls": False, "poll_seconds": 1,
    }  # fmt: skip
    return {
        "outbound": outbound.address, "retry_max_seconds": 1, "max_attempts": 3,
        "mailboxes": [mailbox],
    }  # fmt: skip


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailbox]:
    directory = tmp_path_factory.mktemp("imap")
    with DovecotServer({USER: "mailbox-secret"}) as imap, Sink() as outbound:
        imap.append(USER, message("old@example.org", "Before the gateway")[1])
        folders_before = imap.folders(USER)
        server = GatewayServer(directory, extra={"imap": imap_section(imap, outbound)})
        with server:
            import_people(server)
            box = Mailbox(server, imap, outbound, folders_before)
            box.wait(lambda: any((directory / "data" / "imap").glob("*.json")))
            yield box


def test_the_decision_folders_are_created_when_missing(mailbox: Mailbox) -> None:
    assert mailbox.folders_before == {"INBOX"}
    assert {"Redirected", "Restricted"} <= mailbox.imap.folders(USER)


def test_each_decision_is_applied_in_the_mailbox(mailbox: Mailbox) -> None:
    _, unknown = message("carol@example.org", "A question")
    unreadable = b"Subject: nobody sent this\r\n\r\nbody\r\n"
    redirect_id, redirected = message(SPOC, "About my case")
    refuse_id, refused = message(LETTER_ONLY, "Repairs")
    again_id, again = message(LETTER_ONLY, "Repairs, again")
    for raw in (unknown, unreadable, redirected, refused, again):
        mailbox.imap.append(USER, raw)

    mailbox.wait(lambda: len(mailbox.folder("Restricted")) == 2)
    mailbox.wait(lambda: len(mailbox.folder("Redirected")) == 1)
    assert mailbox.subjects("INBOX") == {"Before the gateway", "A question", "nobody sent this"}
    assert all(b"\\Seen" not in flags for _, flags in mailbox.folder("INBOX"))
    assert re.search(r"uid \d+ skipped: IdentityError", mailbox.server.log())  # by id
    assert mailbox.subjects("Redirected") == {"About my case"}
    assert mailbox.subjects("Restricted") == {"Repairs", "Repairs, again"}

    [forward] = mailbox.outbound.wait_until(lambda m: m.message["Message-ID"] == redirect_id)
    assert forward.rcpt_tos == (OFFICER,) and forward.mail_from == USER
    assert forward.message["X-Contact-Gateway-Decision"].startswith("redirect; contact=")
    [notice] = mailbox.outbound.wait_until(lambda m: m.message["In-Reply-To"] == refuse_id)
    assert notice.rcpt_tos == (LETTER_ONLY,) and notice.mail_from == "<>"
    assert notice.message["Auto-Submitted"] == "auto-replied"
    assert not [m for m in mailbox.outbound.messages() if m.message["In-Reply-To"] == again_id]

    with mailbox.server.client("manager") as http:
        held = http.get("/api/v1/held", params={"customer": "C-1"}).json()
    assert {item["contact"]["subject"] for item in held} == {"Repairs", "Repairs, again"}


def test_a_restart_dispatches_nothing_twice(mailbox: Mailbox) -> None:
    mailbox.wait(lambda: len(mailbox.folder("Redirected")) >= 1)
    redirected = len(mailbox.folder("Redirected"))
    sent = len(mailbox.outbound.messages())
    mailbox.server.restart()

    mailbox.imap.append(USER, message(SPOC, "After the restart")[1])
    mailbox.wait(lambda: len(mailbox.folder("Redirected")) == redirected + 1)
    assert mailbox.dispatched() == 1  # only the new message
    assert len(mailbox.outbound.messages()) == sent + 1


def test_the_poller_reconnects_when_the_server_restarts_mid_poll(mailbox: Mailbox) -> None:
    redirected = len(mailbox.folder("Redirected"))
    ids = []
    for n in range(3):
        message_id, raw = message(SPOC, f"Just before the server went down {n}")
        mailbox.imap.append(USER, raw)
        ids.append(message_id)
    time.sleep(0.3)  # the poller is at work on them
    mailbox.imap.stop()  # every connection dropped, mid-poll or mid-IDLE
    time.sleep(1.5)  # a reconnect attempt or two fail
    mailbox.imap.start()
    after_id, after = message(SPOC, "After the server came back")
    mailbox.imap.append(USER, after)
    ids.append(after_id)
    mailbox.wait(lambda: len(mailbox.folder("Redirected")) == redirected + 4)
    assert "After the server came back" in mailbox.subjects("Redirected")
    forwarded = [m.message["Message-ID"] for m in mailbox.outbound.messages()]
    assert all(forwarded.count(i) == 1 for i in ids), "each forwarded exactly once"


def test_a_message_that_keeps_failing_is_left_in_place_not_retried_forever(
    mailbox: Mailbox,
) -> None:
    mailbox.outbound.refuse[OFFICER] = "451 4.3.0 Please try again later"
    try:
        mailbox.imap.append(USER, message(SPOC, "Cannot be forwarded")[1])
        mailbox.wait(lambda: mailbox.outbound.refused.get(OFFICER, 0) >= 3)  # max_attempts
        time.sleep(3)  # three more polls
        assert mailbox.outbound.refused[OFFICER] == 3
    finally:
        mailbox.outbound.refuse.clear()
    assert re.search(r"uid \d+ failed 3 times; left in place", mailbox.server.log())
    redirected = len(mailbox.folder("Redirected"))
    mailbox.imap.append(USER, message(SPOC, "The next one")[1])  # the mailbox moves on
    mailbox.wait(lambda: len(mailbox.folder("Redirected")) == redirected + 1)
    assert "Cannot be forwarded" in mailbox.subjects("INBOX")  # not forwarded after all
    assert "Cannot be forwarded" not in mailbox.subjects("Redirected")


def test_a_message_the_server_cannot_read_is_skipped_not_retried_forever(
    mailbox: Mailbox,
) -> None:
    redirected = len(mailbox.folder("Redirected"))
    try:
        mailbox.imap.drop_unreadable(USER, message(SPOC, "Unreadable on the server")[1])
        mailbox.imap.append(USER, message(SPOC, "Behind the unreadable one")[1])
        mailbox.wait(lambda: len(mailbox.folder("Redirected")) == redirected + 1, timeout=30)
        log = mailbox.server.log()
        assert re.search(r"uid \d+ broke the connection 3 times; left in place", log)
    finally:
        mailbox.imap.make_readable(USER)
    assert "Unreadable on the server" in mailbox.subjects("INBOX")  # left where it was
    assert "Behind the unreadable one" in mailbox.subjects("Redirected")


def test_one_message_id_over_two_bodies_is_two_contacts_and_a_copy_is_one(
    mailbox: Mailbox,
) -> None:
    """The same rule as the SMTP channel's (channels/mail/identity.py)."""
    restricted = len(mailbox.folder("Restricted"))
    _, first = message(LETTER_ONLY, "Reused id", "The gutter is blocked.")
    second = first.replace(b"The gutter is blocked.", b"The gutter has fallen down.")
    for raw in (first, second, b"Received: by mx2.example.org\r\n" + first):  # then a copy
        mailbox.imap.append(USER, raw)
    mailbox.wait(lambda: len(mailbox.folder("Restricted")) == restricted + 3)
    with mailbox.server.client("manager") as http:
        held = http.get("/api/v1/held", params={"customer": "C-1"}).json()
    texts = sorted(i["contact"]["text"] for i in held if i["contact"]["subject"] == "Reused id")
    assert texts == ["The gutter has fallen down.", "The gutter is blocked."]
