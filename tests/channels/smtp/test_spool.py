"""The spool and the delivered-ledger survive a restart, and never lose what they were given."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from channels.smtp.ledger import Ledger
from channels.smtp.spool import Entry, Spool, new_id

RAW = "From: ann@example.org\r\nSubject: é\r\n\r\nbody\r\n".encode()


def entry(**changes: object) -> Entry:
    values: dict[str, object] = {
        "id": new_id(),
        "kind": "inbound",
        "mail_from": "ann@example.org",
        "rcpt_tos": ("a@landlord.example", "b@landlord.example"),
        "received_at": dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
    }
    return Entry(**(values | changes))  # type: ignore[arg-type]


async def test_a_spooled_message_is_found_again_after_a_restart(tmp_path: Path) -> None:
    first = Spool(tmp_path)
    assert first.open() == []
    older, newer = entry(), entry()
    await first.put(older, RAW)
    await first.put(newer, RAW + b"more")
    (tmp_path / "tmp" / "half-written.msg").write_bytes(b"CGSPOOL1 {")

    again = Spool(tmp_path)
    backlog = again.open()
    assert [p.stem for p in backlog] == [older.id, newer.id]
    assert list((tmp_path / "tmp").iterdir()) == []
    found, raw = await again.read(backlog[0])
    assert found == older and raw == RAW


async def test_done_removes_and_keep_moves_out_of_the_queue(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.open()
    sent, refused = entry(), entry()
    await spool.put(sent, RAW)
    await spool.put(refused, RAW)
    await spool.done(sent)
    await spool.keep(refused, "held")
    assert Spool(tmp_path).open() == []
    kept = await spool.read(tmp_path / "held" / f"{refused.id}.msg")
    assert kept == (refused, RAW)


async def test_the_ledger_remembers_delivered_messages_across_restarts(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "delivered.log")
    ledger.open()
    await ledger.add("abc123")
    with (tmp_path / "delivered.log").open("a") as handle:
        handle.write("torn-line-without-a-ti")  # a crash mid-append
    again = Ledger(tmp_path / "delivered.log")
    again.open()
    assert "abc123" in again
    assert "def456" not in again
    await again.add("def456")
    third = Ledger(tmp_path / "delivered.log")
    third.open()
    assert "abc123" in third and "def456" in third


async def test_a_delivered_message_leaves_the_queue_once_the_ledger_has_it(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.open()
    ledger = Ledger(tmp_path / "delivered.log")
    ledger.open()
    delivered, kept = entry(), entry()
    await spool.put(delivered, RAW)
    await spool.put(kept, RAW)
    await ledger.add("abc123", then_remove=spool.path_of(delivered))
    await ledger.add("def456")
    try:
        assert [p.stem for p in Spool(tmp_path / "spool").open()] == [kept.id]
        again = Ledger(tmp_path / "delivered.log")
        again.open()
        assert "abc123" in again and "def456" in again
    finally:
        spool.close()
        ledger.close()


async def test_messages_spooled_at_once_are_each_written_whole(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.open()
    entries = [entry() for _ in range(5)]
    fewer = entry(id=entries[0].id, rcpt_tos=("b@landlord.example",))
    try:
        await asyncio.gather(
            *(spool.put(e, RAW + e.id.encode()) for e in entries),
            spool.rewrite(fewer, RAW + fewer.id.encode()),  # the same file again, in one batch
        )
        backlog = Spool(tmp_path).open()
        assert [p.stem for p in backlog] == sorted(e.id for e in entries)
        found = [await spool.read(path) for path in backlog]
        assert (fewer, RAW + fewer.id.encode()) in found  # the rewrite, not the first put
        assert all((e, RAW + e.id.encode()) in found for e in entries[1:])
        assert list((tmp_path / "tmp").iterdir()) == []
    finally:
        spool.close()


def test_new_ids_are_unique_and_sort_oldest_first() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ids


async def test_a_ledger_sharing_the_spools_thread_keeps_both_durable(tmp_path: Path) -> None:
    """As the channel runs them: spool writes and ledger appends queued to one thread at once."""
    spool = Spool(tmp_path / "spool")
    spool.open()
    ledger = Ledger(tmp_path / "delivered.log", io=spool.io)
    ledger.open()
    delivered = [entry() for _ in range(4)]
    await asyncio.gather(*(spool.put(e, RAW) for e in delivered))
    arriving = [entry() for _ in range(4)]
    try:
        await asyncio.gather(
            *(spool.put(e, RAW + e.id.encode()) for e in arriving),
            *(ledger.add(f"key{n}", then_remove=spool.path_of(e)) for n, e in enumerate(delivered)),
        )
        backlog = Spool(tmp_path / "spool").open()
        assert [p.stem for p in backlog] == sorted(e.id for e in arriving)
        again = Ledger(tmp_path / "delivered.log")
        again.open()
        assert all(f"key{n}" in again for n in range(4))
    finally:
        ledger.close()  # leaves the shared thread to the spool
        spool.close()
