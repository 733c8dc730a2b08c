"""What both store backends share: ids, times, the counting windows, identity bindings, and the
held items and flags they keep."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from gateway.store.base import HeldItem, StoredDecision, StoredFlag, Windows
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact, Customer, Decision, Flag

LONDON = ZoneInfo("Europe/London")
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
DAILY_TTL_SECONDS = 400 * 86_400  # daily buckets outlive the 13-month review
EARLIER_TEXTS = 50  # how many earlier texts the repeated-complaint check compares with
TEXT_CHARS = 4_000  # how much of a contact's text is kept for that comparison
HELD_ACTIONS = (Action.refuse, Action.hold)
OUTCOMES = frozenset({"no_new_information", "new_information", "safeguarding"})


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        known = ", ".join(sorted(OUTCOMES))
        raise ValueError(f"unknown triage outcome {outcome!r}: use one of {known}")


def new_contact_id() -> str:
    return "ct_" + uuid.uuid4().hex


def new_flag_id() -> str:
    return "fl_" + uuid.uuid4().hex


def decision_id(contact_id: str) -> str:
    """One decision per contact, so saving it again is harmless."""
    return "dc_" + contact_id.removeprefix("ct_")


def held_id(contact_id: str) -> str:
    return "hd_" + contact_id.removeprefix("ct_")


def epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def local_day(moment: dt.datetime) -> dt.date:
    """Reports count per local day in Europe/London."""
    return moment.astimezone(LONDON).date()


def similarity_text(contact: Contact) -> str:
    return contact.text.strip()[:TEXT_CHARS]


def held_item(
    contact_id: str, customer_key: str, contact: Contact, decision: Decision
) -> HeldItem | None:
    """What the held queue keeps of a refused or held contact (None for the others)."""
    if decision.action not in HELD_ACTIONS:
        return None
    return HeldItem(
        id=held_id(contact_id),
        contact_id=contact_id,
        customer_key=customer_key,
        contact=contact,
        action=decision.action,
        reasons=tuple(f"{r.rule}: {r.detail}" if r.detail else r.rule for r in decision.reasons),
    )


def stored_decision(
    contact_id: str,
    customer_key: str,
    channel: str,
    received_ms: int | str,
    decision_json: str,
    duration: int | str | None = None,
    notice_allowed: int | str | None = None,
) -> StoredDecision:
    """A saved decision, from the columns or hash fields either backend keeps it in."""
    return StoredDecision(
        id=decision_id(contact_id),
        contact_id=contact_id,
        customer_key=customer_key,
        channel=Channel(channel),
        received_at=from_ms(int(received_ms)),
        decision=Decision.model_validate_json(decision_json),
        duration_seconds=None if duration is None else int(duration),
        notice_allowed=bool(int(notice_allowed or 0)),
    )


def new_flags(
    customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None
) -> list[StoredFlag]:
    return [
        StoredFlag(
            id=new_flag_id(),
            customer_key=customer_key,
            kind=flag.kind,
            on=on,
            flag=flag,
            contact_id=contact_id,
        )
        for flag in flags
    ]


def search_name(name: str) -> str:
    return name.casefold()


def contact_json(contact: Contact) -> str:
    # `raw` is the channel's own payload: anything it holds that JSON cannot is kept as text.
    return contact.model_dump_json(fallback=str)


@dataclass(frozen=True)
class Bounds:
    """The window starts (exclusive, epoch ms) for one contact received at `at`."""

    at: int
    hour: int
    day: int
    week: int
    scattergun: int
    repeated: int

    @classmethod
    def of(cls, received_at: dt.datetime, windows: Windows) -> Bounds:
        at = epoch_ms(received_at)
        return cls(
            at=at,
            hour=at - HOUR_MS,
            day=at - DAY_MS,
            week=at - WEEK_MS,
            scattergun=at - windows.scattergun_minutes * 60_000,
            repeated=at - windows.repeated_days * DAY_MS,
        )


def bindings(customer: Customer) -> dict[str, tuple[Identity, int | None]]:
    """Every identity that resolves to this customer: their own (index None) and each
    representative's (the representative's index). The first binding of a key wins."""
    bound: dict[str, tuple[Identity, int | None]] = {}
    for identity in customer.identities:
        bound.setdefault(identity.key, (identity, None))
    for index, representative in enumerate(customer.representatives):
        for identity in representative.identities:
            bound.setdefault(identity.key, (identity, index))
    return bound


def history_keys(customer_key: str, customer: Customer | None) -> list[str]:
    """A customer's history includes what their own addresses sent before being linked to
    them (unknown senders are counted under their address)."""
    if customer is None:
        return [customer_key]
    return [customer_key, *(identity.key for identity in customer.identities)]
