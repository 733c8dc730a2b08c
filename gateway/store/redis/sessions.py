"""Signed-in users' sessions in the Redis store: one key a session, `session:ID`, holding its
expiry (epoch milliseconds) and expiring with it, so nothing needs sweeping."""

from __future__ import annotations

import datetime as dt

from gateway.store.redis.connection import Connection, unreachable


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


class Sessions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _key(self, session_id: str) -> str:
        return self.conn.prefix + "session:" + session_id

    async def create_session(
        self, session_id: str, expires_at: dt.datetime, now: dt.datetime
    ) -> None:
        # Redis expires the key on its own clock; the stored expiry is checked on ours.
        ttl = max(1, _ms(expires_at) - _ms(now))
        with unreachable():
            await self.conn.client.set(self._key(session_id), _ms(expires_at), px=ttl)

    async def revoke_session(self, session_id: str) -> None:
        with unreachable():
            await self.conn.client.delete(self._key(session_id))

    async def session_live(self, session_id: str, now: dt.datetime) -> bool:
        with unreachable():
            expires = await self.conn.client.get(self._key(session_id))
        return expires is not None and int(expires) > _ms(now)
