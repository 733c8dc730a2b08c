"""The SQLite file, its writer thread and its reader thread. Every write runs in the writer, in
one transaction, so the event loop never waits on disk; `record` calls pending at once share
one transaction and one durable commit (gateway.group_commit). A sender's snapshot is read on a
second connection in its own thread: in WAL mode it reads the last commit without waiting for
the writer's fsync. `generation()` reads, on the event loop, the snapshot generation that every
write to customers, identities and cases bumps, whichever process makes it (the `import`
command beside `serve`, say): the snapshot cache's one test of freshness."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from gateway.group_commit import GroupCommit
from gateway.store.base import Recorded, StoreError
from gateway.store.sqlite import hot_path
from gateway.store.sqlite.schema import connect, connect_reader, generation

P = ParamSpec("P")
T = TypeVar("T")
MEMORY = ":memory:"


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._reader_db: sqlite3.Connection | None = None
        self._checker: sqlite3.Connection | None = None  # read on the event loop only
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
        if self.path != MEMORY:  # another connection to :memory: would be another database
            reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
            try:
                self._reader_db = await loop.run_in_executor(reader, connect_reader, self.path)
                self._checker = connect_reader(self.path, same_thread=False)
            except sqlite3.Error as exc:
                reader.shutdown(wait=False)
                raise StoreError(f"cannot read the SQLite store {self.path}: {exc}") from exc
            self._reader = reader

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def generation(self) -> int | None:
        """The snapshot generation now, read on the event loop (a few microseconds: WAL
        readers never wait for the writer); None when it cannot be read at once (the file is
        being recovered): then no cached snapshot is trusted."""
        if self._checker is None:  # in memory: only this process writes, through the writer
            return None
        try:
            return generation(self._checker)
        except sqlite3.Error:
            return None

    async def close(self) -> None:
        executor, db, records = self._executor, self._db, self._records
        if executor is None or db is None or records is None:
            return
        self._executor = self._db = self._records = None
        loop = asyncio.get_running_loop()
        reader, reader_db, checker = self._reader, self._reader_db, self._checker
        self._reader = self._reader_db = self._checker = None
        if checker is not None:
            checker.close()
        if reader is not None and reader_db is not None:
            await loop.run_in_executor(reader, reader_db.close)
            reader.shutdown(wait=False)
        await loop.run_in_executor(executor, self._close, db, records)
        executor.shutdown(wait=False)

    def _close(self, db: sqlite3.Connection, records: GroupCommit[Any, Any]) -> None:
        records.flush_pending()  # what is pending is committed first
        db.close()

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

    def bind(
        self, work: Callable[Concatenate[sqlite3.Connection, P], T], *, reads: bool = False
    ) -> Callable[P, Coroutine[Any, Any, T]]:
        """`work(connection, ...)` as an async operation run in the writer thread, or with
        `reads` in the reader thread (the writer's, for an in-memory database)."""

        def job(*args: P.args, **kwargs: P.kwargs) -> T:
            db = (self._reader_db or self._db) if reads else self._db
            if db is None:
                raise StoreError("the store is not open")
            return work(db, *args, **kwargs)

        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            executor = (self._reader or self._executor) if reads else self._executor
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
