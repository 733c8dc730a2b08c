"""Loads customers and cases from a JSON export (`contact-gateway import`).

The whole file is checked before anything is written: its structure, every address, every
case's steps (built through the lifecycle, actor "import") and every identity against the
file itself and the store. One bad row and nothing is applied. What is already stored as the
file says is left alone, so importing a file twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from gateway.import_file import ACTOR, ImportFile
from gateway.inputs import InputError, Loc
from gateway.store.base import AuditEntry
from gateway.store.ports import Store
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Customer
from policy_core.profiles import Profile

Change = Literal["created", "updated", "unchanged", "kept"]


@dataclass
class Plan:
    customers: list[tuple[Customer, Change]] = field(default_factory=list)
    cases: list[tuple[Case, Change]] = field(default_factory=list)

    def counts(self, what: Literal["customers", "cases"]) -> dict[Change, int]:
        rows: list[tuple[Customer, Change]] | list[tuple[Case, Change]] = getattr(self, what)
        out: dict[Change, int] = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
        for _, change in rows:
            out[change] += 1
        return out

    def summary(self) -> str:
        people = self.counts("customers")
        cases = self.counts("cases")
        lines = [
            f"customers: {people['created']} created, {people['updated']} updated, "
            f"{people['unchanged']} unchanged",
            f"cases: {cases['created']} created, {cases['updated']} updated, "
            f"{cases['unchanged']} unchanged",
        ]
        if cases["kept"]:
            lines.append(
                f"{cases['kept']} case(s) changed since their import were kept as they are"
            )
        return "\n".join(lines)


def _same(a: Customer | Case, b: Customer | Case | None) -> bool:
    return b is not None and a.model_dump(mode="json") == b.model_dump(mode="json")


async def plan(store: Store, data: ImportFile, region: str, profile: Profile) -> Plan:
    """Everything the file would change, checked whole; InputError lists every problem."""
    problems: list[tuple[Loc, str]] = list(data.problems)
    customers: dict[str, tuple[int, Customer]] = {}
    invalid = set(data.unread_refs)
    for n, row in data.customers:
        try:
            customer = row.to_customer(region)
        except InputError as exc:
            problems += exc.within("customers", n).problems
            invalid.add(row.ref)
            continue
        if customer.ref in customers:
            first = customers[customer.ref][0]
            problems.append((("customers", n, "ref"), f"{customer.ref} is also customers[{first}]"))
        customers[customer.ref] = (n, customer)
    problems += await _identity_conflicts(store, customers)
    result = Plan()
    giving_up: set[str] = set()
    for _, customer in customers.values():
        stored = await store.get_customer(customer.ref)
        change: Change = (
            "unchanged" if _same(customer, stored) else "updated" if stored else "created"
        )
        result.customers.append((customer, change))
        if stored is not None and _keys(stored) - _keys(customer):
            giving_up.add(customer.ref)
    seen: dict[str, int] = {}
    for n, case_in in data.cases:
        if case_in.id in seen:
            problems.append((("cases", n, "id"), f"{case_in.id} is also cases[{seen[case_in.id]}]"))
        seen[case_in.id] = n
        ref = case_in.customer_ref
        if ref not in customers and ref not in invalid and await store.get_customer(ref) is None:
            problems.append((("cases", n, "customer_ref"), f"no customer {ref}"))
        try:
            case = case_in.build(profile)
        except InputError as exc:
            problems += exc.within("cases", n).problems
            continue
        result.cases.append((case, await _case_change(store, case)))
    if problems:
        raise InputError(sorted(problems, key=_row))
    # Customers who give up an identity are written first, so that it is free to move.
    result.customers.sort(key=lambda row: row[0].ref not in giving_up)
    return result


def _row(problem: tuple[Loc, str]) -> tuple[bool, int]:
    """Customers first, then cases, each in the file's order."""
    loc = problem[0]
    return loc[:1] != ("customers",), loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1


def _keys(customer: Customer) -> set[str]:
    keys = {identity.key for identity in customer.identities}
    return keys | {i.key for rep in customer.representatives for i in rep.identities}


async def _case_change(store: Store, case: Case) -> Change:
    stored = await store.get_case(case.id)
    if stored is None:
        return "created"
    if _same(case, stored):
        return "unchanged"
    if any(event.actor != ACTOR for event in stored.events):
        return "kept"  # someone has taken the case further since: theirs is the record
    return "updated"


async def _identity_conflicts(
    store: Store, customers: dict[str, tuple[int, Customer]]
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    owners: dict[str, str] = {}
    for ref, (n, customer) in customers.items():
        own: list[tuple[Loc, Identity]] = [
            (("identities", i), identity) for i, identity in enumerate(customer.identities)
        ]
        for r, rep in enumerate(customer.representatives):
            own += [
                (("representatives", r, "identities", i), x) for i, x in enumerate(rep.identities)
            ]
        for loc, identity in own:
            where_ = ("customers", n, *loc, "value")
            owner = owners.setdefault(identity.key, ref)
            if owner != ref:
                problems.append(
                    (where_, f"{identity.key} also belongs to customer {owner} in this file")
                )
                continue
            stored = (await store.resolve(identity)).customer
            if stored is not None and stored.ref != ref and stored.ref not in customers:
                problems.append(
                    (where_, f"{identity.key} already belongs to customer {stored.ref}")
                )
    return problems


Progress = Callable[[str, int, int], None]


async def apply(
    store: Store, changes: Plan, source: str, at: dt.datetime, progress: Progress | None = None
) -> None:
    """Writes the plan's changes, with an audit entry for each."""
    todo = [(c, ch) for c, ch in changes.customers if ch in ("created", "updated")]
    for n, (customer, change) in enumerate(todo, start=1):
        await store.put_customer(customer)
        await _audit(store, at, f"customer.{change}", f"customer:{customer.ref}", source)
        if progress:
            progress("customers", n, len(todo))
    cases = [(c, ch) for c, ch in changes.cases if ch in ("created", "updated")]
    for n, (case, change) in enumerate(cases, start=1):
        await store.put_case(case)
        await _audit(store, at, f"case.{change}", f"case:{case.id}", source, state=case.state.value)
        if progress:
            progress("cases", n, len(cases))


async def _audit(
    store: Store, at: dt.datetime, action: str, subject: str, source: str, **detail: str
) -> None:
    entry = AuditEntry(
        at=at, actor=ACTOR, action=action, subject=subject, detail={"source": source, **detail}
    )
    await store.audit(entry)
