"""The shared store, for several gateways behind a load balancer. The hot path, `arrive()`, is
one EVALSHA: the script resolves the sender, reads the customer and their cases' snapshot parts,
records and counts the contact, and returns it all. The snapshot thus always comes back fresh
(and is parsed again only when its text changed); the in-process cache, invalidated through
pub/sub, serves `resolve()`: the agents' banner and dry-run checks."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from gateway.store import common
from gateway.store import redis_scripts as lua
from gateway.store.base import (
    Arrival,
    Decider,
    IdentityConflict,
    NotFound,
    StoredDecision,
    StoreError,
    Windows,
)
from gateway.store.redis_cache import SnapshotCache, listen
from gateway.store.redis_reports import RedisReports, unreachable
from gateway.store.snapshots import SnapshotMemo, case_part
from gateway.tasks import cancel_and_wait
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Channel, Contact, Customer, Decision, RecentContacts, Snapshot

CLIENT_NAME = "contact-gateway"
RECENT_TTL = 8 * 86_400
SCRIPTS = ("RESOLVE", "ARRIVE", "PUT_CUSTOMER", "PUT_CASE", "SAVE_DECISION", "ADD_FLAGS")


class RedisStore(RedisReports):
    def __init__(self, url: str, prefix: str = "cg:") -> None:
        super().__init__(prefix)
        parse_url(url)  # a malformed URL is a configuration error (ValueError), found early
        self.url = url
        self.cache = SnapshotCache()
        self._memo = SnapshotMemo()
        self._invalidations: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def _connect(self, name: str, retries: int, **options: Any) -> aioredis.Redis:
        # One immediate retry reconnects a pooled connection that a Redis restart closed; more
        # would only delay failing open.
        retry = Retry(NoBackoff(), retries, supported_errors=(RedisConnectionError,))
        return aioredis.Redis.from_url(
            self.url,
            decode_responses=True,
            client_name=name,
            retry=retry,
            socket_connect_timeout=1.0,
            **options,
        )

    async def open(self) -> None:
        """Never fails because Redis is down: operations raise StoreError until it answers."""
        if self._client is not None:
            return
        self._client = client = self._connect(CLIENT_NAME, 1, socket_timeout=2.0)
        for name in (*SCRIPTS, "SET_DURATION"):
            self._scripts[name] = client.register_script(getattr(lua, name))
        with contextlib.suppress(RedisError):
            async with client.pipeline(transaction=False) as pipe:
                for script in self._scripts.values():
                    pipe.script_load(script.script)
                await pipe.execute()
        # Its own connection, never retried behind our back: a dropped subscription must be
        # noticed, since invalidations are lost while it is down.
        self._invalidations = self._connect(CLIENT_NAME + "-invalidations", 0)
        listener = listen(self._invalidations, self.prefix + "invalidate", self.cache)
        self._listener = asyncio.create_task(listener, name="store-invalidations")

    async def close(self) -> None:
        client, listener, invalidations = self._client, self._listener, self._invalidations
        self._client = self._invalidations = self._listener = None
        if listener is not None:
            await cancel_and_wait([listener])
        for opened in (invalidations, client):
            if opened is not None:
                await opened.aclose()

    async def ping(self) -> bool:
        try:
            with unreachable():
                return bool(await self.client.ping())
        except StoreError:
            return False

    # customers and cases

    async def put_customer(self, customer: Customer) -> None:
        bound = common.bindings(customer)
        args: list[str | int] = [customer.ref, customer.model_dump_json()]
        args.append(common.search_name(customer.name))
        for key, (_, index) in bound.items():
            args += [key, f"{customer.ref}|{'' if index is None else index}"]
        conflict = await self._script("PUT_CUSTOMER", *args)
        if conflict:
            key, owner = conflict
            raise IdentityConflict(bound[key][0], owner)
        self.cache.invalidate(customer.ref)

    async def get_customer(self, ref: str) -> Customer | None:
        with unreachable():
            blob = await self.client.get(self.prefix + "customer:" + ref)
        return None if blob is None else Customer.model_validate_json(blob)

    async def resolve(self, identity: Identity) -> Snapshot:
        cached = self.cache.get(identity.key)
        if cached is not None:
            return cached
        generation = self.cache.generation
        ref, representative, customer, parts = await self._script("RESOLVE", identity.key)
        snapshot = self._snapshot(ref, representative, customer, parts)
        if ref is not None:
            self.cache.put(identity.key, ref, snapshot, generation)
        return snapshot

    def _snapshot(
        self, ref: str | None, representative: str | None, customer: str | None, parts: list[str]
    ) -> Snapshot:
        if ref is None or customer is None:
            return Snapshot()
        index = int(representative) if representative else None
        return self._memo.snapshot(ref, customer, parts, index)

    async def put_case(self, case: Case) -> None:
        args = (case.id, case.customer_ref, case.model_dump_json(), case_part(case) or "")
        if not await self._script("PUT_CASE", *args):
            raise NotFound(f"no customer {case.customer_ref} for case {case.id}")
        self.cache.invalidate(case.customer_ref)

    async def get_case(self, case_id: str) -> Case | None:
        with unreachable():
            blob = await self.client.get(self.prefix + "case:" + case_id)
        return None if blob is None else Case.model_validate_json(blob)

    # the hot path

    async def arrive(self, contact: Contact, windows: Windows) -> Arrival:
        bounds = common.Bounds.of(contact.received_at, windows)
        day = common.local_day(contact.received_at).isoformat()
        reply = await self._script(
            "ARRIVE",
            *(contact.sender.key, contact.channel.value, contact.external_id or ""),
            *(common.new_contact_id(), bounds.at, day),
            *(common.contact_json(contact), common.similarity_text(contact)),
            *(bounds.hour, bounds.day, bounds.week, bounds.scattergun, bounds.repeated),
            *(common.DAILY_TTL_SECONDS, RECENT_TTL, (windows.repeated_days + 1) * 86_400),
            -(common.EARLIER_TEXTS + 2),  # keeps this contact's text and the earlier ones
        )
        key, contact_id, stored, ref, representative, customer, parts, *counts = reply
        hour, last_day, week, channels, texts = counts
        earlier = [t for i, _, t in (text.partition("|") for text in texts) if i != contact_id]
        recent = RecentContacts(
            last_hour=hour,
            last_day=last_day,
            last_week=week,
            channels_in_window=frozenset(Channel(m.rpartition("|")[2]) for m in channels),
            earlier_texts=tuple(earlier[: common.EARLIER_TEXTS]),
        )
        return Arrival(
            contact_id=contact_id,
            customer_key=key,
            snapshot=self._snapshot(ref, representative, customer, parts),
            recent=recent,
            duplicate_of=_stored(contact_id, contact.channel, stored),
        )

    async def save_decision(self, arrival: Arrival, contact: Contact, decision: Decision) -> str:
        contact_id = arrival.contact_id
        item = common.held_item(arrival, contact, decision)
        saved = await self._script(
            "SAVE_DECISION",
            *(contact_id, arrival.customer_key, decision.model_dump_json(fallback=str)),
            common.epoch_ms(contact.received_at),
            common.held_id(contact_id),
            "" if item is None else item.model_dump_json(fallback=str),
        )
        if saved == -1:
            raise NotFound(f"no contact {contact_id}")
        return common.decision_id(contact_id)

    async def record(
        self, contact: Contact, windows: Windows, decide: Decider
    ) -> tuple[Arrival, Decision]:
        """Two round trips: the hot path's script, then saving the decision."""
        arrival = await self.arrive(contact, windows)
        if arrival.duplicate_of is not None:
            return arrival, arrival.duplicate_of.decision
        decision = decide(contact, arrival)
        await self.save_decision(arrival, contact, decision)
        return arrival, decision


def _stored(
    contact_id: str, channel: Channel, stored: list[str | None] | None
) -> StoredDecision | None:
    """The decision saved for a contact seen before (the script's HMGET of it), if any."""
    if stored is None:
        return None
    key, at, decision, duration = stored
    if key is None or at is None or decision is None:
        return None
    return StoredDecision(
        id=common.decision_id(contact_id),
        contact_id=contact_id,
        customer_key=key,
        channel=channel,
        received_at=common.from_ms(int(at)),
        decision=Decision.model_validate_json(decision),
        duration_seconds=None if duration is None else int(duration),
    )
