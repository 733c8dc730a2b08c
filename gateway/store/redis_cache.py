"""Snapshots cached in process for lookups (the agents' banner, dry-run checks), dropped when
any gateway publishes that a customer or case changed. The cache is only trusted while this
process is subscribed: when the subscription drops it empties and stays dark until it is back."""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from policy_core.models import Snapshot

log = logging.getLogger("contact_gateway.store.redis")


class SnapshotCache:
    """Snapshots by identity key, for known senders only (an unknown sender is never cached,
    so linking an address to a customer needs no invalidation for it)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.live = False
        self.generation = 0  # bumped by every invalidation: a lookup begun before is not kept
        self._snapshots: dict[str, tuple[str, Snapshot]] = {}
        self._keys_of: dict[str, set[str]] = {}

    def get(self, identity_key: str) -> Snapshot | None:
        if not self.live:
            return None
        found = self._snapshots.get(identity_key)
        return None if found is None else found[1]

    def put(self, identity_key: str, ref: str, snapshot: Snapshot, generation: int) -> None:
        if not self.live or generation != self.generation:
            return
        if len(self._snapshots) >= self.limit:
            self.clear()
            return
        self._snapshots[identity_key] = (ref, snapshot)
        self._keys_of.setdefault(ref, set()).add(identity_key)

    def invalidate(self, ref: str) -> None:
        self.generation += 1
        for key in self._keys_of.pop(ref, set()):
            self._snapshots.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._snapshots.clear()
        self._keys_of.clear()


async def listen(client: aioredis.Redis, channel: str, cache: SnapshotCache) -> None:
    """Runs until cancelled: keeps `cache` subscribed to invalidations on `channel`."""
    pause = 0.1
    while True:
        try:
            await _follow(client, channel, cache)
        except (RedisError, OSError) as exc:
            _stop_if_cancelled()
            if cache.live:
                log.warning("snapshot invalidations lost (%s): cache off until resubscribed", exc)
            cache.live = False
            cache.clear()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
        else:
            pause = 0.1


async def _follow(client: aioredis.Redis, channel: str, cache: SnapshotCache) -> None:
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(channel)
        while True:
            _stop_if_cancelled()
            message = await pubsub.get_message(timeout=30.0)
            if message is None:
                continue
            if message["type"] == "subscribe":
                cache.clear()  # what changed while we were away is unknown
                cache.live = True
            elif message["type"] == "message":
                cache.invalidate(_text(message["data"]))
    finally:
        cache.live = False
        await pubsub.aclose()


def _stop_if_cancelled() -> None:
    """redis-py may turn a cancellation inside its timeouts into a TimeoutError."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data
