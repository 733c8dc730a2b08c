"""Shutdown never waits for ever on a worker whose first cancellation was lost."""

from __future__ import annotations

import asyncio

from gateway.tasks import cancel_and_wait


async def test_a_worker_that_swallows_a_cancellation_still_stops() -> None:
    cancellations = 0

    async def stubborn() -> None:
        nonlocal cancellations
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancellations += 1
                if cancellations == 1:
                    continue  # what a client library's wait_for did on Python 3.11.2
                raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task], every=0.05), timeout=5)
    assert task.cancelled() and cancellations == 2


async def test_a_worker_that_failed_is_waited_for_without_raising() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    await cancel_and_wait([task])
    assert task.done() and isinstance(task.exception(), RuntimeError)
