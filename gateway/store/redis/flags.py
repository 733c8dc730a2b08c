"""Flags, notices and the audit trail in the Redis store."""

from __future__ import annotations

import datetime as dt

from gateway.store import common
from gateway.store.base import AuditEntry, NotFound, StoredFlag
from gateway.store.redis.connection import Connection, unreachable
from policy_core.models import Flag


class Flags:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add_flags(
        self, customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None = None
    ) -> list[StoredFlag]:
        items = {item.id: item for item in common.new_flags(customer_key, flags, on, contact_id)}
        if not items:
            return []
        args: list[str | int] = [customer_key, on.isoformat(), common.DAILY_TTL_SECONDS]
        for item in items.values():
            args += [item.kind.value, item.id, item.model_dump_json(fallback=str)]
        return [items[flag_id] for flag_id in await self.conn.script("ADD_FLAGS", *args)]

    async def acknowledge_flag(self, flag_id: str, actor: str) -> StoredFlag:
        with unreachable():
            blob = await self.conn.client.get(self.conn.prefix + "flag:" + flag_id)
            if blob is None:
                raise NotFound(f"no flag {flag_id}")
            item = StoredFlag.model_validate_json(blob)
            if item.acknowledged_by is None:
                item = item.model_copy(update={"acknowledged_by": actor})
                await self.conn.client.set(
                    self.conn.prefix + "flag:" + flag_id, item.model_dump_json()
                )
        return item

    async def list_flags(self, customer_key: str | None = None) -> list[StoredFlag]:
        with unreachable():
            if customer_key is None:
                zsets = ["flags-all"]
            else:
                zsets = ["flags-by:" + key for key in await self.conn.history(customer_key)]
            blobs = await self.conn.blobs("flag:", await self.conn.ranked(zsets, newest_first=True))
        return [StoredFlag.model_validate_json(blob) for blob in blobs]

    async def audit(self, entry: AuditEntry) -> None:
        blob = entry.model_dump_json(fallback=str)
        with unreachable():
            async with self.conn.client.pipeline(transaction=True) as pipe:
                pipe.rpush(self.conn.prefix + "audit", blob)
                pipe.rpush(self.conn.prefix + "audit:" + entry.subject, blob)
                await pipe.execute()

    async def audit_trail(self, subject: str | None = None) -> list[AuditEntry]:
        key = self.conn.prefix + ("audit" if subject is None else "audit:" + subject)
        with unreachable():
            blobs = await self.conn.client.lrange(key, 0, -1)
        return [AuditEntry.model_validate_json(blob) for blob in blobs]
