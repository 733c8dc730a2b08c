"""The one way through: identify, snapshot, record and count, decide, persist, notify.
Channels call `Gateway.handle(contact, reply)` (gateway/handle.py) and render its Outcome."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from gateway import metrics
from gateway.clock import Clock
from gateway.handle import Handling
from gateway.journal import Journal
from gateway.notices import NoticeRenderer
from gateway.outcome import Dispatched
from gateway.services import ChannelServices
from gateway.settings import Settings
from gateway.store.base import (
    Arrival,
    Store,
    StoredDecision,
    StoredFlag,
    StoreError,
    Windows,
)
from policy_core import Routes, compute_flags, decide
from policy_core.london import london_day
from policy_core.models import Action, Contact, Decision, Flag, RecentContacts, RuleHit
from policy_core.profiles import Profile

log = logging.getLogger("contact_gateway.dispatch")

FlagListener = Callable[[StoredFlag], Awaitable[None]]


CHECK_LOOKBACK = 1000  # logged contacts a dry run counts from


def recent_from_log(
    contact: Contact, logged: list[StoredDecision], windows: Windows
) -> RecentContacts:
    """The recent counts from logged contacts, this one included (earlier texts are not in
    the log's decisions, so a dry run cannot spot a repeated complaint)."""
    at = contact.received_at
    before = [d for d in logged if d.received_at <= at]

    def within(span: dt.timedelta) -> list[StoredDecision]:
        return [d for d in before if d.received_at > at - span]

    scattergun = within(dt.timedelta(minutes=windows.scattergun_minutes))
    return RecentContacts(
        last_hour=1 + len(within(dt.timedelta(hours=1))),
        last_day=1 + len(within(dt.timedelta(days=1))),
        last_week=1 + len(within(dt.timedelta(days=7))),
        channels_in_window=frozenset({contact.channel, *(d.channel for d in scattergun)}),
    )


FAIL_OPEN = RuleHit(rule="fail_open", action=Action.deliver, detail="store unreachable: journalled")


class Gateway(Handling, ChannelServices):
    def __init__(
        self, settings: Settings, store: Store, profile: Profile, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or Clock(settings.clock.fixed)
        self.store = store
        self.profile = profile
        self.journal = Journal(settings.journal_path)
        self.notices = NoticeRenderer(settings.organisation)
        org = settings.organisation
        self.routes = Routes(
            emergency_email=org.emergency_email,
            emergency_phone=org.emergency_phone,
            postal_address=org.postal_address or None,
            appeal_address=org.appeal_address or None,
        )
        thresholds = profile.thresholds
        self.windows = Windows(
            scattergun_minutes=thresholds.scattergun.window_minutes,
            repeated_days=thresholds.repeated_complaint.days,
        )
        self.flag_listeners: list[FlagListener] = []
        self._flags: asyncio.Queue[tuple[str, list[Flag], dt.date, str | None]] = asyncio.Queue()
        self._watchers: set[asyncio.Queue[Dispatched]] = set()

    async def dispatch(self, contact: Contact) -> Dispatched:
        """Never raises for a store outage: the contact is journalled and delivered."""
        with metrics.DISPATCH_SECONDS.time():
            result = await self._dispatch(contact)
        metrics.CONTACTS.labels(contact.channel.value, result.decision.action.value).inc()
        return result

    async def _dispatch(self, contact: Contact) -> Dispatched:
        try:
            arrival, decision = await self.store.record(contact, self.windows, self._decide)
            if arrival.duplicate_of is not None:
                return Dispatched(
                    contact, decision, arrival.contact_id, arrival.customer_key, duplicate=True
                )
        except StoreError:
            log.warning("store unreachable: contact on %s journalled, delivered", contact.channel)
            await self.journal.append(contact)
            metrics.FAIL_OPEN.inc()
            decision = Decision(action=Action.deliver, reasons=(FAIL_OPEN,))
            return Dispatched(contact, decision, None, contact.sender.key, fail_open=True)
        result = Dispatched(contact, decision, arrival.contact_id, arrival.customer_key)
        if decision.flags:
            day = london_day(contact.received_at)
            self._flags.put_nowait(
                (arrival.customer_key, list(decision.flags), day, result.contact_id)
            )
        for watcher in self._watchers:
            watcher.put_nowait(result)
        log.info(
            "contact %s on %s: %s (%s)", arrival.contact_id, contact.channel.value,
            decision.action.value, ", ".join(r.rule for r in decision.reasons),
        )  # fmt: skip
        return result

    def _decide(self, contact: Contact, arrival: Arrival) -> Decision:
        decision = decide(
            contact, arrival.snapshot, self.profile, contact.received_at, routes=self.routes
        )
        flags = compute_flags(contact, decision, arrival.recent, self.profile)
        return decision.model_copy(update={"flags": flags})

    async def check(self, contact: Contact) -> Decision:
        """A dry run: the decision and flags this contact would get now, recording nothing.
        The counts are the contact log's as it stands, plus this contact."""
        snapshot = await self.store.resolve(contact.sender)
        decision = decide(contact, snapshot, self.profile, contact.received_at, routes=self.routes)
        key = snapshot.customer.ref if snapshot.customer else contact.sender.key
        logged = await self.store.contacts(key, limit=CHECK_LOOKBACK)
        recent = recent_from_log(contact, logged, self.windows)
        flags = compute_flags(contact, decision, recent, self.profile)
        return decision.model_copy(update={"flags": flags})

    async def replay_journal(self) -> int:
        async def record(contact: Contact) -> None:
            await self.store.record(contact, self.windows, self._decide)

        return await self.journal.replay(record)

    @contextlib.asynccontextmanager
    async def watch(self) -> AsyncIterator[asyncio.Queue[Dispatched]]:
        """Every decision from now on, for live pages (the agents' screen pop)."""
        queue: asyncio.Queue[Dispatched] = asyncio.Queue(maxsize=100)
        self._watchers.add(queue)
        try:
            yield queue
        finally:
            self._watchers.discard(queue)

    async def run_flags(self) -> None:
        """Off the hot path: keeps each flag once per kind per customer per day, then tells
        every listener (Slack, e-mail). A failing listener never stops the others."""
        while True:
            customer_key, flags, day, contact_id = await self._flags.get()
            try:
                stored = await self.store.add_flags(customer_key, flags, day, contact_id)
            except StoreError:
                log.warning("store unreachable: %d flag(s) retried later", len(flags))
                await asyncio.sleep(1)
                self._flags.put_nowait((customer_key, flags, day, contact_id))
                continue
            for flag in stored:
                for listener in self.flag_listeners:
                    try:
                        await listener(flag)
                    except Exception:
                        log.exception("flag listener failed for flag %s", flag.id)

    async def run_replay(self, every_seconds: float = 5.0) -> None:
        """Replays the journal whenever it has contacts and the store answers again."""
        while True:
            await asyncio.sleep(every_seconds)
            if self.journal.pending() and await self.store_up():
                try:
                    done = await self.replay_journal()
                    log.info("journal replayed: %d contact(s)", done)
                except StoreError:
                    continue

    async def store_up(self) -> bool:
        try:
            return await self.store.ping()
        except StoreError:
            return False
