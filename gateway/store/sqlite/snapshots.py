"""`resolve` on the SQLite store: from the in-process cache, else one read on the reader
connection (which never waits behind the writer's durable commit).

The cache holds what was read at one snapshot generation of the file (database.generation):
every write to customers, identities or cases bumps it, whichever process writes. This
process's own such writes empty the cache as they return; another process's (the `import`
command beside `serve`) are noticed within RECHECK_SECONDS, when the generation is read again,
as Redis's pub/sub invalidation arrives within moments. Recording contacts leaves the
generation alone, so a busy gateway keeps its cache. (Reading the generation for every contact
instead cost about 140 microseconds of the event loop each, waiting on the writer thread.)"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from gateway.store.snapshots import SnapshotMemo
from gateway.store.sqlite import customers
from gateway.store.sqlite.database import Database
from policy_core.identities import Identity
from policy_core.models import Snapshot

P = ParamSpec("P")
T = TypeVar("T")
MAX_CACHED = 100_000  # senders; past it the cache starts again rather than grow
RECHECK_SECONDS = 0.1


class Snapshots:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache: dict[str, Snapshot] = {}
        self._generation: int | None = None  # what the cache holds was read at this one
        self._recheck_at = 0.0  # time.monotonic(): an interval, not a time of day
        self._memo = SnapshotMemo()
        self._read = db.bind(self._read_snapshot, reads=True)

    async def resolve(self, identity: Identity) -> Snapshot:
        self._recheck()
        if self._generation is not None and (cached := self.cache.get(identity.key)):
            return cached
        snapshot, read_at = await self._read(identity)
        if read_at == self._generation:
            if len(self.cache) >= MAX_CACHED:
                self.cache.clear()
            self.cache[identity.key] = snapshot
        return snapshot

    def changing(
        self, write: Callable[P, Coroutine[Any, Any, T]]
    ) -> Callable[P, Coroutine[Any, Any, T]]:
        """`write`, which changes snapshots, emptying the cache once it returns or fails."""

        @functools.wraps(write)
        async def written(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await write(*args, **kwargs)
            finally:
                self.cache.clear()
                self._recheck_at = 0.0

        return written

    def _recheck(self) -> None:
        now = time.monotonic()
        if now < self._recheck_at:
            return
        self._recheck_at = now + RECHECK_SECONDS
        found = self.db.generation()
        if found is None or found != self._generation:
            self.cache.clear()
            self._generation = found

    def _read_snapshot(self, db: sqlite3.Connection, identity: Identity) -> tuple[Snapshot, int]:
        return customers.read_snapshot(db, self._memo, identity)
