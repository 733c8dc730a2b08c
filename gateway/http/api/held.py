"""The held queue: refused and held contacts, kept whole, awaiting an officer's triage for new
information or a safeguarding concern. Nothing is silently discarded. Officers see and triage
the held contacts of their own cases' customers (gateway.http.scopes)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from gateway.http import scopes
from gateway.http.api.common import audit, translated
from gateway.http.api.scoped import VisibleHeld, visible_customer
from gateway.http.auth import Principal, gateway_of, require
from gateway.inputs import Strict
from gateway.settings import Role
from gateway.store.base import HeldItem

router = APIRouter(prefix="/held", tags=["held queue"])
OfficerRole = Annotated[Principal, Depends(require(Role.officer))]


class Triage(Strict):
    outcome: Literal["no_new_information", "new_information", "safeguarding"]
    note: str = ""


@router.get("", response_model=list[HeldItem])
async def held(
    request: Request,
    principal: OfficerRole,
    customer: Annotated[str | None, Query(description="a customer's reference")] = None,
    pending: Annotated[bool, Query(description="only those not yet triaged")] = False,
) -> list[HeldItem]:
    gateway = gateway_of(request)
    with translated():
        if customer is not None and await gateway.store.get_customer(customer) is not None:
            await visible_customer(customer, request, principal)  # 403: another officer's
        items = await gateway.store.held(customer, pending_only=pending)
        return await scopes.visible_held(gateway, principal, items)


@router.post("/{held_id}/triage", response_model=HeldItem)
async def triage(
    item: VisibleHeld, body: Triage, request: Request, principal: OfficerRole
) -> HeldItem:
    """Records what the officer found in a held contact."""
    with translated():
        done = await gateway_of(request).store.triage(
            item.id, body.outcome, principal.name, body.note
        )
    await audit(request, principal, "held.triaged", f"held:{item.id}", outcome=body.outcome)
    return done
