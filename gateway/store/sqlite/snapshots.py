"""`resolve` on the SQLite store: served from the in-process cache while no connection but
ours has written since (database.Freshness); otherwise one read in the worker thread."""

from __future__ import annotations

import sqlite3

from gateway.store.snapshots import SnapshotCache, SnapshotMemo
from gateway.store.sqlite import customers
from gateway.store.sqlite.database import Database
from policy_core.identities import Identity
from policy_core.models import Snapshot


class Snapshots:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = SnapshotCache()
        self.cache.live = True
        self._memo = SnapshotMemo()
        self._epoch: int | None = None  # what the cache holds was read in this epoch
        self._read = db.bind(self._read_in_worker)

    async def resolve(self, identity: Identity) -> Snapshot:
        epoch = self.db.fresh.current()
        if epoch is not None:
            if epoch != self._epoch:
                self.cache.clear()
                self._epoch = epoch
            cached = self.cache.get(identity.key)
            if cached is not None:
                return cached
        generation = self.cache.generation
        ref, snapshot, read_in = await self._read(identity)
        if ref is not None and read_in == self._epoch == self.db.fresh.epoch:
            self.cache.put(identity.key, ref, snapshot, generation)
        return snapshot

    def _read_in_worker(
        self, db: sqlite3.Connection, identity: Identity
    ) -> tuple[str | None, Snapshot, int]:
        epoch = self.db.fresh.epoch  # before the read: a change found after it drops it
        return (*customers.read_snapshot(db, self._memo, identity), epoch)
