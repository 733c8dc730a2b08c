"""Customers: who they are, every address they write from, their representatives and their
agreed adjustments. Agents look up; officers change (customers with a case of theirs, or with
no case yet: gateway.http.scopes); every change goes to the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from gateway.http.api.common import audit, not_found, region, translated
from gateway.http.api.scoped import VisibleCustomer
from gateway.http.auth import Principal, gateway_of, require
from gateway.inputs import CustomerIn, IdentityIn, RepresentativeIn
from gateway.settings import Role
from gateway.store.base import StoredDecision
from policy_core.models import Adjustment, Customer

router = APIRouter(prefix="/customers", tags=["customers"])
Agent = Annotated[Principal, Depends(require(Role.agent))]
Officer = Annotated[Principal, Depends(require(Role.officer))]


async def _customer(request: Request, ref: str) -> Customer:
    with translated():
        customer = await gateway_of(request).store.get_customer(ref)
    if customer is None:
        raise not_found(f"customer {ref}")
    return customer


async def _save(
    request: Request, principal: Principal, customer: Customer, action: str, **detail: str
) -> Customer:
    with translated():
        await gateway_of(request).store.put_customer(customer)
    await audit(request, principal, action, f"customer:{customer.ref}", **detail)
    return customer


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Customer)
async def create_customer(body: CustomerIn, request: Request, principal: Officer) -> Customer:
    """A new customer; 409 when the reference exists or an address belongs to someone else."""
    with translated():
        customer = body.to_customer(region(gateway_of(request)))
        if await gateway_of(request).store.get_customer(customer.ref) is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"customer {customer.ref} already exists")
    return await _save(request, principal, customer, "customer.created")


@router.get("", response_model=list[Customer])
async def find_customers(
    request: Request,
    principal: Agent,
    q: Annotated[str, Query(description="reference, part of a name, or an address")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[Customer]:
    with translated():
        return await gateway_of(request).store.find_customers(q.strip(), limit)


@router.get("/{ref}", response_model=Customer)
async def get_customer(ref: str, request: Request, principal: Agent) -> Customer:
    return await _customer(request, ref)


@router.post("/{ref}/identities", response_model=Customer)
async def add_identity(
    ref: VisibleCustomer, body: IdentityIn, request: Request, principal: Officer
) -> Customer:
    """Links an address to the customer (409 when it is someone else's); its history follows."""
    customer = await _customer(request, ref)
    with translated():
        identity = body.to_identity(region(gateway_of(request)))
    if identity in customer.identities:
        return customer
    changed = customer.model_copy(update={"identities": (*customer.identities, identity)})
    return await _save(
        request, principal, changed, "customer.identity_added", identity=identity.key
    )


@router.delete("/{ref}/identities/{key}", response_model=Customer)
async def remove_identity(
    ref: VisibleCustomer, key: str, request: Request, principal: Officer
) -> Customer:
    """Unlinks an address (`email:a@example.org`, `phone:+447700900123`)."""
    customer = await _customer(request, ref)
    kept = tuple(i for i in customer.identities if i.key != key)
    if len(kept) == len(customer.identities):
        raise not_found(f"address {key} on customer {ref}")
    changed = customer.model_copy(update={"identities": kept})
    return await _save(request, principal, changed, "customer.identity_removed", identity=key)


@router.post("/{ref}/representatives", response_model=Customer)
async def add_representative(
    ref: VisibleCustomer, body: RepresentativeIn, request: Request, principal: Officer
) -> Customer:
    """An authorised representative (replacing one of the same name): their contact on the
    customer's behalf gets through."""
    customer = await _customer(request, ref)
    with translated():
        representative = body.to_representative(region(gateway_of(request)))
    others = tuple(r for r in customer.representatives if r.name != representative.name)
    changed = customer.model_copy(update={"representatives": (*others, representative)})
    detail = {"name": representative.name, "role": representative.role.value}
    return await _save(request, principal, changed, "customer.representative_added", **detail)


@router.post("/{ref}/adjustments", response_model=Customer)
async def add_adjustment(
    ref: VisibleCustomer, body: Adjustment, request: Request, principal: Officer
) -> Customer:
    """An agreed reasonable adjustment: this channel is never switched off by a restriction."""
    customer = await _customer(request, ref)
    others = tuple(a for a in customer.adjustments if a.channel is not body.channel)
    changed = customer.model_copy(update={"adjustments": (*others, body)})
    return await _save(
        request, principal, changed, "customer.adjustment_added", channel=body.channel.value
    )


@router.get("/{ref}/contacts", response_model=list[StoredDecision])
async def contacts(
    ref: VisibleCustomer,
    request: Request,
    principal: Officer,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StoredDecision]:
    """The customer's contacts, newest first: each decision with its reasons (no bodies)."""
    with translated():
        return await gateway_of(request).store.contacts(ref, limit)
