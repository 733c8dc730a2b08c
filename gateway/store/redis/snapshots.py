"""`resolve` on the Redis store: from the in-process cache (kept fresh by pub/sub, cache.py)
when it can, else one script that reads the sender's binding, customer and case parts."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from gateway.store.redis.cache import listen
from gateway.store.redis.connection import CLIENT_NAME, Connection
from gateway.store.snapshots import SnapshotCache, SnapshotMemo
from gateway.tasks import cancel_and_wait
from policy_core.identities import Identity
from policy_core.models import Snapshot


class Snapshots:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache = SnapshotCache()
        self._memo = SnapshotMemo()
        self._invalidations: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None

    async def open(self) -> None:
        # Its own connection, never retried behind our back: a dropped subscription must be
        # noticed, since invalidations are lost while it is down.
        self._invalidations = self.conn.connect(CLIENT_NAME + "-invalidations", 0)
        channel = self.conn.prefix + "invalidate"
        listener = listen(self._invalidations, channel, self.cache)
        self._listener = asyncio.create_task(listener, name="store-invalidations")

    async def close(self) -> None:
        listener, invalidations = self._listener, self._invalidations
        self._listener = self._invalidations = None
        if listener is not None:
            await cancel_and_wait([listener])
        if invalidations is not None:
            await invalidations.aclose()

    async def resolve(self, identity: Identity) -> Snapshot:
        cached = self.cache.get(identity.key)
        if cached is not None:
            return cached
        generation = self.cache.generation
        ref, representative, customer, parts = await self.conn.script("RESOLVE", identity.key)
        if ref is None or customer is None:
            return Snapshot()
        index = int(representative) if representative else None
        snapshot = self._memo.snapshot(ref, customer, parts, index)
        self.cache.put(identity.key, ref, snapshot, generation)
        return snapshot
