"""The SMTP conversation (aiosmtpd): refuse what is not ours to accept, spool what is, and
answer 250 only once the message is on disk."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP

from channels.mail.identity import identity_of
from channels.mail.parse import Mail, header_size, read_mail, sender_of
from channels.smtp.ledger import Ledger
from channels.smtp.settings import SmtpSettings
from channels.smtp.spool import Entry, Spool, new_id
from channels.smtp.worker import Job, Worker, seen_by

log = logging.getLogger("contact_gateway.smtp")

RELAY_DENIED = "550 5.7.1 Relaying denied: this gateway only accepts mail for its own domains"
HEADER_TOO_LARGE = "552 5.3.4 Message header section too large"
NO_SENDER = "550 5.1.7 The message has no readable From address"
TRY_LATER = "451 4.3.0 The message could not be queued; please try again later"


class Conversation(SMTP):
    """aiosmtpd's SMTP, taking DATA lines of any length within the message's size limit.
    aiosmtpd answers a line over RFC 5321's 1,000 bytes (and so any bare-LF message over
    1 KB, which is all one line to it) with a permanent 500; Postfix, whose mail this hop
    would otherwise take, accepts such lines and passes them on whole, and so does this."""

    def __init__(self, handler: Handler, *, data_size_limit: int, **options: Any) -> None:
        # The stream's line limit, which SMTP.__init__ reads: a longer line is over the size
        # limit as well (a 552 when it fits the reader's buffer, a 500 past it).
        self.line_length_limit = data_size_limit + 3
        super().__init__(handler, data_size_limit=data_size_limit, **options)


class Handler:
    """aiosmtpd calls `handle_RCPT` and `handle_DATA`; everything else is aiosmtpd's default."""

    def __init__(self, config: SmtpSettings, spool: Spool, ledger: Ledger, worker: Worker) -> None:
        self.config, self.spool, self.ledger, self.worker = config, spool, ledger, worker
        self._spooling: set[asyncio.Task[None]] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self.config.accepts(address):
            return RELAY_DENIED
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            return await self._accept(envelope, session)
        except Exception:  # never a crash, never a lost message: the sender tries again
            log.exception("a message could not be accepted")
            return TRY_LATER

    async def _accept(self, envelope: Any, session: Any = None) -> str:
        raw: bytes = envelope.original_content or b""
        if header_size(raw) > self.config.max_header_bytes:
            return HEADER_TOO_LARGE
        mail = read_mail(raw)
        # aiosmtpd writes the null sender as "<>"; bounces keep it null all the way through.
        mail_from = (envelope.mail_from or "").strip()
        mail_from = "" if mail_from.strip("<> ") == "" else mail_from
        received_at = self.worker.gateway.clock.now()
        sender = sender_of(mail, mail_from or None)
        if sender is None:  # the worker could make no Contact
            return NO_SENDER
        identity = identity_of(mail, sender)
        # Only when this message reached every recipient of this transaction: a second
        # transaction carrying it to another mailbox is delivered there.
        if identity is not None and not self.ledger.undelivered(identity, envelope.rcpt_tos):
            log.info("message %s already delivered: accepted, not delivered again", identity.key)
            return "250 2.0.0 OK: already delivered"
        entry = Entry(
            id=new_id(), kind="inbound", mail_from=mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos), received_at=received_at,
            extra=seen_by(session),  # for the sender's SPF check (channels/mail/verify.py)
        )  # fmt: skip
        # Shielded: if the client hangs up meanwhile (aiosmtpd then cancels this handler), a
        # message that reached the spool is still handed to the worker, not left until a restart.
        spooling = asyncio.create_task(self._spool(entry, raw, mail))
        self._spooling.add(spooling)
        spooling.add_done_callback(self._spooled)
        try:
            await asyncio.shield(spooling)
        except Exception:  # logged by _spool
            return TRY_LATER
        return f"250 2.0.0 OK: queued as {entry.id}"

    async def _spool(self, entry: Entry, raw: bytes, mail: Mail) -> None:
        try:
            await self.spool.put(entry, raw)
        except Exception:
            log.exception("spool %s: could not be written; the sender will retry", entry.id)
            raise
        self.worker.submit(Job(entry=entry, raw=raw, mail=mail))

    def _spooled(self, task: asyncio.Task[None]) -> None:
        self._spooling.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, as its awaiter may be gone; _spool logged it
