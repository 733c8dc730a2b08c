"""A case's contact-volume report, gathered from the store and written as JSON, CSV or PDF:
the same figures on the case page, in the API and from `contact-gateway report`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Literal

from gateway.runtime import Gateway
from gateway.store.base import NotFound
from gateway.store.common import DAILY_TTL_SECONDS, local_day
from policy_core.cases import Case
from policy_core.models import Action
from policy_core.volume import VolumeReport, volume_report

Format = Literal["json", "csv", "pdf"]
FORMATS: tuple[Format, ...] = ("json", "csv", "pdf")
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}
KEPT_DAYS = DAILY_TTL_SECONDS // 86_400
# The decisions read for one report: far more than a year of contact from one person.
MAX_DECISIONS = 100_000
ACTIONS = tuple(a.value for a in Action)


async def case_or_404(gateway: Gateway, case_id: str) -> Case:
    case = await gateway.store.get_case(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


async def gather(gateway: Gateway, case: Case, today: dt.date) -> VolumeReport:
    store = gateway.store
    kept_from = today - dt.timedelta(days=KEPT_DAYS)
    since = min(kept_from, today.replace(day=1) - dt.timedelta(days=366))
    counts = await store.daily_counts(case.customer_ref, since, today)
    decided = await store.contacts(case.customer_ref, limit=MAX_DECISIONS)
    flags = await store.list_flags(case.customer_ref)
    return volume_report(
        customer_ref=case.customer_ref,
        case_id=case.id,
        today=today,
        counts=[(c.day, c.channel, c.count) for c in counts],
        actions=[(local_day(d.received_at), d.decision.action) for d in decided],
        flags=[(f.on, f.kind.value) for f in flags],
        restricted_on=case.restricted_on,
        kept_from=kept_from,
        calls=[
            (local_day(d.received_at), d.duration_seconds)
            for d in decided
            if d.duration_seconds is not None
        ],
    )


def to_csv(report: VolumeReport) -> str:
    """One row a month (and a total row): contacts by channel, then by action, then flags."""
    flags = sorted({kind for row in report.months for kind in row.flags})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "month",
            "contacts",
            "call_seconds",
            *(f"channel_{c}" for c in report.channels),
            *(f"action_{a}" for a in ACTIONS),
            *(f"flag_{f}" for f in flags),
        ]
    )
    for row in (*report.months, report.totals):
        writer.writerow(
            [
                row.month,
                row.total,
                row.call_seconds,
                *(row.channels.get(c, 0) for c in report.channels),
                *(row.actions.get(a, 0) for a in ACTIONS),
                *(row.flags.get(f, 0) for f in flags),
            ]
        )
    return out.getvalue()


def render(report: VolumeReport, format: Format, organisation: str) -> bytes:
    if format == "json":
        return report.model_dump_json(indent=2).encode()
    if format == "csv":
        return to_csv(report).encode()
    from gateway.pdf import report_pdf

    return report_pdf(report, organisation)
