"""Group commit: what callers ask for while a flush is running is flushed together next, in
one dedicated thread, so concurrent messages share their fsyncs instead of queueing for them.
Several group commits may share one thread (`io`): a flush submitted while the thread is busy
with another is queued to it without waking it, and a thread hop costs the loop more than the
file work it carries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, flush: Callable[[list[T]], None], io: ThreadPoolExecutor) -> None:
        self.flush = flush
        self.executor = io
        self.pending: list[tuple[T, asyncio.Future[None]]] = []
        self.running: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Returns once `flush` has run over a batch holding `item` (raises what it raised)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.running is None:
            self.running = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    await loop.run_in_executor(self.executor, self.flush, [i for i, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self.running = None


def io_thread(name: str) -> ThreadPoolExecutor:
    """One thread for file work, in order: hand it to the group commits that should share it."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
