"""The Redis store off the hot path: searches, the held queue, flags, notices, reports and the
audit trail, each one script or a few pipelined commands. Keys are described in redis_scripts."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from gateway.store import common
from gateway.store.base import (
    AuditEntry,
    DailyCount,
    HeldItem,
    NotFound,
    StoredDecision,
    StoredFlag,
    StoreError,
)
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Channel, Customer, Decision, Flag

NOTICE_TTL = 2 * 86_400
CONTACT_FIELDS = ("key", "channel", "at", "decision", "duration")


@contextlib.contextmanager
def unreachable() -> Iterator[None]:
    """Every Redis failure is a StoreError, so the gateway fails open."""
    try:
        yield
    except RedisError as exc:
        raise StoreError(f"redis: {exc}") from exc


def text(reply: bytes | str) -> str:
    """A reply as text (the store's clients decode replies; this keeps the types honest)."""
    return reply.decode() if isinstance(reply, bytes) else reply


class RedisReports:
    """The part of RedisStore that is not the hot path nor the customers' and cases' upkeep."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._client: aioredis.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}

    @property
    def client(self) -> aioredis.Redis:
        if self._client is None:
            raise StoreError("the store is not open")
        return self._client

    async def _script(self, name: str, *args: str | int) -> Any:
        with unreachable():
            return await self._scripts[name](args=(self.prefix, *args), client=self.client)

    async def find_customers(self, query: str, limit: int = 20) -> list[Customer]:
        p, typed = self.prefix, query.strip()
        folded = common.search_name(typed)
        refs: list[str] = []
        names: list[tuple[str, str]] = []
        with unreachable():
            with contextlib.suppress(ValueError):
                owner = await self.client.hget(p + "identities", Identity.guess(typed).key)
                if owner is not None:
                    refs.append(text(owner).rpartition("|")[0])
            async for field, value in self.client.hscan_iter(p + "names", count=1000):
                ref, name = text(field), text(value)
                if ref.casefold() == folded:
                    refs.insert(0, ref)
                names.append((ref, name))
            refs += sorted(ref for ref, name in names if folded in name)
            chosen = list(dict.fromkeys(refs))[:limit]
            blobs = await self._blobs("customer:", chosen)
        return [Customer.model_validate_json(blob) for blob in blobs]

    async def list_cases(self, customer_ref: str | None = None) -> list[Case]:
        found: Iterable[bytes | str]
        with unreachable():
            if customer_ref is None:
                found = await self.client.hkeys(self.prefix + "case-owner")
            else:
                found = await self.client.smembers(self.prefix + "cases:" + customer_ref)
            blobs = await self._blobs("case:", sorted(text(case_id) for case_id in found))
        return [Case.model_validate_json(blob) for blob in blobs]

    async def _blobs(self, kind: str, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        blobs = await self.client.mget([self.prefix + kind + i for i in ids])
        return [text(blob) for blob in blobs if blob is not None]

    async def _history(self, customer_key: str) -> list[str]:
        blob = await self.client.get(self.prefix + "customer:" + customer_key)
        customer = None if blob is None else Customer.model_validate_json(blob)
        return common.history_keys(customer_key, customer)

    async def _ranked(self, zsets: Iterable[str], newest_first: bool, stop: int = -1) -> list[str]:
        """Members of several sorted sets, merged by score (then member), as one would be."""
        async with self.client.pipeline(transaction=False) as pipe:
            for zset in zsets:
                if newest_first:
                    pipe.zrevrange(self.prefix + zset, 0, stop, withscores=True)
                else:
                    pipe.zrange(self.prefix + zset, 0, stop, withscores=True)
            replies: list[list[tuple[str, float]]] = await pipe.execute()
        scores = {member: score for reply in replies for member, score in reply}
        ordered = sorted(scores, key=lambda member: (scores[member], member), reverse=newest_first)
        return ordered if stop < 0 else ordered[: stop + 1]

    # flags and notices

    async def add_flags(
        self, customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None = None
    ) -> list[StoredFlag]:
        items = {item.id: item for item in common.new_flags(customer_key, flags, on, contact_id)}
        if not items:
            return []
        args: list[str | int] = [customer_key, on.isoformat(), common.DAILY_TTL_SECONDS]
        for item in items.values():
            args += [item.kind.value, item.id, item.model_dump_json(fallback=str)]
        return [items[flag_id] for flag_id in await self._script("ADD_FLAGS", *args)]

    async def acknowledge_flag(self, flag_id: str, actor: str) -> StoredFlag:
        with unreachable():
            blob = await self.client.get(self.prefix + "flag:" + flag_id)
            if blob is None:
                raise NotFound(f"no flag {flag_id}")
            item = StoredFlag.model_validate_json(blob)
            if item.acknowledged_by is None:
                item = item.model_copy(update={"acknowledged_by": actor})
                await self.client.set(self.prefix + "flag:" + flag_id, item.model_dump_json())
        return item

    async def list_flags(self, customer_key: str | None = None) -> list[StoredFlag]:
        with unreachable():
            if customer_key is None:
                zsets = ["flags-all"]
            else:
                zsets = ["flags-by:" + key for key in await self._history(customer_key)]
            blobs = await self._blobs("flag:", await self._ranked(zsets, newest_first=True))
        return [StoredFlag.model_validate_json(blob) for blob in blobs]

    async def allow_notice(
        self, sender_key: str, channel: Channel, on: dt.date, limit: int
    ) -> bool:
        key = f"{self.prefix}notice:{sender_key}:{channel.value}:{on.isoformat()}"
        with unreachable():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, NOTICE_TTL)
                count, _ = await pipe.execute()
        return int(count) <= limit

    # evidence and reports

    async def contacts(self, customer_key: str, limit: int = 100) -> list[StoredDecision]:
        if limit <= 0:
            return []
        with unreachable():
            keys = await self._history(customer_key)
            ids = await self._ranked(["decided:" + key for key in keys], True, limit - 1)
            async with self.client.pipeline(transaction=False) as pipe:
                for i in ids:
                    pipe.hmget(self.prefix + "contact:" + i, *CONTACT_FIELDS)
                rows: list[list[str | None]] = await pipe.execute()
        decided = []
        for contact_id, (key, channel, at, decision, duration) in zip(ids, rows, strict=True):
            if key is None or channel is None or at is None or decision is None:
                continue
            decided.append(
                StoredDecision(
                    id=common.decision_id(contact_id),
                    contact_id=contact_id,
                    customer_key=key,
                    channel=Channel(channel),
                    received_at=common.from_ms(int(at)),
                    decision=Decision.model_validate_json(decision),
                    duration_seconds=None if duration is None else int(duration),
                )
            )
        return decided

    async def daily_counts(
        self, customer_key: str, since: dt.date, until: dt.date
    ) -> list[DailyCount]:
        days = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
        with unreachable():
            keys = await self._history(customer_key)
            async with self.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    for day in days:
                        pipe.hgetall(f"{self.prefix}daily:{key}:{day.isoformat()}")
                buckets: list[dict[str, str]] = await pipe.execute()
        totals: defaultdict[tuple[dt.date, str], int] = defaultdict(int)
        for day, bucket in zip(days * len(keys), buckets, strict=True):
            for channel, count in bucket.items():
                totals[day, channel] += int(count)
        return [
            DailyCount(day=day, channel=Channel(channel), count=count)
            for (day, channel), count in sorted(totals.items())
        ]

    async def set_duration(self, channel: Channel, external_id: str, seconds: int) -> bool:
        return bool(await self._script("SET_DURATION", channel.value, external_id, seconds))

    # the held queue

    async def held(
        self, customer_key: str | None = None, pending_only: bool = False
    ) -> list[HeldItem]:
        with unreachable():
            if customer_key is None:
                queues = ["held-pending" if pending_only else "held-all"]
            else:
                queues = ["held-by:" + key for key in await self._history(customer_key)]
            blobs = await self._blobs("held:", await self._ranked(queues, newest_first=False))
        items = [HeldItem.model_validate_json(blob) for blob in blobs]
        return [item for item in items if item.triage == "pending" or not pending_only]

    async def triage(self, held_id: str, outcome: str, actor: str, note: str = "") -> HeldItem:
        common.check_outcome(outcome)
        with unreachable():
            blob = await self.client.get(self.prefix + "held:" + held_id)
            if blob is None:
                raise NotFound(f"no held contact {held_id}")
            item = HeldItem.model_validate_json(blob).model_copy(
                update={"triage": outcome, "triaged_by": actor, "note": note}
            )
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(self.prefix + "held:" + held_id, item.model_dump_json(fallback=str))
                pipe.zrem(self.prefix + "held-pending", held_id)
                await pipe.execute()
        return item

    # the audit trail

    async def audit(self, entry: AuditEntry) -> None:
        blob = entry.model_dump_json(fallback=str)
        with unreachable():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.rpush(self.prefix + "audit", blob)
                pipe.rpush(self.prefix + "audit:" + entry.subject, blob)
                await pipe.execute()

    async def audit_trail(self, subject: str | None = None) -> list[AuditEntry]:
        key = self.prefix + ("audit" if subject is None else "audit:" + subject)
        with unreachable():
            blobs = await self.client.lrange(key, 0, -1)
        return [AuditEntry.model_validate_json(blob) for blob in blobs]
