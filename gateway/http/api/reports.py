"""A case's contact-volume report for the case file and the housing management system:
`GET /api/v1/cases/{id}/report?format=json|csv|pdf`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway import reports
from gateway.http.api.common import today, translated
from gateway.http.api.scoped import VisibleCase
from gateway.http.auth import gateway_of
from gateway.http.downloads import content_disposition

router = APIRouter(prefix="/cases", tags=["reports"])


@router.get(
    "/{case_id}/report",
    response_class=Response,
    responses={200: {"content": {t: {} for t in reports.MEDIA_TYPES.values()}}},
)
async def case_report(
    case: VisibleCase,
    request: Request,
    format: Annotated[reports.Format, Query(description="json, csv or pdf")] = "json",
) -> Response:
    """Contacts per month and channel for the last 12 months, what the gateway did with them,
    the flags raised, and the 12 months before the restriction where the data exists."""
    gateway = gateway_of(request)
    with translated():
        report = await reports.gather(gateway, case, today(request))
    body = reports.render(report, format, gateway.settings.organisation.name)
    filename = f"{case.id}-contact-report.{format}"
    return Response(
        body,
        media_type=reports.MEDIA_TYPES[format],
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )
