"""Many `record` calls at once (as the channels make them) behave as if made one by one, on
both backends; on SQLite those pending together share one transaction (group commit)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.store import Arrival, Store, Windows, open_store
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


def decide(contact: Contact, arrival: Arrival) -> Decision:
    if contact.text == f"message {FAILING}":
        raise RuntimeError("a bug in a rule")
    return decision_for(contact)


def deliver(contact: Contact, arrival: Arrival) -> Decision:
    return decision_for(contact)


async def test_concurrent_records_are_each_recorded_once(store: Store) -> None:
    batch = [message(i) for i in range(24)] + [message(REPEATED)]
    results = await asyncio.gather(
        *(store.record(c, WINDOWS, decide) for c in batch), return_exceptions=True
    )
    assert isinstance(results[FAILING], RuntimeError)
    for contact, result in zip(batch, results, strict=True):
        sender = contact.sender.key
        days = await store.daily_counts(sender, NOW.date(), NOW.date())
        assert [(d.channel, d.count) for d in days] == [(Channel.sms, 1)]
        logged = await store.contacts(sender)
        if contact.text == f"message {FAILING}":
            assert logged == []  # recorded, undecided: decided on retry
            arrival = await store.arrive(contact, WINDOWS)
            assert arrival.duplicate_of is None and arrival.recent.last_hour == 1
            continue
        assert not isinstance(result, BaseException)
        arrival, decision = result
        assert decision == decision_for(contact)
        assert [(d.contact_id, d.decision) for d in logged] == [(arrival.contact_id, decision)]
    first, again = results[REPEATED], results[-1]
    assert not isinstance(first, BaseException) and not isinstance(again, BaseException)
    assert first[0].contact_id == again[0].contact_id and first[1] == again[1]


async def test_sqlite_records_pending_together_in_one_batch_as_if_one_by_one(
    tmp_path: Path,
) -> None:
    """The worker is held in the first contact's decision while the others queue up, so they
    are one batch: the same counts and decisions as sequential calls."""
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    await store.open()
    entered, release = threading.Event(), threading.Event()
    seen: list[tuple[str, int]] = []

    def held_first(contact: Contact, arrival: Arrival) -> Decision:
        if contact.text == "message 0":
            entered.set()
            release.wait(10)
        seen.append((contact.text, arrival.recent.last_hour))
        return decide(contact, arrival)

    one = "jo@example.com"  # every contact from one sender, so each sees the ones before
    first = asyncio.ensure_future(store.record(message(0, one), WINDOWS, held_first))
    assert await asyncio.to_thread(entered.wait, 10)
    batch = [message(i, one) for i in range(1, 12)] + [message(REPEATED, one)]
    rest = [asyncio.ensure_future(store.record(c, WINDOWS, held_first)) for c in batch]
    await asyncio.sleep(0.01)  # every call is pending now
    release.set()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    await store.close()

    assert seen == [(f"message {i}", i + 1) for i in range(12)]  # the repeat is not decided
    assert isinstance(results[FAILING], RuntimeError)
    again = results[-1]
    assert not isinstance(again, BaseException) and again[0].duplicate_of is not None
    assert again[1] == decision_for(message(REPEATED))
    decided = [r for r in results[:-1] if not isinstance(r, BaseException)]
    assert [d for _, d in decided] == [decision_for(message(i)) for i in range(12) if i != 7]


async def test_a_lone_record_after_a_batch_is_not_kept_waiting(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    await store.open()
    await asyncio.gather(*(store.record(message(i), WINDOWS, decide) for i in range(8, 16)))
    _, decision = await asyncio.wait_for(store.record(message(20), WINDOWS, decide), 5)
    assert decision == decision_for(message(20))
    await store.close()


async def test_records_pending_as_the_sqlite_store_closes_are_committed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    store = open_store(url)
    await store.open()
    batch = [message(i) for i in range(8)]
    pending = [asyncio.ensure_future(store.record(c, WINDOWS, deliver)) for c in batch]
    await asyncio.sleep(0)  # every call is submitted
    await store.close()
    assert [d for _, d in await asyncio.gather(*pending)] == [decision_for(c) for c in batch]
    store = open_store(url)
    await store.open()
    logged = [await store.contacts(message(i).sender.key) for i in range(8)]
    await store.close()
    assert [len(found) for found in logged] == [1] * 8
