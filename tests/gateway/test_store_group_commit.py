"""Many `record` calls at once (as the channels make them) behave as if made one by one, on
both backends; on SQLite those pending together share one transaction (group commit), and a
contact that fails in it is rolled back alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.store import Store, StoreError, Windows, open_store
from gateway.store.sqlite import SqliteStore
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact, Decision, RuleHit

NOW = dt.datetime(2024, 3, 5, 10, 0, tzinfo=dt.UTC)
WINDOWS = Windows(scattergun_minutes=60, repeated_days=30)
FAILING, REPEATED = 7, 3


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = f"{request.getfixturevalue('redis_url')}?prefix=g{uuid.uuid4().hex[:8]}:"
    opened = open_store(url)
    await opened.open()
    yield opened
    await opened.close()


def message(i: int, sender: str | None = None) -> Contact:
    return Contact(
        channel=Channel.sms,
        sender=Identity.of("email", sender or f"sender{i}@example.com"),
        received_at=NOW + dt.timedelta(seconds=i),
        text=f"message {i}",
        external_id=f"SM{i}",
    )


def decision_for(contact: Contact) -> Decision:
    return Decision(action=Action.deliver, reasons=(RuleHit(rule=contact.text.replace(" ", "_")),))


def refuse_message(path: str, n: int) -> sqlite3.Connection:
    """A real failure for one contact of a batch: SQLite refuses to insert its text."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        "CREATE TRIGGER refused BEFORE INSERT ON contacts "
        f"WHEN NEW.text_for_similarity = 'message {n}' BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    return db


async def test_concurrent_records_are_each_recorded_once(store: Store) -> None:
    batch = [message(i) for i in range(24)] + [message(REPEATED)]
    results = await asyncio.gather(
        *(store.record(c, decision_for(c), WINDOWS) for c in batch), return_exceptions=True
    )
    for contact, result in zip(batch, results, strict=True):
        sender = contact.sender.key
        days = await store.daily_counts(sender, NOW.date(), NOW.date())
        assert [(d.channel, d.count) for d in days] == [(Channel.sms, 1)]
        assert not isinstance(result, BaseException)
        logged = await store.contacts(sender)
        assert [(d.contact_id, d.decision) for d in logged] == [
            (result.contact_id, decision_for(contact))
        ]
    first, again = results[REPEATED], results[-1]
    assert not isinstance(first, BaseException) and not isinstance(again, BaseException)
    assert first.contact_id == again.contact_id  # whichever ran second is the duplicate
    (duplicate,) = [r.duplicate_of for r in (first, again) if r.duplicate_of is not None]
    assert duplicate.decision == decision_for(batch[-1])


async def test_sqlite_records_pending_together_in_one_batch_as_if_one_by_one(
    tmp_path: Path,
) -> None:
    """The worker is held while the contacts queue up, so they are one batch: the same counts
    as sequential calls; the one SQLite refuses is rolled back alone."""
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    assert isinstance(store, SqliteStore)
    await store.open()
    refusing = refuse_message(store.path, FAILING)
    entered, release = threading.Event(), threading.Event()

    def hold(db: sqlite3.Connection) -> None:
        entered.set()
        release.wait(10)

    held = asyncio.ensure_future(store.db.bind(hold)())
    assert await asyncio.to_thread(entered.wait, 10)
    one = "jo@example.com"  # every contact from one sender, so each sees the ones before
    batch = [message(i, one) for i in range(12)] + [message(REPEATED, one)]
    pending = [asyncio.ensure_future(store.record(c, decision_for(c), WINDOWS)) for c in batch]
    await asyncio.sleep(0.01)  # every call is pending now
    release.set()
    await held
    results = await asyncio.gather(*pending, return_exceptions=True)
    await store.close()
    refusing.close()

    assert isinstance(results[FAILING], StoreError)
    counted = [r.recent.last_hour for r in results[:-1] if not isinstance(r, BaseException)]
    assert counted == list(range(1, 12))
    again = results[-1]
    assert not isinstance(again, BaseException) and again.duplicate_of is not None
    assert again.duplicate_of.decision == decision_for(message(REPEATED))


async def test_a_lone_record_after_a_batch_is_not_kept_waiting(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    await store.open()
    batch = [message(i) for i in range(8, 16)]
    await asyncio.gather(*(store.record(c, decision_for(c), WINDOWS) for c in batch))
    lone = message(20)
    recorded = await asyncio.wait_for(store.record(lone, decision_for(lone), WINDOWS), 5)
    assert recorded.recent.last_hour == 1
    await store.close()


async def test_records_pending_as_the_sqlite_store_closes_are_committed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    store = open_store(url)
    await store.open()
    batch = [message(i) for i in range(8)]
    pending = [asyncio.ensure_future(store.record(c, decision_for(c), WINDOWS)) for c in batch]
    await asyncio.sleep(0)  # every call is submitted
    await store.close()
    assert all(r.duplicate_of is None for r in await asyncio.gather(*pending))
    store = open_store(url)
    await store.open()
    logged = [await store.contacts(message(i).sender.key) for i in range(8)]
    await store.close()
    assert [[d.decision for d in found] for found in logged] == [[decision_for(c)] for c in batch]
