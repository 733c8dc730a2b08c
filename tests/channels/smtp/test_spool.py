"""The spool and the delivered-ledger survive a restart, and never lose what they were given."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from channels.mail.identity import MessageIdentity
from channels.smtp.ledger import LEDGER_DAYS, Ledger
from channels.smtp.spool import Entry, Spool, new_id

RAW = "From: ann@example.org\r\nSubject: é\r\n\r\nbody\r\n".encode()
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC).timestamp()
FIRST, SECOND = MessageIdentity("1" * 32), MessageIdentity("2" * 32)
HOUSING, REPAIRS = "housing@landlord.example", "repairs@landlord.example"


def ledger_at(path: Path, now: float = NOW, io: ThreadPoolExecutor | None = None) -> Ledger:
    """A ledger opened with its clock at `now`."""
    ledger = Ledger(path, io, clock=lambda: now)
    ledger.open()
    return ledger


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
    ledger = ledger_at(tmp_path / "delivered.log")
    await ledger.add(FIRST, [HOUSING])
    with (tmp_path / "delivered.log").open("a") as handle:
        handle.write("2" * 32 + " 0123")  # a crash mid-append
    again = ledger_at(tmp_path / "delivered.log")
    assert again.undelivered(FIRST, [HOUSING, REPAIRS]) == (REPAIRS,)
    assert again.undelivered(SECOND, [HOUSING]) == (HOUSING,)
    await again.add(SECOND, [HOUSING, REPAIRS])
    third = ledger_at(tmp_path / "delivered.log")
    assert third.undelivered(FIRST, ["<Housing@Landlord.Example>"]) == ()
    assert third.undelivered(SECOND, [HOUSING, REPAIRS]) == ()
    assert third.undelivered(None, [HOUSING]) == (HOUSING,)  # no identity: never known


async def test_the_ledger_forgets_after_its_days_and_ignores_an_earlier_versions_lines(
    tmp_path: Path,
) -> None:
    """The earlier version kept a Message-ID alone; honouring it would drop a second message
    under that Message-ID, or the same message for another recipient: its lines are dropped."""
    path = tmp_path / "delivered.log"
    path.write_text(f"0123456789abcdef {NOW:.0f}\n", "utf-8")  # an earlier version's line
    ledger = ledger_at(path)
    await ledger.add(FIRST, [HOUSING])
    assert path.read_text("utf-8").count("\n") == 1  # the old line is gone, the new one kept
    assert ledger_at(path, NOW + (LEDGER_DAYS - 1) * 86400).undelivered(FIRST, [HOUSING]) == ()
    later = ledger_at(path, NOW + (LEDGER_DAYS + 1) * 86400)
    assert later.undelivered(FIRST, [HOUSING]) == (HOUSING,)


async def test_a_delivered_message_leaves_the_queue_once_the_ledger_has_it(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.open()
    ledger = ledger_at(tmp_path / "delivered.log")
    delivered, kept = entry(), entry()
    await spool.put(delivered, RAW)
    await spool.put(kept, RAW)
    await ledger.add(FIRST, [HOUSING], then_remove=spool.path_of(delivered))
    await ledger.add(SECOND, [HOUSING])
    try:
        assert [p.stem for p in Spool(tmp_path / "spool").open()] == [kept.id]
        again = ledger_at(tmp_path / "delivered.log")
        assert again.undelivered(FIRST, [HOUSING]) == again.undelivered(SECOND, [HOUSING]) == ()
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
    ledger = ledger_at(tmp_path / "delivered.log", io=spool.io)
    delivered = [entry() for _ in range(4)]
    await asyncio.gather(*(spool.put(e, RAW) for e in delivered))
    arriving = [entry() for _ in range(4)]
    try:
        await asyncio.gather(
            *(spool.put(e, RAW + e.id.encode()) for e in arriving),
            *(
                ledger.add(MessageIdentity(f"{n}" * 32), [HOUSING], then_remove=spool.path_of(e))
                for n, e in enumerate(delivered)
            ),
        )
        backlog = Spool(tmp_path / "spool").open()
        assert [p.stem for p in backlog] == sorted(e.id for e in arriving)
        again = ledger_at(tmp_path / "delivered.log")
        assert all(not again.undelivered(MessageIdentity(f"{n}" * 32), [HOUSING]) for n in range(4))
    finally:
        ledger.close()  # leaves the shared thread to the spool
        spool.close()
