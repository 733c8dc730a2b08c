"""A customer's snapshot, as both stores keep it: the customer's JSON plus one part per open
case (its restrictions, labelled with the case), put together and parsed when read; and the
in-process cache of snapshots both stores serve `resolve` from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from policy_core.cases import Case, CaseState
from policy_core.models import Customer, Frozen, Restriction, Snapshot


class CasePart(Frozen):
    """What one open case adds to its customer's snapshot; stored next to the case."""

    case_id: str
    restrictions: tuple[Restriction, ...] = ()
    appeal_open: bool = False
    review_due_on: dt.date | None = None


def case_part(case: Case) -> str | None:
    """The case's part of the snapshot as JSON; None for a closed case. Restrictions are
    labelled with their case (and a position when they have no id), so that a decision
    can name the restriction and the case behind it."""
    if case.state is CaseState.closed:
        return None
    restrictions = tuple(
        restriction.model_copy(
            update={
                "case_id": restriction.case_id or case.id,
                "id": restriction.id or f"{case.id}/{index}",
            }
        )
        for index, restriction in enumerate(case.restrictions, start=1)
    )
    part = CasePart(
        case_id=case.id,
        restrictions=restrictions,
        appeal_open=case.appeal_open,
        review_due_on=case.review_due_on,
    )
    return part.model_dump_json()


class SnapshotMemo:
    """Parses a customer's stored snapshot (customer JSON plus case parts) once per version:
    the stored text is always read fresh; only the parsing is remembered."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._seen: dict[str, tuple[tuple[str, ...], Snapshot]] = {}

    def snapshot(
        self, ref: str, customer_json: str, parts: Iterable[str], representative: int | None
    ) -> Snapshot:
        version = (customer_json, *sorted(parts))
        seen = self._seen.get(ref)
        if seen is None or seen[0] != version:
            if len(self._seen) >= self._limit:
                self._seen.clear()
            seen = (version, assemble(customer_json, version[1:]))
            self._seen[ref] = seen
        snapshot = seen[1]
        if representative is None or snapshot.customer is None:
            return snapshot
        representatives = snapshot.customer.representatives
        if not 0 <= representative < len(representatives):
            return snapshot
        return snapshot.model_copy(update={"representative": representatives[representative]})


def assemble(customer_json: str, parts: Iterable[str]) -> Snapshot:
    customer = Customer.model_validate_json(customer_json)
    cases = sorted((CasePart.model_validate_json(part) for part in parts), key=_by_case)
    reviews = [case.review_due_on for case in cases if case.review_due_on is not None]
    return Snapshot(
        customer=customer,
        restrictions=tuple(r for case in cases for r in case.restrictions),
        appeal_open=any(case.appeal_open for case in cases),
        review_due_on=min(reviews, default=None),
    )


def _by_case(part: CasePart) -> str:
    return part.case_id


class SnapshotCache:
    """Snapshots by identity key, for known senders only (an unknown sender is never cached,
    so linking an address to a customer needs no invalidation for it)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.live = False
        self.generation = 0  # bumped by every invalidation: a lookup begun before is not kept
        self._snapshots: dict[str, tuple[str, Snapshot]] = {}
        self._keys_of: dict[str, set[str]] = {}

    def get(self, identity_key: str) -> Snapshot | None:
        if not self.live:
            return None
        found = self._snapshots.get(identity_key)
        return None if found is None else found[1]

    def put(self, identity_key: str, ref: str, snapshot: Snapshot, generation: int) -> None:
        if not self.live or generation != self.generation:
            return
        if len(self._snapshots) >= self.limit:
            self.clear()
            return
        self._snapshots[identity_key] = (ref, snapshot)
        self._keys_of.setdefault(ref, set()).add(identity_key)

    def invalidate(self, ref: str) -> None:
        self.generation += 1
        for key in self._keys_of.pop(ref, set()):
            self._snapshots.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._snapshots.clear()
        self._keys_of.clear()
