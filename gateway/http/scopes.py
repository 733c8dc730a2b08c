"""Who may see what: the one rule the API and the pages both ask. Managers and admins see
every case, customer, held contact and report; an officer sees the cases whose officer they
are (by name or e-mail address, as the case records them), and a customer when one of the
customer's cases is theirs or the customer has no case at all (nobody's yet).

Something unknown is `OutOfScope(404)`; another officer's is `OutOfScope(403)`, as the pages
have always said "not one of your cases" rather than pretend it does not exist. The API turns
it into a JSON error, the pages into an HTML page."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.http.auth import Principal
from gateway.runtime import Gateway
from gateway.settings import Role
from gateway.store.base import HeldItem
from policy_core.cases import Case


class OutOfScope(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def sees_all(principal: Principal) -> bool:
    return principal.role.includes(Role.manager)


def sees_case(principal: Principal, case: Case) -> bool:
    if sees_all(principal):
        return True
    officer = case.officer
    if officer is None:
        return False
    mine = principal.name.casefold()
    return mine in {officer.name.casefold(), (officer.email or "").casefold()}


def sees_customer_of(principal: Principal, cases: Iterable[Case]) -> bool:
    """Given every case of one customer."""
    found = list(cases)
    return sees_all(principal) or not found or any(sees_case(principal, c) for c in found)


async def case_for(gateway: Gateway, principal: Principal, case_id: str) -> Case:
    case = await gateway.store.get_case(case_id)
    if case is None:
        raise OutOfScope(404, f"There is no case {case_id}.")
    if not sees_case(principal, case):
        raise OutOfScope(403, f"Case {case_id} is not one of your cases.")
    return case


async def customer_for(gateway: Gateway, principal: Principal, ref: str) -> None:
    """Checks that the customer exists and that `principal` may see their casework."""
    if await gateway.store.get_customer(ref) is None:
        raise OutOfScope(404, f"There is no customer {ref}.")
    if not sees_customer_of(principal, await gateway.store.list_cases(ref)):
        raise OutOfScope(403, f"Customer {ref} has no case of yours.")


def visible_cases(principal: Principal, cases: list[Case]) -> list[Case]:
    return cases if sees_all(principal) else [c for c in cases if sees_case(principal, c)]


async def visible_held(
    gateway: Gateway, principal: Principal, items: list[HeldItem]
) -> list[HeldItem]:
    """The held contacts of customers `principal` sees (one read of the cases, not one per
    item)."""
    if sees_all(principal) or not items:
        return items
    by_customer: dict[str, list[Case]] = {}
    for case in await gateway.store.list_cases():
        by_customer.setdefault(case.customer_ref, []).append(case)
    return [i for i in items if sees_customer_of(principal, by_customer.get(i.customer_key, []))]


async def held_for(gateway: Gateway, principal: Principal, held_id: str) -> HeldItem:
    found = [item for item in await gateway.store.held() if item.id == held_id]
    if not found:
        raise OutOfScope(404, f"There is no held contact {held_id}.")
    if not await visible_held(gateway, principal, found):
        raise OutOfScope(403, f"Held contact {held_id} is not on one of your cases.")
    return found[0]
