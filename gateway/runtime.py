"""The one way through: snapshot, decide, then one store call that records and counts the
contact, saves the decision and counts its notice; flags off the hot path. Channels call
`Gateway.handle(contact, reply)` (gateway/handle.py) and render its Outcome."""

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
from gateway.notice_to import notice_address
from gateway.notices import NoticeRenderer
from gateway.outcome import Dispatched
from gateway.services import ChannelServices
from gateway.settings import Settings
from gateway.store.base import Recorded, StoredDecision, StoredFlag, StoreError, Windows
from gateway.store.ports import Store
from policy_core import Routes, compute_flags, decide
from policy_core.london import london_day
from policy_core.models import (
    Action,
    Channel,
    Contact,
    Decision,
    Flag,
    RecentContacts,
    RuleHit,
    Snapshot,
)
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

    async def dispatch(
        self, contact: Contact, *, notice: bool = False, reply_to: str | None = None
    ) -> Dispatched:
        """Never raises for a store outage: the contact is journalled and delivered. With
        `notice`, a refusal's notice is counted against the sender's daily allowance on the
        contact's channel (`notice_allowed`); a retry of the same contact gets the same answer.
        An e-mail's notice is asked for only when it may go to the customer's own address on
        record (`notice_to`, from `reply_to` and the sender: gateway/notice_to.py)."""
        with metrics.DISPATCH_SECONDS.time():
            result = await self._dispatch(contact, notice, reply_to)
        metrics.CONTACTS.labels(contact.channel.value, result.decision.action.value).inc()
        return result

    async def _dispatch(self, contact: Contact, notice: bool, reply_to: str | None) -> Dispatched:
        try:
            decision, recorded, notice_to = await self._record(contact, notice, reply_to)
        except StoreError:
            log.warning("store unreachable: contact on %s journalled, delivered", contact.channel)
            await self.journal.append(contact)
            metrics.FAIL_OPEN.inc()
            decision = Decision(action=Action.deliver, reasons=(FAIL_OPEN,))
            return Dispatched(contact, decision, None, contact.sender.key, fail_open=True)
        contact_id, customer_key = recorded.contact_id, recorded.customer_key
        if recorded.duplicate_of is not None:
            earlier = recorded.duplicate_of
            return Dispatched(
                contact, earlier.decision, contact_id, customer_key, duplicate=True,
                notice_allowed=earlier.notice_allowed, notice_to=notice_to,
            )  # fmt: skip
        flags = compute_flags(contact, decision, recorded.recent, self.profile)
        decision = decision.model_copy(update={"flags": flags})
        result = Dispatched(
            contact, decision, contact_id, customer_key,
            notice_allowed=recorded.notice_allowed, notice_to=notice_to,
        )  # fmt: skip
        if flags:
            day = london_day(contact.received_at)
            self._flags.put_nowait((customer_key, list(flags), day, contact_id))
        for watcher in self._watchers:
            watcher.put_nowait(result)
        log.info(
            "contact %s on %s: %s (%s)", contact_id, contact.channel.value,
            decision.action.value, ", ".join(r.rule for r in decision.reasons),
        )  # fmt: skip
        return result

    async def _record(
        self, contact: Contact, notice: bool = False, reply_to: str | None = None
    ) -> tuple[Decision, Recorded, str | None]:
        """The hot path: the snapshot, the decision, and one store call to record it all. The
        decision is saved as the rules made it; the flags from the counts come after."""
        snapshot = await self.store.resolve(contact.sender)
        decision = self._decide(contact, snapshot)
        limit, notice_to = None, None
        if contact.channel is Channel.email:
            notice_to = notice_address(contact, snapshot, reply_to)
            notice = notice and notice_to is not None
        if notice and decision.action is Action.refuse:
            limit = self.profile.notices_per_sender_per_day
        recorded = await self.store.record(contact, decision, self.windows, limit)
        return decision, recorded, notice_to

    def _decide(self, contact: Contact, snapshot: Snapshot) -> Decision:
        return decide(contact, snapshot, self.profile, contact.received_at, routes=self.routes)

    async def check(self, contact: Contact) -> Decision:
        """A dry run: the decision and flags this contact would get now, recording nothing.
        The counts are the contact log's as it stands, plus this contact."""
        snapshot = await self.store.resolve(contact.sender)
        decision = self._decide(contact, snapshot)
        key = snapshot.customer.ref if snapshot.customer else contact.sender.key
        logged = await self.store.contacts(key, limit=CHECK_LOOKBACK)
        recent = recent_from_log(contact, logged, self.windows)
        flags = compute_flags(contact, decision, recent, self.profile)
        return decision.model_copy(update={"flags": flags})

    async def replay_journal(self) -> int:
        """Records what the store missed, decided as now (they were delivered meanwhile)."""

        async def record(contact: Contact) -> None:
            await self._record(contact)  # no notice: the contact was delivered meanwhile

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
