"""The Redis store's connection: one client (one immediate retry), its scripts, and the small
reads that its parts share. Keys are described in scripts.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

import gateway.store.redis.scripts as lua
from gateway.store import common
from gateway.store.base import StoreError
from policy_core.models import Customer

CLIENT_NAME = "contact-gateway"
SCRIPTS = ("RESOLVE", "RECORD", "PUT_CUSTOMER", "PUT_CASE", "ADD_FLAGS", "SET_DURATION")


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


class Connection:
    def __init__(self, url: str, prefix: str) -> None:
        parse_url(url)  # a malformed URL is a configuration error (ValueError), found early
        self.url, self.prefix = url, prefix
        self._client: aioredis.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}

    def connect(self, name: str, retries: int, **options: Any) -> aioredis.Redis:
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
        self._client = client = self.connect(CLIENT_NAME, 1, socket_timeout=2.0)
        for name in SCRIPTS:
            self._scripts[name] = client.register_script(getattr(lua, name))
        with contextlib.suppress(RedisError):
            async with client.pipeline(transaction=False) as pipe:
                for script in self._scripts.values():
                    pipe.script_load(script.script)
                await pipe.execute()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    @property
    def opened(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> aioredis.Redis:
        if self._client is None:
            raise StoreError("the store is not open")
        return self._client

    async def ping(self) -> bool:
        try:
            with unreachable():
                return bool(await self.client.ping())
        except StoreError:
            return False

    async def script(self, name: str, *args: str | int) -> Any:
        with unreachable():
            return await self._scripts[name](args=(self.prefix, *args), client=self.client)

    async def blobs(self, kind: str, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        blobs = await self.client.mget([self.prefix + kind + i for i in ids])
        return [text(blob) for blob in blobs if blob is not None]

    async def history(self, customer_key: str) -> list[str]:
        blob = await self.client.get(self.prefix + "customer:" + customer_key)
        customer = None if blob is None else Customer.model_validate_json(blob)
        return common.history_keys(customer_key, customer)

    async def ranked(self, zsets: Iterable[str], newest_first: bool, stop: int = -1) -> list[str]:
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
