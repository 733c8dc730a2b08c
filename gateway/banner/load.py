"""The restriction banner an agent sees before speaking to someone: who they are, what is
restricted and until when, and what each channel does with them right now.

What each channel does is asked of policy_core's `decide`, with the same snapshot the
gateway's hot path uses, for a synthetic contact at the current time: the banner cannot
disagree with the gateway. `load_banner` gathers the data from the store; `compose` is the
pure part, so pages and the API render the same `Banner` (its models: gateway.banner.models)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gateway.banner.models import (
    Banner,
    CaseNow,
    ChannelNow,
    Counts,
    RestrictionNow,
    label,
)
from gateway.store.base import DailyCount, StoredFlag
from gateway.store.ports import Store
from policy_core import Routes, decide
from policy_core.cases import Case, CaseState
from policy_core.identities import Identity, IdentityKind
from policy_core.lifecycle import deadlines
from policy_core.london import london_day
from policy_core.models import Action, Channel, Contact, Customer, Snapshot
from policy_core.profiles import Profile

OPEN_STATES = (CaseState.restricted, CaseState.appeal_lodged)
SENDER_KINDS = {
    Channel.email: IdentityKind.email,
    Channel.phone: IdentityKind.phone,
    Channel.sms: IdentityKind.phone,
    Channel.social: IdentityKind.slack,
}
# The sender of the synthetic contacts for a customer with no address on record.
NO_ADDRESS = Identity(kind=IdentityKind.email, value="no-address@banner.invalid")


def senders(customer: Customer | None, address: Identity | None) -> dict[Channel, Identity]:
    """Who the synthetic contact on each channel is from: the address asked about, else the
    customer's own identity for that channel (else their first one, else NO_ADDRESS)."""
    out: dict[Channel, Identity] = {}
    own = list(customer.identities) if customer is not None else []
    for channel in Channel:
        if address is not None:
            out[channel] = address
        else:
            same = [i for i in own if i.kind is SENDER_KINDS.get(channel)]
            out[channel] = (same or own or [NO_ADDRESS])[0]
    return out


def compose(
    *,
    now: dt.datetime,
    snapshot: Snapshot,
    senders: dict[Channel, Identity],
    cases: Sequence[Case],
    flags: Sequence[StoredFlag],
    counts: Sequence[DailyCount],
    profile: Profile,
    routes: Routes,
    address: Identity | None = None,
) -> Banner:
    """The banner from what the store holds; pure (`now` is an argument)."""
    today = london_day(now)
    active = tuple(
        RestrictionNow(
            kind=r.kind,
            label=label(r),
            starts_on=r.starts_on,
            until=r.ends_on,
            case_id=r.case_id,
            restriction=r,
        )
        for r in snapshot.restrictions
        if r.active_on(today)
    )
    channels = []
    for channel in Channel:
        contact = Contact(channel=channel, sender=senders[channel], received_at=now)
        decision = decide(contact, snapshot, profile, now, routes=routes)
        allowed = decision.action in (Action.deliver, Action.redirect)
        channels.append(
            ChannelNow(
                channel=channel,
                action=decision.action,
                allowed=allowed,
                destination=decision.destination,
                reasons=decision.reasons,
            )
        )
    open_cases = [c for c in cases if c.state in OPEN_STATES]
    review_due = snapshot.review_due_on or min(
        (c.review_due_on for c in open_cases if c.review_due_on), default=None
    )
    customer = snapshot.customer
    return Banner(
        at=now,
        address=address.key if address else None,
        customer=customer,
        representative=snapshot.representative,
        summary="; ".join(r.label for r in active) or "no restrictions",
        restrictions=active,
        channels=tuple(channels),
        representatives=customer.representatives if customer else (),
        adjustments=customer.adjustments if customer else (),
        appeal_open=snapshot.appeal_open or any(c.appeal_open for c in cases),
        cases=tuple(
            CaseNow(
                id=c.id,
                state=c.state,
                officer=c.officer,
                restricted_on=c.restricted_on,
                deadlines=deadlines(c, profile, today),
            )
            for c in cases
        ),
        review_due_on=review_due,
        review_overdue=review_due is not None and today > review_due,
        flags=tuple(f for f in flags if f.acknowledged_by is None),
        counts=count(counts, today),
    )


def count(days: Sequence[DailyCount], today: dt.date) -> Counts:
    week: dict[Channel, int] = {}
    month: dict[Channel, int] = {}
    for row in days:
        age = (today - row.day).days
        if 0 <= age < 30:
            month[row.channel] = month.get(row.channel, 0) + row.count
            if age < 7:
                week[row.channel] = week.get(row.channel, 0) + row.count
    return Counts(
        last_7_days=sum(week.values()),
        last_30_days=sum(month.values()),
        by_channel_7_days=week,
        by_channel_30_days=month,
    )


def snapshot_from_cases(customer: Customer, cases: Sequence[Case]) -> Snapshot:
    """For a customer with no address to resolve: their open cases' restrictions."""
    open_cases = [c for c in cases if c.state in OPEN_STATES]
    return Snapshot(
        customer=customer,
        restrictions=tuple(r for c in open_cases for r in c.restrictions),
        appeal_open=any(c.appeal_open for c in open_cases),
        review_due_on=min((c.review_due_on for c in open_cases if c.review_due_on), default=None),
    )


async def load_banner(
    store: Store,
    profile: Profile,
    routes: Routes,
    now: dt.datetime,
    *,
    address: Identity | None = None,
    customer_ref: str | None = None,
) -> Banner | None:
    """The banner for an address (a customer's, a representative's, or an unknown sender's)
    or for a customer by reference; None when there is no such customer."""
    if address is not None:
        snapshot = await store.resolve(address)
        customer = snapshot.customer
        cases = await store.list_cases(customer.ref) if customer else []
    else:
        customer = await store.get_customer(customer_ref or "")
        if customer is None:
            return None
        cases = await store.list_cases(customer.ref)
        if customer.identities:
            snapshot = await store.resolve(customer.identities[0])
        else:
            snapshot = snapshot_from_cases(customer, cases)
    key = customer.ref if customer else (address.key if address else "")
    today = london_day(now)
    return compose(
        now=now,
        snapshot=snapshot,
        senders=senders(customer, address),
        cases=cases,
        flags=await store.list_flags(key),
        counts=await store.daily_counts(key, today - dt.timedelta(days=29), today),
        profile=profile,
        routes=routes,
        address=address,
    )
