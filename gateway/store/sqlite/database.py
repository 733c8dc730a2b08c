"""The SQLite file and its one worker thread: every operation runs there, in one transaction,
so the event loop never waits on disk; `record` calls pending at once share one transaction
and one durable commit (gateway.group_commit).

`Freshness` tells the in-process snapshot cache whether the file may have changed under it:
`PRAGMA data_version` on the worker's connection changes only when another connection (the
`import` command in another process, say) committed; a second connection, read from the event
loop, shows any commit at all, and is compared with what it showed after our own last work."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from gateway.group_commit import GroupCommit
from gateway.store.base import Recorded, StoreError
from gateway.store.sqlite import hot_path
from gateway.store.sqlite.schema import connect

P = ParamSpec("P")
T = TypeVar("T")
MEMORY = ":memory:"


class Freshness:
    """Bumps `epoch` whenever cached snapshots may be stale (shared by the worker and loop)."""

    def __init__(self) -> None:
        self.epoch = 0
        self._lock = threading.Lock()
        self._checker: sqlite3.Connection | None = None
        self._ours: int | None = None  # the worker connection's data_version, last seen
        self._expected: int | None = None  # the checker's, right after our own last work

    def watch(self, path: str) -> None:
        if path != MEMORY:  # nothing else can open an in-memory database
            self._checker = sqlite3.connect(path, timeout=0, check_same_thread=False)

    def after_work(self, db: sqlite3.Connection, changed_snapshots: bool) -> None:
        """In the worker thread, after each operation (outside any transaction)."""
        expected = self._version(self._checker)
        (ours,) = db.execute("PRAGMA data_version").fetchone()
        with self._lock:
            if changed_snapshots or ours != self._ours:
                self.epoch += 1
            self._ours, self._expected = ours, expected

    def current(self) -> int | None:
        """On the event loop: the epoch, or None when another connection may have written
        since our own last operation (then nothing cached is trusted)."""
        with self._lock:
            expected, epoch = self._expected, self.epoch
        if self._checker is None:
            return epoch
        seen = self._version(self._checker)
        return epoch if seen is not None and seen == expected else None

    def _version(self, conn: sqlite3.Connection | None) -> int | None:
        if conn is None:
            return None
        try:
            with self._lock:
                return int(conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:  # busy (recovering a WAL): unknown, so not trusted
            return None

    def close(self) -> None:
        if self._checker is not None:
            self._checker.close()
            self._checker = None


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self.fresh = Freshness()
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._records: GroupCommit[hot_path.Request, Recorded] | None = None

    async def open(self) -> None:
        if self._db is not None:
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        loop = asyncio.get_running_loop()
        try:
            self._db = await loop.run_in_executor(executor, self._connect)
        except sqlite3.Error as exc:
            executor.shutdown(wait=False)
            raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
        self._executor = executor
        self._records = GroupCommit(functools.partial(self._flush, self._db), executor)

    def _connect(self) -> sqlite3.Connection:
        db = connect(self.path)
        self.fresh.watch(self.path)
        self.fresh.after_work(db, changed_snapshots=True)
        return db

    async def close(self) -> None:
        executor, db, records = self._executor, self._db, self._records
        if executor is None or db is None or records is None:
            return
        self._executor = self._db = self._records = None
        await asyncio.get_running_loop().run_in_executor(executor, self._close, db, records)
        executor.shutdown(wait=False)

    def _close(self, db: sqlite3.Connection, records: GroupCommit[Any, Any]) -> None:
        records.flush_pending()  # what is pending is committed first
        db.close()
        self.fresh.close()

    async def ping(self) -> bool:
        try:
            return await self.bind(_ping)()
        except StoreError:
            return False

    async def record(self, request: hot_path.Request) -> Recorded:
        if self._records is None:
            raise StoreError("the store is not open")
        return await self._records.submit(request)

    def _flush(self, db: sqlite3.Connection, batch: list[hot_path.Request]) -> list[Any]:
        try:
            return hot_path.record_all(db, batch)
        except sqlite3.Error as exc:  # nothing of the batch was committed
            raise StoreError(f"sqlite: {exc}") from exc
        finally:
            self.fresh.after_work(db, changed_snapshots=False)

    def bind(
        self,
        work: Callable[Concatenate[sqlite3.Connection, P], T],
        changes_snapshots: bool = False,
    ) -> Callable[P, Coroutine[Any, Any, T]]:
        """`work(connection, ...)` as an async operation run in the worker thread."""

        def job(*args: P.args, **kwargs: P.kwargs) -> T:
            db = self._db
            if db is None:
                raise StoreError("the store is not open")
            try:
                return work(db, *args, **kwargs)
            finally:
                self.fresh.after_work(db, changes_snapshots)

        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            executor = self._executor
            if executor is None:
                raise StoreError("the store is not open")
            call = functools.partial(job, *args, **kwargs)
            try:
                return await asyncio.get_running_loop().run_in_executor(executor, call)
            except sqlite3.Error as exc:
                raise StoreError(f"sqlite: {exc}") from exc

        return run


def _ping(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT 1").fetchone() == (1,))
