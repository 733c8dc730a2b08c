"""`hold` on the IMAP channel. No rule of either policy profile holds an e-mail, so `serve`
never decides it (see tests/channels/smtp/test_hold.py); the poller is run here in process
against a real Dovecot and handed a hold decision for one message."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from channels.imap.poller import Poller, Progress
from channels.imap.settings import ImapSettings
from channels.mail.outbound import Endpoint, Relay
from channels.mail.parse import read_mail, to_contact
from tests.channels.mail.local import HOLD, local_gateway, outcome_of
from tests.channels.mail.sink import Sink
from tests.clock import NOW
from tests.dovecot import DovecotServer, available

pytestmark = pytest.mark.skipif(not available(), reason="dovecot-imapd is not installed")

USER = "held@landlord.example"
RAW = (
    b"From: ann@example.org\r\nTo: held@landlord.example\r\nSubject: For triage\r\n"
    b"Message-ID: <hold-imap-1@example.org>\r\n\r\nPlease read this.\r\n"
)


async def test_a_held_message_moves_to_restricted_unread_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    with DovecotServer({USER: "secret"}) as imap, Sink() as outbound:
        imap.append(USER, RAW)
        config = ImapSettings.model_validate(
            {"mailboxes": [{"host": "127.0.0.1", "port": imap.port, "username": USER,
                            "password": "secret", "tls": False}]}
        )  # fmt: skip
        relay = Relay(Endpoint.parse(outbound.address))
        async with local_gateway(tmp_path) as gateway:
            poller = Poller(gateway, config, config.mailboxes[0], relay, tmp_path)
            await asyncio.to_thread(poller.conn.connect)
            try:
                [uid] = await asyncio.to_thread(poller.conn.new_uids, 0)
                mail = read_mail(RAW)
                contact = to_contact(
                    mail, envelope_from=None, received_at=NOW,
                    destination=USER, external_id="<hold-imap-1@example.org>",
                )  # fmt: skip
                dispatched = outcome_of(contact, HOLD, "contact-1")
                poller.progress[(poller.conn.uidvalidity, uid)] = Progress(dispatched, mail, RAW)
                assert await poller.handle(uid)
            finally:
                await asyncio.to_thread(poller.conn.close)
                await relay.close()
        assert imap.messages(USER, "INBOX") == []
        [(raw, flags)] = imap.messages(USER, "Restricted")
        assert raw == RAW and b"\\Seen" not in flags
        assert imap.messages(USER, "Redirected") == []
        assert outbound.messages() == []  # no reply: a reply would itself be contact
