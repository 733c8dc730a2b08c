"""Cases through the policy's steps: concern recorded, warning, restrictions, appeal, appeal
decision, 12-month review, closure. Each step is policy_core.lifecycle's: a step the case
cannot take is 409 with the lifecycle's words (what is wrong, what is allowed now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from gateway.casework import transitions
from gateway.casework.steps import AppealDecision, CaseView, NewCase, Restrict, Review, Step
from gateway.http import scopes
from gateway.http.api.common import invalid, not_found, now, today, translated
from gateway.http.api.scoped import VisibleCase
from gateway.http.auth import Principal, gateway_of, require
from gateway.settings import Role
from policy_core import lifecycle
from policy_core.cases import Case

router = APIRouter(prefix="/cases", tags=["cases"])
OfficerRole = Annotated[Principal, Depends(require(Role.officer))]
Manager = Annotated[Principal, Depends(require(Role.manager))]


def view(request: Request, case: Case) -> CaseView:
    found = lifecycle.deadlines(case, gateway_of(request).profile, today(request))
    return CaseView(**dict(case), deadlines=found, allowed_steps=found.allowed_steps)


async def _case(request: Request, case_id: str) -> Case:
    with translated():
        case = await gateway_of(request).store.get_case(case_id)
    if case is None:
        raise not_found(f"case {case_id}")
    return case


async def _save(request: Request, principal: Principal, case: Case) -> CaseView:
    with translated():
        await transitions.record(gateway_of(request), case, principal.name, now(request))
    return view(request, case)


async def _step(
    request: Request, principal: Principal, case: Case | str, step: str, body: Step
) -> CaseView:
    if isinstance(case, str):
        case = await _case(request, case)
    with translated():
        changed = transitions.take(
            gateway_of(request), case, step, body, principal.name, today(request)
        )
    return await _save(request, principal, changed)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseView)
async def record_concern(body: NewCase, request: Request, principal: Manager) -> CaseView:
    """Step 1 begins: the concern about a customer's contact is recorded."""
    store = gateway_of(request).store
    with translated():
        if await store.get_customer(body.customer_ref) is None:
            raise invalid([(("customer_ref",), f"no customer {body.customer_ref}")])
        if await store.get_case(body.id) is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"case {body.id} already exists")
        case = transitions.new_case(body, principal.name, today(request))
    return await _save(request, principal, case)


@router.get("", response_model=list[CaseView])
async def list_cases(
    request: Request, principal: OfficerRole, customer: Annotated[str | None, Query()] = None
) -> list[CaseView]:
    with translated():
        found = await gateway_of(request).store.list_cases(customer)
    return [view(request, case) for case in scopes.visible_cases(principal, found)]


@router.get("/{case_id}", response_model=CaseView)
async def get_case(case: VisibleCase, request: Request) -> CaseView:
    """The case, when it is one of yours (officers) or any (managers)."""
    return view(request, case)


@router.post("/{case_id}/warning", response_model=CaseView)
async def warn(case_id: str, body: Step, request: Request, principal: Manager) -> CaseView:
    """Step 1: the customer is warned in writing."""
    return await _step(request, principal, case_id, "warning", body)


@router.post("/{case_id}/restrictions", response_model=CaseView)
async def restrict(case_id: str, body: Restrict, request: Request, principal: Manager) -> CaseView:
    """Step 2: restrictions for the profile's period (or directly, with the reason why)."""
    return await _step(request, principal, case_id, "restrictions", body)


@router.post("/{case_id}/appeals", response_model=CaseView)
async def lodge_appeal(
    case: VisibleCase, body: Step, request: Request, principal: OfficerRole
) -> CaseView:
    """The customer asks for an independent review, within the appeal window."""
    return await _step(request, principal, case, "appeals", body)


@router.post("/{case_id}/appeals/{number}/decision", response_model=CaseView)
async def decide_appeal(
    case_id: str, number: int, body: AppealDecision, request: Request, principal: Manager
) -> CaseView:
    """The independent review's decision on appeal `number` (1 for the first)."""
    case = await _case(request, case_id)
    if not 1 <= number <= case.appeals:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no appeal {number} on case {case.id}")
    if number < case.appeals:
        raise HTTPException(status.HTTP_409_CONFLICT, f"appeal {number} was decided before")
    return await _step(request, principal, case_id, "appeal_decision", body)


@router.post("/{case_id}/reviews", response_model=CaseView)
async def review(case_id: str, body: Review, request: Request, principal: Manager) -> CaseView:
    """The 12-month review: restrictions lift unless extended with recorded grounds."""
    return await _step(request, principal, case_id, "reviews", body)


@router.post("/{case_id}/closure", response_model=CaseView)
async def close(case_id: str, body: Step, request: Request, principal: Manager) -> CaseView:
    """Closes the case; restrictions still running end on the date given."""
    return await _step(request, principal, case_id, "closure", body)
