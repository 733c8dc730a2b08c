"""A bounded queue with its own worker, for work that talks to slow outside services (Slack's
Web API, an SMTP server) off the hot path: `offer` never waits, and each item is retried with
exponential backoff. An outage fills the queue and then sheds the newest items with a warning;
it never slows the channel that offered them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from gateway.tasks import cancel_and_wait

log = logging.getLogger("contact_gateway.outbox")

T = TypeVar("T")


class GiveUp(Exception):
    """Raised by a deliver function when retrying cannot help (a refused request)."""


@dataclass(frozen=True)
class Backoff:
    attempts: int = 8
    first_seconds: float = 1.0
    max_seconds: float = 60.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`th failure (1-based)."""
        return float(min(self.max_seconds, self.first_seconds * 2 ** (attempt - 1)))


class Outbox(Generic[T]):
    def __init__(
        self,
        name: str,
        deliver: Callable[[T], Awaitable[None]],
        maxsize: int = 1000,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self._deliver = deliver
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize=maxsize)
        self._backoff = backoff or Backoff()
        self._worker: asyncio.Task[None] | None = None

    async def offer(self, item: T) -> None:
        """Queue one item and return at once (usable as a flag listener)."""
        self.offer_nowait(item)

    def offer_nowait(self, item: T) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name=f"outbox-{self.name}")
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            log.warning("%s outbox full: one item not sent", self.name)

    def pending(self) -> int:
        return self._queue.qsize()

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            await cancel_and_wait([worker])

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._attempt(item)
            finally:
                self._queue.task_done()

    async def _attempt(self, item: T) -> None:
        for attempt in range(1, self._backoff.attempts + 1):
            try:
                await self._deliver(item)
                return
            except GiveUp as exc:
                log.warning("%s: not sent, not retried: %s", self.name, exc)
                return
            except Exception as exc:
                if attempt == self._backoff.attempts:
                    log.warning(
                        "%s: not sent after %d attempts (%s)", self.name, attempt, _kind(exc)
                    )
                    return
                delay = self._backoff.delay(attempt)
                log.info(
                    "%s: attempt %d failed (%s); retry in %.0fs",
                    self.name,
                    attempt,
                    _kind(exc),
                    delay,
                )
                await asyncio.sleep(delay)


def _kind(exc: Exception) -> str:
    """An error's type only: its message may carry an address."""
    return type(exc).__name__
