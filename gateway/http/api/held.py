"""The held queue: refused and held contacts, kept whole, awaiting an officer's triage for new
information or a safeguarding concern. Nothing is silently discarded."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from gateway.http.api.common import audit, translated
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
    with translated():
        return await gateway_of(request).store.held(customer, pending_only=pending)


@router.post("/{held_id}/triage", response_model=HeldItem)
async def triage(held_id: str, body: Triage, request: Request, principal: OfficerRole) -> HeldItem:
    """Records what the officer found in a held contact."""
    with translated():
        item = await gateway_of(request).store.triage(
            held_id, body.outcome, principal.name, body.note
        )
    await audit(request, principal, "held.triaged", f"held:{held_id}", outcome=body.outcome)
    return item
