"""The generic group commit: items submitted while a flush runs are flushed together next,
each caller gets its own outcome, and a flush that raises fails its whole batch."""

from __future__ import annotations

import asyncio
import threading

import pytest

from gateway.group_commit import GroupCommit, all_or_nothing, io_thread


async def test_items_pending_together_share_one_flush_and_get_their_own_outcome() -> None:
    entered, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def flush(items: list[int]) -> list[int | Exception]:
        if items == [0]:
            entered.set()
            release.wait(10)
        batches.append(items)
        return [ValueError(str(i)) if i == 3 else i * 10 for i in items]

    io = io_thread("test-group-commit")
    commit: GroupCommit[int, int] = GroupCommit(flush, io)
    first = asyncio.ensure_future(commit.submit(0))
    assert await asyncio.to_thread(entered.wait, 10)
    rest = [asyncio.ensure_future(commit.submit(i)) for i in range(1, 6)]
    await asyncio.sleep(0.01)  # every item is pending behind the first flush
    release.set()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    io.shutdown()
    assert batches == [[0], [1, 2, 3, 4, 5]]
    assert results[:3] == [0, 10, 20] and results[4:] == [40, 50]
    assert isinstance(results[3], ValueError)


async def test_a_failing_flush_fails_its_whole_batch_and_the_next_one_runs() -> None:
    def flush(items: list[str]) -> None:
        if "bad" in items:
            raise OSError("no space left")

    io = io_thread("test-group-commit")
    commit: GroupCommit[str, None] = GroupCommit(all_or_nothing(flush), io)
    with pytest.raises(OSError, match="no space"):
        await commit.submit("bad")
    await commit.submit("good")  # the next batch is flushed
    io.shutdown()
    with pytest.raises(RuntimeError):
        await commit.submit("late")
