"""Liveness for the load balancer (no credentials) and Prometheus metrics for monitoring (a
bearer token with the `metrics` role, or an admin token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.http.auth import Principal, gateway_of, require
from gateway.metrics import JOURNAL_PENDING, REGISTRY
from gateway.settings import Role

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 when the store answers; 503 (degraded: failing open) when it does not."""
    gateway = gateway_of(request)
    store_up = await gateway.store_up()
    pending = gateway.journal.pending()
    body = {"status": "ok" if store_up else "degraded", "store": store_up, "journal": pending}
    return JSONResponse(body, status_code=200 if store_up else 503)


@router.get("/metrics")
async def metrics(
    request: Request, principal: Annotated[Principal, Depends(require(Role.metrics))]
) -> Response:
    JOURNAL_PENDING.set(gateway_of(request).journal.pending())
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
