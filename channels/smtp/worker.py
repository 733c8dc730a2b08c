"""Drains the spool: dispatch each message once, apply the decision (relay, redirect,
auto-reply, keep), and only then take it off the queue. Sending failures are retried with
backoff for as long as it takes; a restart picks up whatever is still queued."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from channels.mail.auth_settings import Authenticator
from channels.mail.identity import MessageIdentity, identity_of
from channels.mail.outbound import DeliveryError, Relay
from channels.mail.parse import Mail, read_mail, sender_of, to_contact
from channels.mail.replies import auto_reply, log_no_reply, redirect_headers, reply_channel
from channels.mail.verify import Seen
from channels.smtp.ledger import Ledger
from channels.smtp.settings import SmtpSettings
from channels.smtp.spool import Entry, Spool, new_id
from gateway.api import Gateway, Outcome, cancel_and_wait
from policy_core.identities import IdentityError
from policy_core.models import Action

log = logging.getLogger("contact_gateway.smtp")


@dataclass
class Job:
    entry: Entry | None = None
    path: Path | None = None  # an entry found on disk at start, read when its turn comes
    raw: bytes = b""
    mail: Mail | None = None
    dispatched: Outcome | None = None  # what the gateway said, kept across retries
    attempts: int = 0
    identity: MessageIdentity | None = None
    delivered: list[str] = field(default_factory=list)  # recipients that accepted it so far


class Worker:
    def __init__(
        self,
        gateway: Gateway,
        config: SmtpSettings,
        spool: Spool,
        ledger: Ledger,
        relays: dict[str, Relay],
    ) -> None:
        self.gateway, self.config, self.spool, self.ledger = gateway, config, spool, ledger
        self.relays = relays
        self.auth = Authenticator(config)
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.inflight: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._waiting: set[asyncio.Task[None]] = set()

    def start(self, backlog: list[Path]) -> None:
        for path in backlog:
            self.queue.put_nowait(Job(path=path))
        self._tasks = [
            asyncio.create_task(self._run(), name=f"smtp-worker-{n}")
            for n in range(self.config.workers)
        ]

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._waiting]
        await cancel_and_wait(tasks)

    def submit(self, job: Job) -> None:
        self.queue.put_nowait(job)

    def later(self, job: Job, delay: float) -> None:
        task = asyncio.create_task(self._after(job, delay))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _after(self, job: Job, delay: float) -> None:
        await asyncio.sleep(delay)
        self.queue.put_nowait(job)

    async def _run(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.process(job)
            except DeliveryError as exc:
                job.attempts += 1
                delay = min(self.config.retry_max_seconds, 2 ** (job.attempts - 1))
                level = (
                    logging.WARNING
                    if job.attempts in (1, 5) or job.attempts % 20 == 0
                    else logging.DEBUG
                )
                log.log(
                    level,
                    "spool %s: attempt %d failed, retry in %.0fs: %s",
                    _id(job),
                    job.attempts,
                    delay,
                    exc,
                )
                self.later(job, delay * random.uniform(0.9, 1.1))
            except Exception:  # a bug must not stop the drain; the entry stays queued
                log.exception("spool %s: failed; kept in the queue for the next start", _id(job))

    async def process(self, job: Job) -> None:
        if job.entry is None:
            assert job.path is not None
            try:
                job.entry, job.raw = await self.spool.read(job.path)
            except FileNotFoundError:
                return
        entry = job.entry
        if entry.kind == "relay":
            await self._send(job, self.relays[entry.target], entry.mail_from, entry.rcpt_tos)
            await self.spool.done(entry)
            return
        mail = job.mail = job.mail or read_mail(job.raw)
        identity = job.identity = identity_of(mail, sender_of(mail, entry.mail_from or None))
        if identity is not None and not self.ledger.undelivered(identity, entry.rcpt_tos):
            log.info("spool %s: message %s already delivered", entry.id, identity.key)
            await self.spool.done(entry)
            return
        key = identity.key if identity is not None else None
        if key is not None and key in self.inflight and job.dispatched is None:
            self.later(job, 1.0)  # the same message in two transactions at once: one by one
            return
        if key is not None:
            self.inflight.add(key)
        try:
            if job.dispatched is None:
                job.dispatched = await self._dispatch(entry, job.raw, mail, identity)
            kept = await self._apply(job, entry, mail, job.dispatched)
            if kept:  # for each of its recipients: a retransmission is not kept twice
                if identity is not None:
                    await self.ledger.add(identity, entry.rcpt_tos)
                await self.spool.keep(entry, "held")
            elif identity is not None:
                path = self.spool.path_of(entry)
                await self.ledger.add(identity, job.delivered, then_remove=path)
            else:
                await self.spool.done(entry)
        finally:
            if key is not None:
                self.inflight.discard(key)

    async def _dispatch(
        self, entry: Entry, raw: bytes, mail: Mail, identity: MessageIdentity | None
    ) -> Outcome | None:
        """None when no Contact can be made or dispatch fails: the message is delivered."""
        try:
            peer, helo = entry.extra.get("peer"), entry.extra.get("helo")
            seen = Seen(mail_from=entry.mail_from or None, peer=peer, helo=helo)
            contact = to_contact(
                mail,
                envelope_from=entry.mail_from or None,
                received_at=entry.received_at,
                destination=self._destination(entry.rcpt_tos),
                external_id=identity.external_id if identity else f"smtp:{entry.id}",
                evidence={"envelope_to": list(entry.rcpt_tos), "spool_id": entry.id},
                auth=await self.auth.check(raw, mail.from_address, seen),
            )
            reply_to = entry.mail_from or None
            outcome = await self.gateway.handle(contact, reply_channel(mail, reply_to))
            log_no_reply(outcome, mail, reply_to)
            return outcome
        except IdentityError:
            log.warning("spool %s: no readable sender; delivered unrecorded", entry.id)
        except Exception:
            log.exception("spool %s: dispatch failed; delivered (fail open)", entry.id)
        return None

    def _destination(self, rcpt_tos: tuple[str, ...]) -> str:
        """The recipient the rules see: a protected one (complaints@...) if any is, by the
        policy's own matcher."""
        return next((r for r in rcpt_tos if self.gateway.is_protected(r)), rcpt_tos[0])

    async def _apply(self, job: Job, entry: Entry, mail: Mail, outcome: Outcome | None) -> bool:
        """Applies the outcome; True when the message is kept in held/ rather than sent. A
        duplicate (the same message in another transaction) sends no second notice."""
        action = outcome.action if outcome is not None else Action.deliver
        if action is Action.redirect and outcome is not None and outcome.destination:
            if self.ledger.undelivered(job.identity, (outcome.destination,)):
                relay = self._relay_for(outcome.destination)
                raw = redirect_headers(outcome) + job.raw
                await self._send(job, relay, entry.mail_from, (outcome.destination,), raw)
        elif action in (Action.deliver, Action.redirect):
            if rcpts := self.ledger.undelivered(job.identity, entry.rcpt_tos):
                await self._send(job, self.relays["downstream"], entry.mail_from, rcpts)
        elif outcome is not None and outcome.notice is not None and not outcome.duplicate:
            await self._queue_notice(entry, mail, outcome.notice, outcome.notice_to)
        log.debug(
            "spool %s: contact %s %s (message %s)",
            entry.id, outcome.contact_id if outcome else None, action.value,
            job.identity.key if job.identity else None,
        )  # fmt: skip
        return action in (Action.refuse, Action.hold)

    def _relay_for(self, address: str) -> Relay:
        if self.config.accepts(address):
            return self.relays["downstream"]
        return self.relays["outbound"]

    async def _queue_notice(self, entry: Entry, mail: Mail, text: str, to: str | None) -> None:
        """The auto-reply is spooled like any message, so it survives a restart too. It goes
        to the customer's own address on record (`Outcome.notice_to`), never elsewhere."""
        if to is None:
            return
        sender = self.config.notice_from or entry.rcpt_tos[0]
        reply = auto_reply(
            mail, text, from_address=sender, at=self.gateway.clock.now(),
            from_name=self.gateway.settings.organisation.name, to_address=to,
        )  # fmt: skip
        notice = Entry(
            id=f"{new_id()}-notice", kind="relay", mail_from="", rcpt_tos=(to,),
            received_at=entry.received_at, target="outbound",
        )  # fmt: skip
        await self.spool.put(notice, reply)
        self.submit(Job(entry=notice, raw=reply))

    async def _send(
        self, job: Job, relay: Relay, sender: str, rcpts: tuple[str, ...], raw: bytes | None = None
    ) -> None:
        entry = job.entry
        assert entry is not None
        try:
            sent = await relay.send(sender, rcpts, job.raw if raw is None else raw)
        except DeliveryError as exc:
            if exc.temporary:
                raise
            log.error("spool %s: refused for good by %s; kept in failed/", entry.id, relay.endpoint)
            await self.spool.copy_to_failed(entry, job.raw)
            return
        not_taken = {*sent.temporary, *sent.permanent}
        job.delivered.extend(r for r in rcpts if r not in not_taken)
        if sent.permanent:
            log.error("spool %s: %d recipient(s) refused for good", entry.id, len(sent.permanent))
            refused = replace(entry, id=f"{entry.id}-refused", rcpt_tos=tuple(sent.permanent))
            await self.spool.copy_to_failed(refused, job.raw)
        if sent.temporary:
            if raw is None:  # the original envelope: keep only the recipients still to try
                job.entry = replace(entry, rcpt_tos=tuple(sent.temporary))
                await self.spool.rewrite(job.entry, job.raw)
            raise DeliveryError(f"{len(sent.temporary)} recipient(s) deferred", temporary=True)


def seen_by(session: object) -> dict[str, str]:
    """The SMTP client's address and HELO name, kept with the spooled message."""
    peer, helo = getattr(session, "peer", None), getattr(session, "host_name", None)
    seen = {"peer": str(peer[0])} if isinstance(peer, tuple) and peer else {}
    return {**seen, "helo": str(helo)} if helo else seen


def _id(job: Job) -> str:
    return job.entry.id if job.entry else (job.path.stem if job.path else "?")
