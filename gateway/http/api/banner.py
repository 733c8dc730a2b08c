"""The restriction banner for agents: look a caller up by address or customer reference."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gateway.banner import Banner, load_banner
from gateway.http.api.common import invalid, not_found, now, region, translated
from gateway.http.auth import Principal, gateway_of, require
from gateway.settings import Role
from policy_core.identities import Identity

router = APIRouter(prefix="/banner", tags=["banner"])
Agent = Annotated[Principal, Depends(require(Role.agent))]


@router.get("", response_model=Banner)
async def banner(
    request: Request,
    principal: Agent,
    address: Annotated[
        str | None, Query(description="an e-mail address, phone number or KIND:VALUE")
    ] = None,
    customer: Annotated[str | None, Query(description="a customer's reference")] = None,
) -> Banner:
    """Who this is, their restrictions and until when, and what each channel does with them
    right now. An unknown address is not restricted: `customer` is null."""
    gateway = gateway_of(request)
    if (address is None) == (customer is None):
        raise invalid([(("address",), "give either address or customer")], "query")
    identity = None
    if address is not None:
        try:
            identity = Identity.guess(address, region(gateway))
        except ValueError as exc:
            raise invalid([(("address",), str(exc).splitlines()[-1])], "query") from exc
    with translated():
        found = await load_banner(
            gateway.store,
            gateway.profile,
            gateway.routes,
            now(),
            address=identity,
            customer_ref=customer,
        )
    if found is None:
        raise not_found(f"customer {customer}")
    return found
