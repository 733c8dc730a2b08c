"""Evidence in the Redis store: the contact log, daily counts, call durations and the held
queue, each one script or a few pipelined commands."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from gateway.store import common
from gateway.store.base import DailyCount, HeldItem, NotFound, StoredDecision
from gateway.store.redis.connection import Connection, unreachable
from policy_core.models import Channel

CONTACT_FIELDS = ("key", "channel", "at", "decision", "duration", "notice")


class Evidence:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def contacts(self, customer_key: str, limit: int = 100) -> list[StoredDecision]:
        if limit <= 0:
            return []
        with unreachable():
            keys = await self.conn.history(customer_key)
            ids = await self.conn.ranked(["decided:" + key for key in keys], True, limit - 1)
            async with self.conn.client.pipeline(transaction=False) as pipe:
                for i in ids:
                    pipe.hmget(self.conn.prefix + "contact:" + i, *CONTACT_FIELDS)
                rows: list[list[str | None]] = await pipe.execute()
        decided = []
        for contact_id, (key, channel, at, decision, duration, notice) in zip(
            ids, rows, strict=True
        ):
            if key is None or channel is None or at is None or decision is None:
                continue
            decided.append(
                common.stored_decision(contact_id, key, channel, at, decision, duration, notice)
            )
        return decided

    async def daily_counts(
        self, customer_key: str, since: dt.date, until: dt.date
    ) -> list[DailyCount]:
        days = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
        with unreachable():
            keys = await self.conn.history(customer_key)
            async with self.conn.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    for day in days:
                        pipe.hgetall(f"{self.conn.prefix}daily:{key}:{day.isoformat()}")
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
        return bool(await self.conn.script("SET_DURATION", channel.value, external_id, seconds))

    async def held(
        self, customer_key: str | None = None, pending_only: bool = False
    ) -> list[HeldItem]:
        with unreachable():
            if customer_key is None:
                queues = ["held-pending" if pending_only else "held-all"]
            else:
                queues = ["held-by:" + key for key in await self.conn.history(customer_key)]
            blobs = await self.conn.blobs(
                "held:", await self.conn.ranked(queues, newest_first=False)
            )
        items = [HeldItem.model_validate_json(blob) for blob in blobs]
        return [item for item in items if item.triage == "pending" or not pending_only]

    async def triage(self, held_id: str, outcome: str, actor: str, note: str = "") -> HeldItem:
        common.check_outcome(outcome)
        with unreachable():
            blob = await self.conn.client.get(self.conn.prefix + "held:" + held_id)
            if blob is None:
                raise NotFound(f"no held contact {held_id}")
            item = HeldItem.model_validate_json(blob).model_copy(
                update={"triage": outcome, "triaged_by": actor, "note": note}
            )
            async with self.conn.client.pipeline(transaction=True) as pipe:
                pipe.set(self.conn.prefix + "held:" + held_id, item.model_dump_json(fallback=str))
                pipe.zrem(self.conn.prefix + "held-pending", held_id)
                await pipe.execute()
        return item
