"""The store port: everything the gateway keeps, behind one interface with two backends
(`sqlite://` and `redis://`), both held to the same contract tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import Field

from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import (
    Action,
    Channel,
    Contact,
    Customer,
    Decision,
    Flag,
    FlagKind,
    Frozen,
    RecentContacts,
    Snapshot,
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


class Arrival(Frozen):
    """What one round trip on the hot path returns: who the contact is from, their
    restrictions, and the counts with this contact already recorded."""

    contact_id: str
    customer_key: str  # the customer's ref, or the sender's identity key when unknown
    snapshot: Snapshot
    recent: RecentContacts
    duplicate_of: StoredDecision | None = None  # same channel + external_id seen before


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


Decider = Callable[[Contact, Arrival], Decision]
"""What `Store.record` asks for the decision: pure and quick (it may run in the store's worker
thread, inside the transaction that records the contact)."""


class Store(Protocol):
    """Every method is async; a backend raises StoreError when its server is unreachable."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> bool: ...

    # customers and identities
    async def put_customer(self, customer: Customer) -> None:
        """Create or replace; IdentityConflict if an identity (the customer's own or a
        representative's) belongs to another customer. Nothing is written on conflict."""

    async def get_customer(self, ref: str) -> Customer | None: ...
    async def find_customers(self, query: str, limit: int = 20) -> list[Customer]:
        """By reference, name (case-insensitive substring) or any identity key."""
        ...

    async def resolve(self, identity: Identity) -> Snapshot:
        """The snapshot for whoever owns this identity (empty for an unknown sender)."""
        ...

    # cases
    async def put_case(self, case: Case) -> None:
        """Create or replace a case whole; the customer's snapshot changes with it."""

    async def get_case(self, case_id: str) -> Case | None: ...
    async def list_cases(self, customer_ref: str | None = None) -> list[Case]: ...

    # the hot path
    async def arrive(self, contact: Contact, windows: Windows) -> Arrival:
        """Resolve, snapshot, record and count one contact atomically. A contact whose
        channel and external_id were seen before is not counted again: `duplicate_of`
        carries the earlier decision (if one was saved)."""
        ...

    async def save_decision(self, arrival: Arrival, contact: Contact, decision: Decision) -> str:
        """Persist the decision; refused and held contacts also go to the held queue."""
        ...

    async def record(
        self, contact: Contact, windows: Windows, decide: Decider
    ) -> tuple[Arrival, Decision]:
        """`arrive`, then `decide(contact, arrival)` and `save_decision`, as cheaply as the
        backend allows (SQLite: one transaction, one durable commit). The decision is saved
        before this returns. A duplicate whose earlier decision was saved returns that decision
        and saves nothing. If `decide` raises, the contact stays recorded, undecided."""
        ...

    async def add_flags(
        self, customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None = None
    ) -> list[StoredFlag]:
        """Keep the flags not yet raised today for this customer and kind; return those."""
        ...

    async def allow_notice(
        self, sender_key: str, channel: Channel, on: dt.date, limit: int
    ) -> bool:
        """Counts one notice to this sender on this channel today; False once `limit` is
        reached (the contact is then held silently)."""
        ...

    async def acknowledge_flag(self, flag_id: str, actor: str) -> StoredFlag: ...
    async def list_flags(self, customer_key: str | None = None) -> list[StoredFlag]: ...

    # evidence and reports
    async def contacts(self, customer_key: str, limit: int = 100) -> list[StoredDecision]: ...
    async def daily_counts(
        self, customer_key: str, since: dt.date, until: dt.date
    ) -> list[DailyCount]: ...
    async def set_duration(self, channel: Channel, external_id: str, seconds: int) -> bool:
        """Store a completed call's duration with its contact; False when unknown."""
        ...

    async def held(
        self, customer_key: str | None = None, pending_only: bool = False
    ) -> list[HeldItem]: ...
    async def triage(self, held_id: str, outcome: str, actor: str, note: str = "") -> HeldItem: ...

    async def audit(self, entry: AuditEntry) -> None: ...
    async def audit_trail(self, subject: str | None = None) -> list[AuditEntry]: ...
