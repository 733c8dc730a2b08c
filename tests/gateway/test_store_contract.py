"""The store contract: both backends (SQLite and a real redis-server) behave the same."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis

from gateway.store import (
    AuditEntry,
    IdentityConflict,
    NotFound,
    Recorded,
    Store,
    StoreError,
    Windows,
    open_store,
)
from gateway.store.redis import CLIENT_NAME, RedisStore
from gateway.store.sqlite import SqliteStore
from policy_core.cases import Case, CaseState
from policy_core.identities import Identity
from policy_core.models import (
    Action,
    Channel,
    Contact,
    Customer,
    Decision,
    Flag,
    FlagKind,
    LetterOnly,
    Representative,
    RepresentativeRole,
    RuleHit,
    SocialMedia,
)
from tests.servers import RedisServer

UTC = dt.UTC
NOW = dt.datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
WINDOWS = Windows(scattergun_minutes=60, repeated_days=30)
JO_EMAIL = "email:jo@example.com"
JO_PHONE = "phone:07700 900123"
SOLICITOR = "email:office@smith-law.example"


def identity(text: str) -> Identity:
    return Identity.model_validate(text)


def jo(**changes: object) -> Customer:
    solicitor = Representative(
        name="Smith & Co",
        role=RepresentativeRole.solicitor,
        identities=(identity(SOLICITOR),),
    )
    customer = Customer(
        ref="C-1001",
        name="Jo Bloggs",
        identities=(identity(JO_EMAIL), identity(JO_PHONE)),
        representatives=(solicitor,),
    )
    return customer.model_copy(update=changes)


def letter_only_case(state: CaseState = CaseState.restricted) -> Case:
    return Case(
        id="K-1",
        customer_ref="C-1001",
        state=state,
        restrictions=(LetterOnly(starts_on=dt.date(2024, 1, 10), ends_on=dt.date(2025, 1, 10)),),
        review_due_on=dt.date(2025, 1, 10),
    )


def contact(
    at: dt.datetime,
    sender: str = JO_EMAIL,
    channel: Channel = Channel.email,
    text: str = "",
    external_id: str | None = None,
) -> Contact:
    return Contact(
        channel=channel,
        sender=identity(sender),
        received_at=at,
        text=text,
        external_id=external_id,
    )


def refused(rule: str = "letter_only") -> Decision:
    return Decision(action=Action.refuse, reasons=(RuleHit(rule=rule, action=Action.refuse),))


DELIVERED = Decision(action=Action.deliver, reasons=(RuleHit(rule="default"),))


async def arrive(store: Store, message: Contact, windows: Windows = WINDOWS) -> Recorded:
    """A contact recorded with a plain delivery, for the tests about counting."""
    return await store.record(message, DELIVERED, windows)


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = f"{request.getfixturevalue('redis_url')}?prefix=t{uuid.uuid4().hex[:8]}:"
    opened = open_store(url)
    await opened.open()
    yield opened
    await opened.close()


async def test_customer_is_kept_and_replaced(store: Store) -> None:
    assert await store.get_customer("C-1001") is None
    await store.put_customer(jo())
    assert await store.get_customer("C-1001") == jo()
    await store.put_customer(jo(name="Jo Bloggs-Smith"))
    found = await store.get_customer("C-1001")
    assert found is not None and found.name == "Jo Bloggs-Smith"


async def test_identity_resolves_however_it_is_written(store: Store) -> None:
    await store.put_customer(jo())
    for written in ("+44 7700 900123", "447700900123", "07700900123"):
        snapshot = await store.resolve(Identity.of("phone", written))
        assert snapshot.customer is not None and snapshot.customer.ref == "C-1001", written
        assert snapshot.representative is None
    snapshot = await store.resolve(identity("email:Jo@EXAMPLE.com"))
    assert snapshot.customer is not None and snapshot.customer.ref == "C-1001"
    unknown = await store.resolve(identity("email:someone@example.com"))
    assert unknown.customer is None and unknown.restrictions == ()


async def test_identity_of_another_customer_is_a_conflict_and_nothing_is_written(
    store: Store,
) -> None:
    await store.put_customer(jo())
    other = Customer(
        ref="C-2002",
        name="Sam Other",
        identities=(identity("email:sam@example.com"), identity("phone:+447700900123")),
    )
    with pytest.raises(IdentityConflict) as raised:
        await store.put_customer(other)
    assert raised.value.owner == "C-1001"
    assert raised.value.identity.key == "phone:+447700900123"
    assert await store.get_customer("C-2002") is None
    assert (await store.resolve(identity("email:sam@example.com"))).customer is None

    acting = Representative(name="Sam", identities=(identity(SOLICITOR),))
    with pytest.raises(IdentityConflict):
        await store.put_customer(Customer(ref="C-3003", representatives=(acting,)))
    assert await store.get_customer("C-3003") is None


async def test_an_identity_dropped_from_a_customer_is_free_again(store: Store) -> None:
    await store.put_customer(jo())
    await store.put_customer(jo(identities=(identity(JO_EMAIL),)))
    assert (await store.resolve(identity(JO_PHONE))).customer is None
    await store.put_customer(Customer(ref="C-2002", identities=(identity(JO_PHONE),)))
    owner = (await store.resolve(identity(JO_PHONE))).customer
    assert owner is not None and owner.ref == "C-2002"


async def test_representative_resolves_to_the_customer_they_act_for(store: Store) -> None:
    await store.put_customer(jo())
    await store.put_case(letter_only_case())
    snapshot = await store.resolve(identity("email:Office@Smith-Law.example"))
    assert snapshot.customer is not None and snapshot.customer.ref == "C-1001"
    assert snapshot.representative is not None and snapshot.representative.name == "Smith & Co"
    assert [r.kind for r in snapshot.restrictions] == ["letter_only"]


async def test_cases_change_the_snapshot(store: Store) -> None:
    await store.put_customer(jo())
    assert (await store.resolve(identity(JO_EMAIL))).restrictions == ()

    await store.put_case(letter_only_case())
    snapshot = await store.resolve(identity(JO_EMAIL))
    assert [(r.kind, r.case_id) for r in snapshot.restrictions] == [("letter_only", "K-1")]
    assert snapshot.restrictions[0].id  # a decision can name the restriction
    assert snapshot.review_due_on == dt.date(2025, 1, 10) and not snapshot.appeal_open

    social = Case(
        id="K-2",
        customer_ref="C-1001",
        state=CaseState.appeal_lodged,
        restrictions=(
            SocialMedia(starts_on=dt.date(2024, 2, 1), ends_on=dt.date(2025, 2, 1), level="denied"),
        ),
    )
    await store.put_case(social)
    snapshot = await store.resolve(identity(JO_PHONE))
    assert [r.kind for r in snapshot.restrictions] == ["letter_only", "social_media"]
    assert snapshot.appeal_open

    await store.put_case(letter_only_case(CaseState.closed))
    snapshot = await store.resolve(identity(JO_EMAIL))
    assert [r.kind for r in snapshot.restrictions] == ["social_media"]
    assert await store.get_case("K-1") == letter_only_case(CaseState.closed)
    assert [case.id for case in await store.list_cases("C-1001")] == ["K-1", "K-2"]
    assert [case.id for case in await store.list_cases()] == ["K-1", "K-2"]
    assert await store.list_cases("C-9999") == []
    assert await store.get_case("K-404") is None


async def test_a_case_needs_its_customer(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.put_case(letter_only_case())
    assert await store.get_case("K-1") is None


async def test_record_counts_the_last_hour_day_and_week(store: Store) -> None:
    await store.put_customer(jo())
    await store.put_case(letter_only_case())
    first = await arrive(store, contact(NOW - dt.timedelta(days=8)))
    assert (first.recent.last_hour, first.recent.last_day, first.recent.last_week) == (1, 1, 1)
    assert first.customer_key == "C-1001"
    for ago in (dt.timedelta(days=6), dt.timedelta(hours=23), dt.timedelta(minutes=30)):
        await arrive(store, contact(NOW - ago, sender=JO_PHONE, channel=Channel.phone))
    arrival = await arrive(store, contact(NOW))
    recent = arrival.recent
    assert (recent.last_hour, recent.last_day, recent.last_week) == (2, 3, 4)
    assert arrival.duplicate_of is None and arrival.contact_id != first.contact_id


async def test_unknown_sender_is_counted_under_their_address(store: Store) -> None:
    stranger = "phone:+447700900999"
    for minutes in (20, 10, 0):
        at = NOW - dt.timedelta(minutes=minutes)
        arrival = await arrive(store, contact(at, stranger, Channel.sms))
    assert arrival.customer_key == stranger
    assert (await store.resolve(identity(stranger))).customer is None
    assert arrival.recent.last_hour == 3


async def test_channels_used_within_the_scattergun_window(store: Store) -> None:
    await store.put_customer(jo())
    await arrive(store, contact(NOW - dt.timedelta(minutes=90)))
    await arrive(store, contact(NOW - dt.timedelta(minutes=20), JO_PHONE, Channel.sms))
    arrival = await arrive(store, contact(NOW, JO_PHONE, Channel.phone))
    assert arrival.recent.channels_in_window == {Channel.sms, Channel.phone}
    wide = await arrive(
        store, contact(NOW + dt.timedelta(minutes=1), SOLICITOR), Windows(scattergun_minutes=120)
    )
    assert wide.recent.channels_in_window == {Channel.email, Channel.sms, Channel.phone}


async def test_earlier_texts_within_the_repeated_days(store: Store) -> None:
    await store.put_customer(jo())
    sent = [
        (dt.timedelta(days=40), "the boiler is still broken"),
        (dt.timedelta(days=10), "the boiler is broken again"),
        (dt.timedelta(days=2), ""),
        (dt.timedelta(days=1), "who is my officer?"),
    ]
    for ago, text in sent:
        await arrive(store, contact(NOW - ago, text=text))
    arrival = await arrive(store, contact(NOW, text="the boiler is broken"))
    assert arrival.recent.earlier_texts == ("who is my officer?", "the boiler is broken again")
    other = await arrive(store, contact(NOW, sender="email:else@example.com", text="hi"))
    assert other.recent.earlier_texts == ()


async def test_a_duplicate_returns_the_earlier_decision_and_saves_nothing(store: Store) -> None:
    await store.put_customer(jo())
    call = contact(NOW, JO_PHONE, Channel.phone, text="call me", external_id="CA123")
    first = await store.record(call, refused(), WINDOWS)
    assert first.duplicate_of is None and first.recent.last_hour == 1
    again = await store.record(call, DELIVERED, WINDOWS, notice_limit=5)  # a retried webhook
    assert again.contact_id == first.contact_id and again.customer_key == "C-1001"
    earlier = again.duplicate_of
    assert earlier is not None and earlier.decision == refused()
    assert earlier.contact_id == first.contact_id and earlier.channel is Channel.phone
    assert earlier.received_at == NOW and not again.notice_allowed
    assert again.recent.last_hour == 1
    (logged,) = await store.contacts("C-1001")
    assert logged == earlier
    assert [item.contact.text for item in await store.held("C-1001")] == ["call me"]
    days = await store.daily_counts("C-1001", NOW.date(), NOW.date())
    assert [(d.channel, d.count) for d in days] == [(Channel.phone, 1)]
    later = contact(NOW + dt.timedelta(minutes=1), JO_PHONE, Channel.phone, external_id="CA124")
    assert (await store.record(later, refused(), WINDOWS, notice_limit=1)).notice_allowed
    text = await arrive(store, contact(NOW, JO_PHONE, Channel.sms, external_id="CA123"))
    assert text.duplicate_of is None and text.recent.last_hour == 2  # another channel


async def test_a_notice_is_counted_with_the_decision_within_the_daily_allowance(
    store: Store,
) -> None:
    await store.put_customer(jo())
    answers = []
    for n in range(3):
        message = contact(NOW + dt.timedelta(minutes=n), text=f"m{n}", external_id=f"M-{n}")
        answers.append(await store.record(message, refused(), WINDOWS, notice_limit=2))
    assert [r.notice_allowed for r in answers] == [True, True, False]
    retried = await store.record(contact(NOW, text="m0", external_id="M-0"), refused(), WINDOWS, 2)
    assert retried.duplicate_of is not None and retried.notice_allowed
    assert retried.duplicate_of.notice_allowed
    late = await store.record(
        contact(NOW + dt.timedelta(minutes=5), external_id="M-2"), refused(), WINDOWS, 2
    )
    assert late.duplicate_of is not None and not late.notice_allowed  # the first answer
    unasked = await store.record(contact(NOW, JO_PHONE, Channel.sms), refused(), WINDOWS)
    assert not unasked.notice_allowed
    tomorrow = contact(NOW + dt.timedelta(days=1))
    assert (await store.record(tomorrow, refused(), WINDOWS, notice_limit=2)).notice_allowed
    logged = await store.contacts("C-1001")
    assert sum(d.notice_allowed for d in logged) == 3


@contextlib.asynccontextmanager
async def failing_writes(store: Store, redis_url: str) -> AsyncIterator[None]:
    """The store refuses to finish a write: SQLite at its last insert (the held queue), as a
    full disk would; Redis out of memory, as it refuses a script that would write."""
    if isinstance(store, SqliteStore):
        db = sqlite3.connect(store.path, isolation_level=None)
        db.execute(
            "CREATE TRIGGER no_room BEFORE INSERT ON held BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
        try:
            yield
        finally:
            db.execute("DROP TRIGGER no_room")
            db.close()
        return
    admin = redis.Redis.from_url(redis_url)
    before = str(admin.config_get("maxmemory")["maxmemory"])
    admin.config_set("maxmemory", 1)
    try:
        yield
    finally:
        admin.config_set("maxmemory", before)
        admin.close()


async def test_a_failed_record_leaves_nothing_half_written(
    store: Store, request: pytest.FixtureRequest
) -> None:
    await store.put_customer(jo())
    url = "" if isinstance(store, SqliteStore) else request.getfixturevalue("redis_url")
    message = contact(NOW, text="please call", external_id="M-1")
    async with failing_writes(store, url):
        with pytest.raises(StoreError):
            await store.record(message, refused(), WINDOWS, notice_limit=1)
    assert await store.contacts("C-1001") == [] and await store.held("C-1001") == []
    assert await store.daily_counts("C-1001", NOW.date(), NOW.date()) == []
    recorded = await store.record(message, refused(), WINDOWS, notice_limit=1)  # the retry
    assert recorded.duplicate_of is None and recorded.recent.last_hour == 1
    assert recorded.notice_allowed  # the failed attempt counted no notice
    assert len(await store.held("C-1001")) == 1


async def test_refused_and_held_contacts_go_to_the_held_queue(store: Store) -> None:
    await store.put_customer(jo())
    saved = []
    for minutes, decision in ((3, refused()), (2, DELIVERED), (1, Decision(action=Action.hold))):
        message = contact(NOW - dt.timedelta(minutes=minutes), text=f"message {minutes}")
        recorded = await store.record(message, decision, WINDOWS)
        saved.append("dc_" + recorded.contact_id.removeprefix("ct_"))
    held = await store.held("C-1001")
    assert [(item.action, item.contact.text) for item in held] == [
        (Action.refuse, "message 3"),
        (Action.hold, "message 1"),
    ]
    assert held[0].reasons == ("letter_only",) and held[0].triage == "pending"
    assert [item.id for item in await store.held()] == [item.id for item in held]
    assert await store.held("C-2002") == []
    decided = await store.contacts("C-1001")
    assert [d.id for d in decided] == saved[::-1]
    assert [d.decision.action for d in decided] == [Action.hold, Action.deliver, Action.refuse]
    assert [d.id for d in await store.contacts("C-1001", limit=2)] == saved[:0:-1]


async def test_triage_records_the_outcome(store: Store) -> None:
    await store.put_customer(jo())
    message = contact(NOW, text="please call me")
    await store.record(message, refused(), WINDOWS)
    (item,) = await store.held(pending_only=True)
    done = await store.triage(item.id, "new_information", "officer.ann", "new repair reported")
    assert (done.triage, done.triaged_by, done.note) == (
        "new_information",
        "officer.ann",
        "new repair reported",
    )
    assert await store.held(pending_only=True) == []
    assert await store.held("C-1001", pending_only=True) == []
    assert await store.held("C-1001") == [done]
    with pytest.raises(NotFound):
        await store.triage("hd_missing", "safeguarding", "officer.ann")
    with pytest.raises(ValueError, match="outcome"):
        await store.triage(item.id, "ignored", "officer.ann")


async def test_a_flag_is_raised_once_per_kind_per_customer_per_day(store: Store) -> None:
    volume = Flag(kind=FlagKind.excessive_volume, detail="12 contacts today")
    scattergun = Flag(kind=FlagKind.scattergun, evidence={"channels": ["sms", "email"]})
    day = NOW.date()
    first = await store.add_flags("C-1001", [volume, scattergun], day, "ct_1")
    assert [f.kind for f in first] == [FlagKind.excessive_volume, FlagKind.scattergun]
    assert first[1].flag == scattergun and first[0].contact_id == "ct_1"
    assert await store.add_flags("C-1001", [volume, volume], day) == []
    tomorrow = await store.add_flags("C-1001", [volume], day + dt.timedelta(days=1))
    assert len(tomorrow) == 1
    assert len(await store.add_flags("C-2002", [volume], day)) == 1
    listed = await store.list_flags("C-1001")
    assert [f.id for f in listed] == [tomorrow[0].id, first[1].id, first[0].id]
    assert len(await store.list_flags()) == 4


async def test_acknowledging_a_flag(store: Store) -> None:
    (flag,) = await store.add_flags("C-1001", [Flag(kind=FlagKind.abusive_language)], NOW.date())
    assert flag.acknowledged_by is None
    acknowledged = await store.acknowledge_flag(flag.id, "officer.ann")
    assert acknowledged.acknowledged_by == "officer.ann"
    assert await store.list_flags("C-1001") == [acknowledged]
    with pytest.raises(NotFound):
        await store.acknowledge_flag("fl_missing", "officer.ann")


async def test_notices_are_limited_per_sender_channel_and_day(store: Store) -> None:
    seen = iter(range(100))

    async def allowed(sender: str, channel: Channel, at: dt.datetime) -> bool:
        message = contact(at, sender, channel, external_id=f"X-{next(seen)}")
        return (await store.record(message, refused(), WINDOWS, notice_limit=2)).notice_allowed

    assert [await allowed(JO_EMAIL, Channel.email, NOW) for _ in range(3)] == [True, True, False]
    assert await allowed(JO_PHONE, Channel.sms, NOW)
    assert await allowed(JO_EMAIL, Channel.email, NOW + dt.timedelta(days=1))
    assert await allowed("email:else@example.com", Channel.email, NOW)


async def test_daily_counts_over_thirteen_months_by_london_day(store: Store) -> None:
    await store.put_customer(jo())
    moments = [
        (dt.datetime(2023, 6, 15, 9, 0, tzinfo=UTC), Channel.email),
        (dt.datetime(2023, 12, 25, 23, 30, tzinfo=UTC), Channel.phone),  # GMT: still the 25th
        (dt.datetime(2024, 7, 1, 23, 30, tzinfo=UTC), Channel.phone),  # BST: the 2nd in London
        (dt.datetime(2024, 7, 2, 8, 0, tzinfo=UTC), Channel.phone),
        (dt.datetime(2024, 7, 2, 9, 0, tzinfo=UTC), Channel.email),
        (dt.datetime(2024, 7, 3, 9, 0, tzinfo=UTC), Channel.email),
    ]
    for at, channel in moments:
        sender = JO_PHONE if channel is Channel.phone else JO_EMAIL
        await arrive(store, contact(at, sender, channel))
    counts = await store.daily_counts("C-1001", dt.date(2023, 6, 2), dt.date(2024, 7, 2))
    assert [(c.day, c.channel, c.count) for c in counts] == [
        (dt.date(2023, 6, 15), Channel.email, 1),
        (dt.date(2023, 12, 25), Channel.phone, 1),
        (dt.date(2024, 7, 2), Channel.email, 1),
        (dt.date(2024, 7, 2), Channel.phone, 2),
    ]
    assert await store.daily_counts("C-2002", dt.date(2023, 6, 2), dt.date(2024, 7, 2)) == []


async def test_a_call_duration_is_kept_with_its_contact(store: Store) -> None:
    await store.put_customer(jo())
    call = contact(NOW, JO_PHONE, Channel.phone, external_id="CA777")
    await arrive(store, call)
    assert await store.set_duration(Channel.phone, "CA777", 95)
    assert not await store.set_duration(Channel.phone, "CA404", 95)
    assert not await store.set_duration(Channel.sms, "CA777", 95)
    (decided,) = await store.contacts("C-1001")
    assert decided.duration_seconds == 95


async def test_history_of_an_address_follows_it_to_a_customer(store: Store) -> None:
    early = contact(NOW - dt.timedelta(days=2), "email:jo.b@example.com", text="hello")
    arrival = await store.record(early, refused(), WINDOWS)
    assert arrival.customer_key == "email:jo.b@example.com"
    await store.put_customer(jo(identities=(identity("email:jo.b@example.com"),)))
    assert [d.contact_id for d in await store.contacts("C-1001")] == [arrival.contact_id]
    days = await store.daily_counts("C-1001", NOW.date() - dt.timedelta(days=3), NOW.date())
    assert [(d.day, d.count) for d in days] == [(NOW.date() - dt.timedelta(days=2), 1)]
    assert len(await store.held("C-1001")) == 1


async def test_the_audit_trail_is_appended_and_filtered(store: Store) -> None:
    entries = [
        AuditEntry(at=NOW, actor="officer.ann", action="case.warn", subject="case:K-1"),
        AuditEntry(at=NOW, actor="agent.bo", action="customer.link", subject="customer:C-1001"),
        AuditEntry(
            at=NOW + dt.timedelta(minutes=5),
            actor="head.of.service",
            action="case.restrict",
            subject="case:K-1",
            detail={"restrictions": ["letter_only"]},
        ),
    ]
    for entry in entries:
        await store.audit(entry)
    assert await store.audit_trail() == entries
    assert await store.audit_trail("case:K-1") == [entries[0], entries[2]]
    assert await store.audit_trail("case:K-2") == []


async def test_a_session_is_live_until_revoked_or_expired(store: Store) -> None:
    shift = NOW + dt.timedelta(hours=12)
    await store.create_session("s-1", shift, NOW)
    await store.create_session("s-2", shift, NOW)
    assert await store.session_live("s-1", NOW)
    assert not await store.session_live("s-unknown", NOW)
    await store.revoke_session("s-1")
    await store.revoke_session("s-unknown")  # nothing to revoke: no error
    assert not await store.session_live("s-1", NOW)
    assert await store.session_live("s-2", NOW)  # the other session is untouched
    assert await store.session_live("s-2", shift - dt.timedelta(seconds=1))
    assert not await store.session_live("s-2", shift)  # expired on the gateway's clock
    # a new session after the first expired: both answer on the clock they are asked with
    later = shift + dt.timedelta(hours=1)
    await store.create_session("s-3", later + dt.timedelta(hours=12), later)
    assert await store.session_live("s-3", later)
    assert not await store.session_live("s-2", later)


async def test_find_customers_by_ref_name_or_address(store: Store) -> None:
    await store.put_customer(jo())
    await store.put_customer(Customer(ref="C-2002", name="Sam Bloggs"))
    await store.put_customer(Customer(ref="C-3003", name="Ann Other"))

    async def refs(query: str, limit: int = 20) -> list[str]:
        return [customer.ref for customer in await store.find_customers(query, limit)]

    assert await refs("c-3003") == ["C-3003"]
    assert await refs("BLOGGS") == ["C-1001", "C-2002"]
    assert await refs("bloggs", limit=1) == ["C-1001"]
    assert await refs("07700 900123") == ["C-1001"]
    assert await refs("JO@example.com") == ["C-1001"]
    assert await refs("office@smith-law.example") == ["C-1001"]
    assert await refs("nobody") == []


async def test_sqlite_in_a_missing_directory_is_a_store_error(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'missing' / 'gateway.db'}")
    with pytest.raises(StoreError):
        await store.open()
    with pytest.raises(StoreError):
        await arrive(store, contact(NOW))
    assert not await store.ping()


async def test_redis_down_is_a_store_error_until_it_is_back(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        store = open_store(server.url)
        await store.open()
        try:
            await store.put_customer(jo())
            assert await store.ping()
            server.kill()
            with pytest.raises(StoreError):
                await arrive(store, contact(NOW))
            with pytest.raises(StoreError):
                await store.put_customer(jo())
            assert not await store.ping()
            server.start()
            # No persistence: the restarted server is empty, and its script cache too.
            arrival = await arrive(store, contact(NOW))
            assert arrival.recent.last_hour == 1 and await store.ping()
        finally:
            await store.close()


def test_unknown_store_url_names_the_scheme_and_the_supported_ones() -> None:
    with pytest.raises(ValueError, match=r"'postgres'.*sqlite:///.*redis://"):
        open_store("postgres://localhost/gateway")
    with pytest.raises(ValueError, match="scheme"):
        open_store("gateway.db")
    with pytest.raises(ValueError, match="Port"):
        open_store("redis://127.0.0.1:six/0")


async def test_in_memory_sqlite_for_tests() -> None:
    store = open_store("sqlite://:memory:")
    await store.open()
    try:
        await store.put_customer(jo())
        assert await store.get_customer("C-1001") == jo()
    finally:
        await store.close()


# Redis only: the cache shared through pub/sub, and the cost of the hot path.


async def redis_store(url: str, prefix: str) -> RedisStore:
    store = open_store(f"{url}?prefix={prefix}")
    assert isinstance(store, RedisStore)
    await store.open()
    await _wait_until(lambda: store.cache.live)
    return store


async def test_a_second_gateway_sees_a_case_change_through_pub_sub(redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    writer, reader = await redis_store(redis_url, prefix), await redis_store(redis_url, prefix)
    try:
        await writer.put_customer(jo())
        # A lookup is kept unless an invalidation arrives while it is under way (this one may).
        await _wait_until_async(lambda: _cached(reader, JO_EMAIL))
        assert (await reader.resolve(identity(JO_EMAIL))).restrictions == ()
        await writer.put_case(letter_only_case())
        await _wait_until_async(lambda: _restricted(reader, JO_EMAIL))
        await writer.put_customer(jo(name="Jo B"))
        await _wait_until(lambda: reader.cache.get(identity(JO_EMAIL).key) is None)
        snapshot = await reader.resolve(identity(JO_EMAIL))
        assert snapshot.customer is not None and snapshot.customer.name == "Jo B"
    finally:
        await writer.close()
        await reader.close()


async def _cached(store: RedisStore, sender: str) -> bool:
    await store.resolve(identity(sender))
    return store.cache.get(identity(sender).key) is not None


async def _restricted(store: RedisStore, sender: str) -> bool:
    return bool((await store.resolve(identity(sender))).restrictions)


def _commands_by(client: redis.Redis, name: str) -> list[str]:
    """The commands that the client named `name` sent, from the slow log (every command is
    logged: the threshold is 0). Commands run inside a script are logged without a name."""
    entries = client.slowlog_get(1000)
    return [
        entry["command"].decode().split()[0].lower()
        for entry in reversed(entries)
        if entry.get("client_name") in (name, name.encode())
    ]


async def test_the_hot_path_is_one_round_trip(redis_server: RedisServer) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    store = await redis_store(redis_server.url, prefix)
    admin = redis.Redis.from_url(redis_server.url)
    before = admin.config_get("slowlog-*")
    try:
        await store.put_customer(jo())
        await store.put_case(letter_only_case())
        admin.config_set("slowlog-log-slower-than", 0)
        admin.config_set("slowlog-max-len", 1000)
        admin.slowlog_reset()
        # A contact from a sender whose snapshot is cached: resolve, then one script.
        await _wait_until_async(lambda: _cached(store, JO_EMAIL))
        admin.slowlog_reset()
        assert (await store.resolve(identity(JO_EMAIL))).restrictions
        recorded = await store.record(contact(NOW, text="hello"), refused(), WINDOWS, 1)
        assert _commands_by(admin, CLIENT_NAME) == ["evalsha"]
        assert recorded.recent.last_hour == 1 and recorded.notice_allowed

        # A banner lookup once cached costs no round trip at all.
        await _wait_until_async(lambda: _cached(store, JO_PHONE))
        admin.slowlog_reset()
        assert (await store.resolve(identity(JO_PHONE))).restrictions
        assert _commands_by(admin, CLIENT_NAME) == []
    finally:
        for name, value in before.items():
            admin.config_set(str(name), str(value))
        admin.close()
        await store.close()


async def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _wait_until_async(condition: Callable[[], Awaitable[bool]], seconds: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


# SQLite only: the snapshot cache notices what another connection (another process) wrote.


async def test_sqlite_snapshots_cached_see_another_process_s_writes(tmp_path: Path) -> None:
    """`serve` keeps snapshots in process; an `import` beside it writes the same file. Its
    changes are seen within moments, this process's own at once."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    serving, importing = open_store(url), open_store(url)
    assert isinstance(serving, SqliteStore)
    await serving.open()
    await importing.open()

    async def soon(kinds: list[str], ref: str = JO_EMAIL) -> None:
        for _ in range(100):  # within RECHECK_SECONDS (0.1 s): allow two seconds
            if [r.kind for r in (await serving.resolve(identity(ref))).restrictions] == kinds:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{ref} never showed {kinds}")

    try:
        await importing.put_customer(jo())
        await soon([])
        assert serving.snapshots.cache.get(identity(JO_EMAIL).key) is not None  # kept
        await serving.record(contact(NOW), DELIVERED, WINDOWS)  # recording keeps it
        assert serving.snapshots.cache.get(identity(JO_EMAIL).key) is not None
        await importing.put_case(letter_only_case())  # another process restricts Jo
        await soon(["letter_only"])
        await serving.put_case(letter_only_case(CaseState.closed))  # our own: at once
        assert (await serving.resolve(identity(JO_EMAIL))).restrictions == ()
        assert (await serving.resolve(identity(JO_PHONE))).restrictions == ()
        await importing.put_customer(jo(name="Jo B"))
        for _ in range(100):
            found = (await serving.resolve(identity(JO_EMAIL))).customer
            if found is not None and found.name == "Jo B":
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the new name was never seen")
    finally:
        await importing.close()
        await serving.close()
