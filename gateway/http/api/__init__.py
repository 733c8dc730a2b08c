"""The JSON API under /api/v1 (OpenAPI at /docs). Every route names the least role it needs
(agent < officer < manager < admin): 401 without credentials, 403 with too low a role."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.http.api import audit, banner, cases, customers, held, reports

router = APIRouter(prefix="/api/v1")
for module in (customers, cases, reports, held, banner, audit):
    router.include_router(module.router)

__all__ = ["router"]
