"""Customers, their identities and their cases in the Redis store; a change is published so
that every gateway's snapshot cache drops what it held (scripts.PUT_CUSTOMER, PUT_CASE)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from gateway.store import common
from gateway.store.base import IdentityConflict, NotFound
from gateway.store.redis.connection import Connection, text, unreachable
from gateway.store.redis.snapshots import Snapshots
from gateway.store.snapshots import case_part
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Customer


class Customers:
    def __init__(self, conn: Connection, snapshots: Snapshots) -> None:
        self.conn, self.snapshots = conn, snapshots

    async def put_customer(self, customer: Customer) -> None:
        bound = common.bindings(customer)
        args: list[str | int] = [customer.ref, customer.model_dump_json()]
        args.append(common.search_name(customer.name))
        for key, (_, index) in bound.items():
            args += [key, f"{customer.ref}|{'' if index is None else index}"]
        conflict = await self.conn.script("PUT_CUSTOMER", *args)
        if conflict:
            key, owner = conflict
            raise IdentityConflict(bound[key][0], owner)
        self.snapshots.cache.invalidate(customer.ref)

    async def get_customer(self, ref: str) -> Customer | None:
        with unreachable():
            blob = await self.conn.client.get(self.conn.prefix + "customer:" + ref)
        return None if blob is None else Customer.model_validate_json(blob)

    async def find_customers(self, query: str, limit: int = 20) -> list[Customer]:
        p, typed = self.conn.prefix, query.strip()
        folded = common.search_name(typed)
        refs: list[str] = []
        names: list[tuple[str, str]] = []
        with unreachable():
            with contextlib.suppress(ValueError):
                owner = await self.conn.client.hget(p + "identities", Identity.guess(typed).key)
                if owner is not None:
                    refs.append(text(owner).rpartition("|")[0])
            async for field, value in self.conn.client.hscan_iter(p + "names", count=1000):
                ref, name = text(field), text(value)
                if ref.casefold() == folded:
                    refs.insert(0, ref)
                names.append((ref, name))
            refs += sorted(ref for ref, name in names if folded in name)
            chosen = list(dict.fromkeys(refs))[:limit]
            blobs = await self.conn.blobs("customer:", chosen)
        return [Customer.model_validate_json(blob) for blob in blobs]

    async def put_case(self, case: Case) -> None:
        args = (case.id, case.customer_ref, case.model_dump_json(), case_part(case) or "")
        if not await self.conn.script("PUT_CASE", *args):
            raise NotFound(f"no customer {case.customer_ref} for case {case.id}")
        self.snapshots.cache.invalidate(case.customer_ref)

    async def get_case(self, case_id: str) -> Case | None:
        with unreachable():
            blob = await self.conn.client.get(self.conn.prefix + "case:" + case_id)
        return None if blob is None else Case.model_validate_json(blob)

    async def list_cases(self, customer_ref: str | None = None) -> list[Case]:
        found: Iterable[bytes | str]
        with unreachable():
            if customer_ref is None:
                found = await self.conn.client.hkeys(self.conn.prefix + "case-owner")
            else:
                found = await self.conn.client.smembers(self.conn.prefix + "cases:" + customer_ref)
            blobs = await self.conn.blobs("case:", sorted(text(case_id) for case_id in found))
        return [Case.model_validate_json(blob) for blob in blobs]
