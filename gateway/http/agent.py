"""The agents' page: one search box (a GET form, and as-you-type results with JavaScript),
the restriction banner, and the banner alone as a fragment a CRM may show in an iframe."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse

from gateway.banner.load import load_banner
from gateway.banner.models import Banner
from gateway.banner.wording import CHANNEL_WORDS, BannerView, view
from gateway.http import pages
from gateway.http.auth import Principal, gateway_of, principal_of
from gateway.runtime import Gateway
from gateway.settings import Role
from gateway.store.base import StoreError
from policy_core.identities import Identity, IdentityKind
from policy_core.models import Customer

router = APIRouter(tags=["pages"], include_in_schema=False)
Agent = Annotated[Principal, Depends(pages.require_page_role(Role.agent))]
Text = Annotated[str, Query(max_length=200)]

MAX_MATCHES = 10
SLACK = re.compile(r"[A-Za-z0-9]+/[A-Za-z0-9]+")
PHONE = re.compile(r"\+?[\d\s().-]{6,}")
UNAVAILABLE = "The customer store is not answering. Try again in a moment."


def identity_in(text: str, region: str) -> Identity | None:
    """The address typed, in whatever format: e-mail, Slack TEAM/USER, a phone number, or
    any of them as KIND:VALUE (`phone:07700 900123`, the API's form)."""
    head, sep, rest = text.partition(":")
    try:
        if sep and head.lower() in IdentityKind.__members__:
            return Identity.of(IdentityKind(head.lower()), rest.strip(), region)
        if "@" in text:
            return Identity.of(IdentityKind.email, text)
        if SLACK.fullmatch(text):
            return Identity.of(IdentityKind.slack, text)
        if PHONE.fullmatch(text):
            return Identity.of(IdentityKind.phone, text, region)
    except ValueError:
        return None
    return None


async def banner_for(
    gateway: Gateway, *, address: Identity | None = None, customer_ref: str | None = None
) -> Banner | None:
    return await load_banner(
        gateway.store, gateway.profile, gateway.routes, gateway.clock.now(),
        address=address, customer_ref=customer_ref,
    )  # fmt: skip


def shown(gateway: Gateway, banner: Banner) -> BannerView:
    return view(banner, gateway.settings.organisation)


async def look_up(gateway: Gateway, q: str) -> dict[str, Any]:
    """Banners to show in full, and the other customers that match (with their severity)."""
    views: list[BannerView] = []
    matches: list[tuple[Customer, BannerView]] = []
    identity = identity_in(q, gateway.settings.policy.phone_region)
    if identity is not None:
        banner = await banner_for(gateway, address=identity)
        if banner is not None:
            views.append(shown(gateway, banner))
            if banner.customer is not None:
                return context(q, views, matches)
    customers = await gateway.store.find_customers(q, limit=MAX_MATCHES)
    for customer in customers:
        banner = await banner_for(gateway, customer_ref=customer.ref)
        if banner is not None:
            matches.append((customer, shown(gateway, banner)))
    if len(matches) == 1 and not views:
        views, matches = [matches[0][1]], []
    return context(q, views, matches)


def context(q: str, views: list[BannerView], matches: list[Any]) -> dict[str, Any]:
    if views:
        first = views[0]
        summary = f"{first.who}: {first.severity_words}. {first.headline}."
    elif matches:
        summary = f"{len(matches)} customers match."
    else:
        summary = "No customer matches." if q else ""
    return {
        "q": q, "views": views, "matches": matches, "summary": summary,
        "channel_words": CHANNEL_WORDS, "title": "Look up a customer",
    }  # fmt: skip


async def search(request: Request, q: str, customer: str | None) -> tuple[dict[str, Any], int]:
    gateway = gateway_of(request)
    q = q.strip()
    try:
        if customer:
            banner = await banner_for(gateway, customer_ref=customer)
            views = [shown(gateway, banner)] if banner else []
            return context(q or customer, views, []), 200 if banner else 404
        return (await look_up(gateway, q) if q else context("", [], [])), 200
    except StoreError:
        found = context(q, [], [])
        found["summary"] = UNAVAILABLE
        return found, 503


@router.get("/agent")
async def agent_page(
    request: Request, principal: Agent, q: Text = "", customer: Text | None = None
) -> HTMLResponse:
    found, code = await search(request, q, customer)
    return pages.render(request, "agent.html", found, status_code=code)


@router.get("/agent/results")
async def agent_results(request: Request, principal: Agent, q: Text = "") -> HTMLResponse:
    """The results alone, for the as-you-type search."""
    found, code = await search(request, q, None)
    return pages.render(request, "_results.html", found, status_code=code)


@router.get("/agent/banner")
async def banner_fragment(
    request: Request, address: Text | None = None, customer: Text | None = None
) -> HTMLResponse:
    """The banner alone, for a CRM's iframe: framing allowed from `http.crm_origins` only."""
    gateway = gateway_of(request)
    origins = gateway.settings.http.crm_origins

    def page(values: dict[str, Any], code: int) -> HTMLResponse:
        values = {"v": None, "channel_words": CHANNEL_WORDS, **values}
        return pages.render(request, "fragment.html", values, code, embed_origins=origins)

    principal = principal_of(request)
    if principal is None:
        message = "Sign in to Contact Gateway to see this banner."
        return page({"message": message, "sign_in": True}, status.HTTP_401_UNAUTHORIZED)
    if not principal.role.includes(Role.agent):
        return page({"message": "This banner needs the agent role."}, status.HTTP_403_FORBIDDEN)
    identity = (
        identity_in(address.strip(), gateway.settings.policy.phone_region) if address else None
    )
    if (identity is None) == (not customer):
        message = (
            "Give one phone number, e-mail address or Slack id (address=), "
            "or a customer reference (customer=)."
        )
        return page({"message": message}, status.HTTP_400_BAD_REQUEST)
    try:
        banner = await banner_for(gateway, address=identity, customer_ref=customer)
    except StoreError:
        return page({"message": UNAVAILABLE}, status.HTTP_503_SERVICE_UNAVAILABLE)
    if banner is None:
        return page({"message": "No customer has that reference."}, status.HTTP_404_NOT_FOUND)
    return page({"v": shown(gateway, banner)}, 200)  # fmt: skip
