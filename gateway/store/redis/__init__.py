"""The shared store, for several gateways behind a load balancer. A contact costs one round
trip when its sender's snapshot is cached in process (kept fresh by pub/sub): the RECORD
script finds a duplicate or records, counts and saves it, with its notice, atomically. Its
parts, one module per concept, are composed here into the `Store`."""

from __future__ import annotations

from gateway.store.redis.connection import CLIENT_NAME, Connection
from gateway.store.redis.customers import Customers
from gateway.store.redis.evidence import Evidence
from gateway.store.redis.flags import Flags
from gateway.store.redis.hot_path import Recorder
from gateway.store.redis.sessions import Sessions
from gateway.store.redis.snapshots import Snapshots

__all__ = ["CLIENT_NAME", "RedisStore"]


class RedisStore:
    def __init__(self, url: str, prefix: str = "cg:") -> None:
        self.url, self.prefix = url, prefix
        conn = self.conn = Connection(url, prefix)
        self.snapshots = snapshots = Snapshots(conn)
        self.cache = snapshots.cache
        customers, evidence, flags = Customers(conn, snapshots), Evidence(conn), Flags(conn)
        self.ping = conn.ping
        # the hot path
        self.resolve = snapshots.resolve
        self.record = Recorder(conn).record
        self.add_flags = flags.add_flags
        # casework
        self.put_customer, self.get_customer = customers.put_customer, customers.get_customer
        self.find_customers = customers.find_customers
        self.put_case, self.get_case = customers.put_case, customers.get_case
        self.list_cases = customers.list_cases
        self.contacts, self.daily_counts = evidence.contacts, evidence.daily_counts
        self.set_duration = evidence.set_duration
        self.held, self.triage = evidence.held, evidence.triage
        self.acknowledge_flag, self.list_flags = flags.acknowledge_flag, flags.list_flags
        self.audit, self.audit_trail = flags.audit, flags.audit_trail
        # signed-in users
        sessions = Sessions(conn)
        self.create_session, self.revoke_session = sessions.create_session, sessions.revoke_session
        self.session_live = sessions.session_live

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    async def open(self) -> None:
        """Never fails because Redis is down: operations raise StoreError until it answers."""
        if self.conn.opened:
            return
        await self.conn.open()
        await self.snapshots.open()

    async def close(self) -> None:
        await self.snapshots.close()
        await self.conn.close()
