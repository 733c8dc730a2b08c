"""The audit trail: every customer change, case step and triage, with who did it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gateway.http.api.common import translated
from gateway.http.auth import Principal, gateway_of, require
from gateway.settings import Role
from gateway.store.base import AuditEntry

router = APIRouter(prefix="/audit", tags=["audit"])
Manager = Annotated[Principal, Depends(require(Role.manager))]


@router.get("", response_model=list[AuditEntry])
async def audit_trail(
    request: Request,
    principal: Manager,
    subject: Annotated[str | None, Query(description="`customer:C-1001`, `case:K-1`...")] = None,
) -> list[AuditEntry]:
    with translated():
        return await gateway_of(request).store.audit_trail(subject)
