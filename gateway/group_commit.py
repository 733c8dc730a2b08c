"""Group commit: what callers submit while a flush is running is flushed together next, in the
flush's own thread, so that concurrent callers share one durable write (an fsync, a database
commit) instead of queueing for one each. No caller hears back before its batch is flushed.

The batches are taken in the worker thread itself: when a flush ends, whatever was submitted
meanwhile is queued to the thread again at once (behind any other work given to it), without a
round trip through the event loop. Several group commits may share one thread.

    commit = GroupCommit(flush, executor)   # flush(items) -> one outcome per item
    result = await commit.submit(item)      # an outcome that is an exception is raised here
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Flush = Callable[[list[T]], Sequence[R | Exception]]


class GroupCommit(Generic[T, R]):
    def __init__(self, flush: Flush[T, R], executor: Executor) -> None:
        """`flush` runs in `executor`'s thread over a batch and returns one outcome per item
        (an exception for an item that failed alone); if it raises, every item of the batch
        fails with that error."""
        self._flush, self._executor = flush, executor
        self._lock = threading.Lock()
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._scheduled = False  # a drain is queued in the executor or running there

    async def submit(self, item: T) -> R:
        """Returns `item`'s outcome once the batch holding it is flushed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._pending.append((item, future))
            schedule, self._scheduled = not self._scheduled, True
        if schedule:
            try:
                self._executor.submit(self._drain)
            except RuntimeError:  # the executor is shut down: nothing will flush this
                with self._lock:
                    self._pending = [p for p in self._pending if p[1] is not future]
                    self._scheduled = False
                raise
        return await future

    def flush_pending(self) -> None:
        """In the executor's thread: flush what is pending now (as its owner closes)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        outcomes: Sequence[R | Exception]
        try:
            outcomes = self._flush([item for item, _ in batch])
        except Exception as exc:
            outcomes = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[R], R | Exception]]]
        by_loop = {}
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            by_loop.setdefault(future.get_loop(), []).append((future, outcome))
        for loop, settled in by_loop.items():  # one wake-up of each loop per batch
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, settled)

    def _drain(self) -> None:
        self.flush_pending()
        with self._lock:
            again = self._scheduled = bool(self._pending)
        if again:
            try:
                self._executor.submit(self._drain)
            except RuntimeError:  # shut down under us: finish here
                self._drain()


def _settle(settled: list[tuple[asyncio.Future[R], R | Exception]]) -> None:
    for future, outcome in settled:
        if future.cancelled():
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def all_or_nothing(flush: Callable[[list[T]], None]) -> Flush[T, None]:
    """A flush that succeeds or fails for its whole batch, as one with an outcome per item."""

    def each(items: list[T]) -> list[Exception | None]:
        flush(items)
        return [None] * len(items)

    return each


def io_thread(name: str) -> ThreadPoolExecutor:
    """One thread for file work, in order: hand it to the group commits that should share it."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
