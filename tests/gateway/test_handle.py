"""`Gateway.handle`, in this process on a real SQLite store: one daily allowance of notices on
every channel with the profile's limit, the same notice answer for a retried contact, and no
allowance spent when the channel can send no reply."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway import import_file, importer
from gateway.api import Gateway, ReplyChannel
from gateway.profiles import load_profile
from gateway.settings import Settings
from gateway.store import open_store
from policy_core.identities import Identity, IdentityKind
from policy_core.models import Action, Channel, Contact
from tests.clock import NOW, TODAY

EMAIL, SMS = ReplyChannel(channel=Channel.email), ReplyChannel(channel=Channel.sms)
SOCIAL = ReplyChannel(channel=Channel.social)
SPOKEN = ReplyChannel(channel=Channel.phone, live=True)
ANN = {
    Channel.email: Identity.of(IdentityKind.email, "ann@example.org"),
    Channel.sms: Identity.of(IdentityKind.phone, "07700 900101"),
    Channel.phone: Identity.of(IdentityKind.phone, "07700 900101"),
    Channel.social: Identity.of(IdentityKind.slack, "T0TEAM/U0ANN"),
}
ORGANISATION = {
    "name": "Test Homes", "postal_address": "Test Homes, 1 High Street, Derby DE1 1AA",
    "emergency_email": "emergency@landlord.example", "emergency_phone": "+441332000999",
}  # fmt: skip
PEOPLE = {
    "customers": [
        {"ref": "C-1", "name": "Ann", "identities": [
            {"kind": "email", "value": "ann@example.org"},
            {"kind": "phone", "value": "07700 900101"},
            {"kind": "slack", "value": "T0TEAM/U0ANN"},
        ]},
    ],
    "cases": [
        {"id": "K-1", "customer_ref": "C-1", "restrictions": [{"kind": "letter_only"}],
         "warned_on": (TODAY - dt.timedelta(days=60)).isoformat(),
         "restricted_on": (TODAY - dt.timedelta(days=30)).isoformat()},
    ],
}  # fmt: skip


@contextlib.asynccontextmanager
async def gateway_with(directory: Path, notices_per_day: int) -> AsyncIterator[Gateway]:
    """A gateway whose profile allows `notices_per_day` notices, with Ann on letter only."""
    url = f"sqlite:///{directory / 'gateway.db'}"
    settings = Settings(
        store={"url": url}, data_dir=directory, clock={"fixed": NOW}, organisation=ORGANISATION
    )
    profile = load_profile("derby-homes-2020").model_copy(
        update={"notices_per_sender_per_day": notices_per_day}
    )
    gateway = Gateway(settings, open_store(url), profile)
    await gateway.store.open()
    try:
        data = import_file.parse(json.dumps(PEOPLE))
        plan = await importer.plan(gateway.store, data, "GB", profile)
        await importer.apply(gateway.store, plan, "test", NOW)
        yield gateway
    finally:
        await gateway.store.close()


def contact(channel: Channel, n: int, external_id: str | None = None) -> Contact:
    return Contact(
        channel=channel, sender=ANN[channel], received_at=NOW + dt.timedelta(minutes=n),
        destination="housing@landlord.example" if channel is Channel.email else "C0COMMUNITY",
        text=f"message {n}", external_id=external_id or f"{channel.value}-{n}",
    )  # fmt: skip


@pytest.mark.parametrize(("channel", "reply"), [(Channel.email, EMAIL), (Channel.sms, SMS),
                                                (Channel.social, SOCIAL)])  # fmt: skip
async def test_every_channel_gets_the_profiles_daily_allowance(
    tmp_path: Path, channel: Channel, reply: ReplyChannel
) -> None:
    async with gateway_with(tmp_path, notices_per_day=2) as gateway:
        outcomes = [await gateway.handle(contact(channel, n), reply) for n in range(4)]
    assert [o.action for o in outcomes] == [Action.refuse] * 4
    notices = [o.notice for o in outcomes]
    assert [n is not None for n in notices] == [True, True, False, False]
    assert "Test Homes, 1 High Street" in (notices[0] or "")  # rendered for the channel


async def test_a_caller_always_hears_the_notice(tmp_path: Path) -> None:
    async with gateway_with(tmp_path, notices_per_day=1) as gateway:
        outcomes = [await gateway.handle(contact(Channel.phone, n), SPOKEN) for n in range(3)]
        texted = await gateway.handle(contact(Channel.sms, 9), SMS)
    assert all(o.notice for o in outcomes)  # a live call is never silent, and counts nothing
    assert texted.notice is not None  # the caller's texts still have their allowance


@pytest.mark.parametrize(("channel", "reply"), [(Channel.sms, SMS), (Channel.social, SOCIAL)])
async def test_a_retried_contact_gets_the_same_notice_answer(
    tmp_path: Path, channel: Channel, reply: ReplyChannel
) -> None:
    async with gateway_with(tmp_path, notices_per_day=1) as gateway:
        first = await gateway.handle(contact(channel, 1, "first"), reply)
        again = await gateway.handle(contact(channel, 1, "first"), reply)
        second = await gateway.handle(contact(channel, 2, "second"), reply)
        second_again = await gateway.handle(contact(channel, 2, "second"), reply)
    assert first.notice is not None and not first.duplicate
    assert again.duplicate and again.notice == first.notice  # the retry spends nothing
    assert second.notice is None  # the day's one notice went to the first
    assert second_again.duplicate and second_again.notice is None


async def test_no_allowance_is_spent_when_no_reply_may_be_sent(tmp_path: Path) -> None:
    async with gateway_with(tmp_path, notices_per_day=1) as gateway:
        listed = await gateway.handle(contact(Channel.email, 1), None)  # a mailing list, say
        personal = await gateway.handle(contact(Channel.email, 2), EMAIL)
    assert (listed.action, listed.notice) == (Action.refuse, None)
    assert personal.action is Action.refuse and personal.notice is not None


async def test_the_destination_is_in_the_channels_own_address_form(tmp_path: Path) -> None:
    async with gateway_with(tmp_path, notices_per_day=1) as gateway:
        gas = contact(Channel.sms, 1).model_copy(update={"text": "I can smell gas"})
        by_text = await gateway.handle(gas, SMS)
        mailed = await gateway.handle(
            contact(Channel.email, 2).model_copy(update={"text": "I can smell gas"}), EMAIL
        )
    assert (by_text.action, by_text.destination) == (Action.redirect, "+441332000999")
    assert (mailed.action, mailed.destination) == (Action.redirect, "emergency@landlord.example")


def ann_by_email(n: int, authenticated: bool | None) -> Contact:
    return contact(Channel.email, n).model_copy(update={"authenticated": authenticated})


async def test_an_emails_notice_goes_only_to_the_customers_own_address(tmp_path: Path) -> None:
    """Never to a stranger's envelope sender: a refusal says that a named person is restricted."""
    stranger = ReplyChannel(channel=Channel.email, to="someone@elsewhere.example")
    own = ReplyChannel(channel=Channel.email, to="Ann@Example.org")
    async with gateway_with(tmp_path, notices_per_day=5) as gateway:
        forged = await gateway.handle(ann_by_email(1, False), stranger)
        forged_own = await gateway.handle(ann_by_email(2, False), own)
        signed = await gateway.handle(ann_by_email(3, True), stranger)
        signed_own = await gateway.handle(ann_by_email(4, True), own)
    assert (forged.action, forged.notice, forged.notice_to) == (Action.refuse, None, None)
    assert "unverified_sender" in [r.rule for r in forged.decision.reasons]
    for outcome in (forged_own, signed, signed_own):  # the address on record, whatever the case
        assert outcome.notice is not None and outcome.notice_to == "ann@example.org"


async def test_no_allowance_is_spent_on_a_notice_that_may_not_be_sent(tmp_path: Path) -> None:
    stranger = ReplyChannel(channel=Channel.email, to="someone@elsewhere.example")
    async with gateway_with(tmp_path, notices_per_day=1) as gateway:
        forged = [await gateway.handle(ann_by_email(n, False), stranger) for n in range(3)]
        real = await gateway.handle(ann_by_email(5, True), EMAIL)
    assert [(o.notice, o.notice_to) for o in forged] == [(None, None)] * 3
    assert real.notice is not None and real.notice_to == "ann@example.org"
