"""What the store keeps and answers, and how it fails; the protocols are in gateway.store.ports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from policy_core.identities import Identity
from policy_core.models import (
    Action,
    Channel,
    Contact,
    Decision,
    Flag,
    FlagKind,
    Frozen,
    RecentContacts,
)


class StoreError(Exception):
    """The store could not be reached or could not complete an operation."""


class IdentityConflict(StoreError):
    """An identity is already bound to another customer (HTTP 409)."""

    def __init__(self, identity: Identity, owner: str) -> None:
        super().__init__(f"{identity.key} already belongs to customer {owner}")
        self.identity = identity
        self.owner = owner


class NotFound(StoreError):
    """No such customer, case or held item (HTTP 404)."""


class StoredDecision(Frozen):
    id: str
    contact_id: str
    customer_key: str
    channel: Channel
    received_at: dt.datetime
    decision: Decision
    duration_seconds: int | None = None  # a completed call's length, once known (set_duration)
    notice_allowed: bool = False  # whether a notice was counted within the daily allowance


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record` answers: where the contact was counted, the counts with it included, and
    for a duplicate (same channel and external_id seen before) the decision saved then."""

    contact_id: str
    customer_key: str  # the customer's ref, or the sender's identity key when unknown
    recent: RecentContacts
    notice_allowed: bool = False  # a notice was asked for and is within today's allowance
    duplicate_of: StoredDecision | None = None


class HeldItem(Frozen):
    """A refused or held contact kept whole for triage."""

    id: str
    contact_id: str
    customer_key: str
    contact: Contact
    action: Action
    reasons: tuple[str, ...] = ()
    triage: str = "pending"  # pending | no_new_information | new_information | safeguarding
    triaged_by: str | None = None
    note: str = ""


class StoredFlag(Frozen):
    id: str
    customer_key: str
    kind: FlagKind
    on: dt.date
    flag: Flag
    contact_id: str | None = None
    acknowledged_by: str | None = None


class DailyCount(Frozen):
    day: dt.date
    channel: Channel
    count: int


class AuditEntry(Frozen):
    at: dt.datetime
    actor: str
    action: str
    subject: str  # what it is about: "case:K-1", "customer:C-1001", "held:...", "flag:..."
    detail: dict[str, Any] = Field(default_factory=dict)


class Windows(Frozen):
    """How far back the hot path looks, from the policy profile."""

    scattergun_minutes: int = 60
    repeated_days: int = 30
