"""The restriction banner for agents: look a caller up by address or customer reference.
The answer carries the banner's data and, in `shown`, the very words the agents' page and
the CRM fragment show (headline, severity and what to do now on each channel)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from gateway.banner.load import load_banner
from gateway.banner.models import Banner
from gateway.banner.wording import BannerView, Severity, view
from gateway.http.api.common import invalid, not_found, now, region, translated
from gateway.http.auth import Principal, gateway_of, require
from gateway.settings import Role
from policy_core.identities import Identity

router = APIRouter(prefix="/banner", tags=["banner"])
Agent = Annotated[Principal, Depends(require(Role.agent))]


class ShownInstruction(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: str
    text: str
    tone: Literal["stop", "go", "info"]


class Shown(BaseModel):
    """The banner in the agent's words, exactly as the pages show it."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    severity_words: str
    headline: str
    who: str
    instructions: list[ShownInstruction]
    appeal: str
    review: str


class AgentBanner(Banner):
    shown: Shown


def shown_of(shown: BannerView) -> Shown:
    return Shown(
        severity=shown.severity,
        severity_words=shown.severity_words,
        headline=shown.headline,
        who=shown.who,
        instructions=[
            ShownInstruction(channel=i.channel, text=i.text, tone=i.tone)
            for i in shown.instructions
        ],
        appeal=shown.appeal,
        review=shown.review,
    )


@router.get("", response_model=AgentBanner)
async def banner(
    request: Request,
    principal: Agent,
    address: Annotated[
        str | None, Query(description="an e-mail address, phone number or KIND:VALUE")
    ] = None,
    customer: Annotated[str | None, Query(description="a customer's reference")] = None,
) -> AgentBanner:
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
            now(request),
            address=identity,
            customer_ref=customer,
        )
    if found is None:
        raise not_found(f"customer {customer}")
    words = shown_of(view(found, gateway.settings.organisation))
    return AgentBanner.model_validate({**dict(found), "shown": words})
