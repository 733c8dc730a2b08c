"""Stopping background tasks for certain."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], every: float = 0.5) -> None:
    """Cancel the tasks and return once all have ended. A task whose cancellation was
    swallowed (asyncio.wait_for before Python 3.12 can lose one inside a client library) is
    cancelled again, so shutdown never waits for ever on a worker that carried on."""
    stopping = list(tasks)
    pending = {task for task in stopping if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=every)
    for task in stopping:
        if not task.cancelled():
            with contextlib.suppress(Exception):
                task.result()  # retrieved, so asyncio does not log it as never retrieved
