"""Liveness and Prometheus metrics, for the load balancer and monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.http.auth import gateway_of
from gateway.metrics import JOURNAL_PENDING, REGISTRY

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
async def metrics(request: Request) -> Response:
    JOURNAL_PENDING.set(gateway_of(request).journal.pending())
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
