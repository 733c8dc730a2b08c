"""The Redis store's snapshot cache follows invalidations: a snapshot is dropped when any
gateway publishes that its customer or case changed. The cache is only trusted while this
process is subscribed: when the subscription drops it empties and stays dark until it is back."""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.store.snapshots import SnapshotCache

log = logging.getLogger("contact_gateway.store.redis")


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
