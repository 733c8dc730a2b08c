"""Polls one mailbox: each new message is dispatched once and its decision applied by moving
it (`deliver` leaves it where it is). The highest UID done is kept on disk, so a restart
dispatches nothing twice; a dropped connection is retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from imapclient.exceptions import IMAPClientError

from channels.imap.mailbox import MailboxConnection
from channels.imap.settings import ImapSettings, Mailbox
from channels.imap.state import MailboxState
from channels.mail.auth_settings import Authenticator
from channels.mail.identity import identity_of
from channels.mail.outbound import DeliveryError, Relay
from channels.mail.parse import Mail, read_mail, sender_of, to_contact
from channels.mail.replies import auto_reply, log_no_reply, redirect_headers, reply_channel
from channels.mail.verify import Seen
from gateway.api import Gateway, Outcome
from policy_core.models import Action

log = logging.getLogger("contact_gateway.imap")


@dataclass
class Progress:
    """A message being applied: kept across retries so nothing is dispatched or sent twice."""

    outcome: Outcome
    mail: Mail
    raw: bytes
    sent: bool = False
    attempts: int = 0


class Poller:
    def __init__(
        self, gateway: Gateway, config: ImapSettings, mailbox: Mailbox, relay: Relay, data_dir: Path
    ) -> None:
        self.gateway, self.config, self.mailbox, self.relay = gateway, config, mailbox, relay
        self.auth = Authenticator(config)  # no client address here: DKIM, or the upstream's
        self.state = MailboxState.for_mailbox(data_dir, mailbox)
        self.conn = MailboxConnection(mailbox)
        self.progress: dict[tuple[int, int], Progress] = {}
        self.broken: dict[tuple[int, int], int] = {}  # message -> connections lost handling it
        self.connected = asyncio.Event()

    async def run(self) -> None:
        backoff = 1.0
        while True:
            try:
                await asyncio.to_thread(self.conn.connect)
                await self._check_state()
                self.connected.set()
                log.info("mailbox %s: connected", self.mailbox.label)
                backoff = 1.0
                while True:
                    await self.poll_once()
                    await asyncio.to_thread(self.conn.wait, self.mailbox.poll_seconds)
                    if not self.conn.can_idle:
                        await asyncio.sleep(self.mailbox.poll_seconds)
            except asyncio.CancelledError:
                self.conn.abort()
                raise
            except Exception as exc:  # IMAPClientError, OSError, or a reply imapclient chokes on
                self.connected.clear()
                self.conn.abort()
                self.conn.client = None
                log.warning(
                    "mailbox %s: %s; reconnecting in %.0fs",
                    self.mailbox.label, type(exc).__name__, backoff,
                )  # fmt: skip
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.config.retry_max_seconds)

    async def _check_state(self) -> None:
        state, conn = self.state, self.conn
        if state.uidvalidity == conn.uidvalidity:
            return
        if state.known:
            log.warning("mailbox %s: UIDVALIDITY changed; rescanning", self.mailbox.label)
            state.last_uid = 0  # messages already dispatched come back as duplicates
        else:
            state.last_uid = 0 if self.mailbox.backlog else conn.uidnext - 1
        state.uidvalidity = conn.uidvalidity
        await asyncio.to_thread(state.save)

    async def poll_once(self) -> None:
        uids = await asyncio.to_thread(self.conn.new_uids, self.state.last_uid)
        for uid in uids:
            key = (self.conn.uidvalidity, uid)
            if self.broken.get(key, 0) >= self.config.max_attempts:
                # A message the server cannot read drops the connection (Dovecot says BYE).
                log.error("mailbox %s: uid %d broke the connection %d times; left in place",
                          self.mailbox.label, uid, self.broken[key])  # fmt: skip
                self.progress.pop(key, None)
            else:
                try:
                    done = await self.handle(uid)
                except (IMAPClientError, OSError):
                    self.broken[key] = self.broken.get(key, 0) + 1
                    raise
                if not done:
                    return  # a temporary failure: this and the rest wait for the next poll
            self.broken.pop(key, None)
            self.state.last_uid = uid
            await asyncio.to_thread(self.state.save)

    async def handle(self, uid: int) -> bool:
        """True when the message is done with (applied, or skipped as unreadable)."""
        key = (self.conn.uidvalidity, uid)
        progress = self.progress.get(key)
        if progress is None:
            progress = await self._dispatch(uid)
            if progress is None:
                return True
            self.progress[key] = progress
        try:
            await self._apply(uid, progress)
        except (IMAPClientError, OSError):
            raise  # the connection: reconnect, then try this message again
        except DeliveryError as exc:
            progress.attempts += 1
            if not exc.temporary:
                log.error("mailbox %s: uid %d not forwarded (%s); left in place",
                          self.mailbox.label, uid, exc)  # fmt: skip
            elif progress.attempts < self.config.max_attempts:
                log.warning("mailbox %s: uid %d: %s; retried at the next poll",
                            self.mailbox.label, uid, exc)  # fmt: skip
                return False
            else:
                log.error("mailbox %s: uid %d failed %d times; left in place",
                          self.mailbox.label, uid, progress.attempts)  # fmt: skip
        except Exception:
            log.exception("mailbox %s: uid %d could not be applied; left in place",
                          self.mailbox.label, uid)  # fmt: skip
        del self.progress[key]
        return True

    async def _dispatch(self, uid: int) -> Progress | None:
        label = self.mailbox.label
        size = await asyncio.to_thread(self.conn.size, uid)
        if size is not None and size > self.config.max_message_bytes:
            log.warning("mailbox %s: uid %d is %d bytes; left in place", label, uid, size)
            return None
        raw = await asyncio.to_thread(self.conn.fetch, uid)
        if raw is None:
            return None  # moved or deleted meanwhile
        try:
            mail = read_mail(raw)
            auth = await self.auth.check(raw, mail.from_address, Seen(_return_path(mail)))
            identity = identity_of(mail, sender_of(mail, _return_path(mail)))
            copy = f"imap:{self.conn.uidvalidity}:{uid}"  # a message without a Message-ID
            contact = to_contact(
                mail, envelope_from=_return_path(mail), received_at=self.gateway.clock.now(),
                destination=self.mailbox.sender,
                external_id=identity.external_id if identity is not None else copy,
                evidence={"mailbox": label, "uidvalidity": self.conn.uidvalidity, "uid": uid},
                auth=auth,
            )  # fmt: skip
            reply_to = _return_path(mail)
            outcome = await self.gateway.handle(contact, reply_channel(mail, reply_to))
        except Exception as exc:  # a bad message is logged by id and skipped, left in place
            log.warning("mailbox %s: uid %d skipped: %s", label, uid, type(exc).__name__)
            return None
        log_no_reply(outcome, mail, reply_to)
        return Progress(outcome=outcome, mail=mail, raw=raw)

    async def _apply(self, uid: int, progress: Progress) -> None:
        outcome, mail = progress.outcome, progress.mail
        folder: str | None = None
        if outcome.action is Action.redirect and outcome.destination:
            if not progress.sent:
                forward = redirect_headers(outcome) + progress.raw
                await self._send(self.mailbox.sender, outcome.destination, forward)
                progress.sent = True
            folder = self.mailbox.redirected_folder
        elif outcome.action is Action.refuse:
            if not progress.sent and not outcome.duplicate and outcome.notice is not None:
                # a rescanned duplicate was answered already
                await self._reply(outcome.notice, mail, outcome.notice_to)
            progress.sent = True
            folder = self.mailbox.restricted_folder
        elif outcome.action is Action.hold:
            folder = self.mailbox.restricted_folder
        if folder is not None:
            await asyncio.to_thread(self.conn.move, uid, folder)
        log.info("mailbox %s: uid %d contact %s %s", self.mailbox.label, uid,
                 outcome.contact_id, outcome.action.value)  # fmt: skip

    async def _reply(self, text: str, mail: Mail, reply_to: str | None) -> None:
        """To the customer's own address on record (`Outcome.notice_to`), never elsewhere."""
        if reply_to is None:
            return
        reply = auto_reply(
            mail, text, from_address=self.mailbox.sender,
            from_name=self.gateway.settings.organisation.name, to_address=reply_to,
            at=self.gateway.clock.now(),
        )  # fmt: skip
        await self._send("", reply_to, reply)

    async def _send(self, sender: str, recipient: str, message: bytes) -> None:
        sent = await self.relay.send(sender, [recipient], message)
        if sent.temporary:
            raise DeliveryError("deferred by the outbound server", temporary=True)
        if sent.permanent:
            raise DeliveryError("refused by the outbound server", temporary=False)


def _return_path(mail: Mail) -> str | None:
    """Where an auto-reply goes: the Return-Path the server recorded (empty for bounces),
    else the From address."""
    if "return-path" in mail.headers:
        value = mail.header("return-path").strip().strip("<>").strip()
        return value or None
    return mail.from_address
