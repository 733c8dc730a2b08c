"""The API's side of gateway.http.scopes: dependencies that load what the path names and
check that the caller may see it (404 unknown, 403 another officer's), before the request's
body is read, so an officer learns nothing from another officer's case by sending bad input."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.http import scopes
from gateway.http.api.common import translated
from gateway.http.auth import Principal, gateway_of, require
from gateway.settings import Role
from gateway.store.base import HeldItem
from policy_core.cases import Case

Officer = Annotated[Principal, Depends(require(Role.officer))]


async def visible_case(case_id: str, request: Request, principal: Officer) -> Case:
    with translated():
        return await scopes.case_for(gateway_of(request), principal, case_id)


async def visible_customer(ref: str, request: Request, principal: Officer) -> str:
    with translated():
        await scopes.customer_for(gateway_of(request), principal, ref)
    return ref


async def visible_held(held_id: str, request: Request, principal: Officer) -> HeldItem:
    with translated():
        return await scopes.held_for(gateway_of(request), principal, held_id)


VisibleCase = Annotated[Case, Depends(visible_case)]
VisibleCustomer = Annotated[str, Depends(visible_customer)]
VisibleHeld = Annotated[HeldItem, Depends(visible_held)]
