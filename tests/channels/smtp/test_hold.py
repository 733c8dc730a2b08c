"""`hold` on the SMTP channel. No restriction holds an e-mail (the decision table holds only
social media); only mail nested too deep to read is held (test_bad_input.py), and the worker
has to apply a hold correctly whatever decides it. The worker runs here in process, with a
real spool, a real SQLite store and a real aiosmtpd server, and is handed a hold decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from channels.mail.identity import identity_of
from channels.mail.outbound import Endpoint, Relay
from channels.mail.parse import read_mail, sender_of, to_contact
from channels.smtp.ledger import Ledger
from channels.smtp.settings import SmtpSettings
from channels.smtp.spool import Entry, Spool, new_id
from channels.smtp.worker import Job, Worker
from gateway.runtime import Gateway
from tests.channels.mail.local import HOLD, local_gateway, outcome_of
from tests.channels.mail.sink import Sink
from tests.clock import NOW

RAW = (
    b"From: ann@example.org\r\nTo: housing@landlord.example\r\nSubject: Again\r\n"
    b"Message-ID: <held-1@example.org>\r\n\r\nPlease read this.\r\n"
)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with local_gateway(tmp_path) as gateway:
        yield gateway


async def test_a_held_message_is_kept_whole_and_nothing_is_sent(
    gateway: Gateway, tmp_path: Path
) -> None:
    with Sink() as sink:
        config = SmtpSettings(domains=["landlord.example"], downstream=sink.address)
        spool, ledger = Spool(tmp_path / "spool"), Ledger(tmp_path / "spool" / "delivered.log")
        spool.open()
        ledger.open()
        relay = Relay(Endpoint.parse(sink.address))
        worker = Worker(gateway, config, spool, ledger, {"downstream": relay, "outbound": relay})
        entry = Entry(
            id=new_id(), kind="inbound", mail_from="ann@example.org",
            rcpt_tos=("housing@landlord.example",), received_at=NOW,
        )  # fmt: skip
        await spool.put(entry, RAW)
        mail = read_mail(RAW)
        contact = to_contact(
            mail, envelope_from=entry.mail_from, received_at=entry.received_at,
            destination="housing@landlord.example", external_id="<held-1@example.org>",
        )  # fmt: skip
        dispatched = outcome_of(contact, HOLD, "contact-1")
        try:
            await worker.process(Job(entry=entry, raw=RAW, mail=mail, dispatched=dispatched))
        finally:
            await relay.close()
            spool.close()
            ledger.close()

        assert Spool(tmp_path / "spool").open() == []  # off the queue
        kept = await spool.read(tmp_path / "spool" / "held" / f"{entry.id}.msg")
        assert kept == (entry, RAW)  # the original, whole
        assert sink.messages() == []  # not relayed, and no auto-reply
        again = Ledger(tmp_path / "spool" / "delivered.log")
        again.open()
        identity = identity_of(mail, sender_of(mail, entry.mail_from))
        # after a restart, a resubmission is not kept twice
        assert again.undelivered(identity, entry.rcpt_tos) == ()
