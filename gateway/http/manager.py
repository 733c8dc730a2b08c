"""The manager's workspace: `/reviews`, the queue of reviews due, appeals awaiting a decision
and warnings with no outcome yet; and `/cases/{id}`, one case with its timeline, restrictions,
the contact-volume report and the held queue. Managers and admins see every case; an officer
sees the cases they are the officer of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from gateway import reports
from gateway.banner.models import label
from gateway.casework import letters, transitions
from gateway.http import chart, scopes
from gateway.http.api.common import today
from gateway.http.auth import Principal, gateway_of
from gateway.http.pages import NAV, NavLink, PageError, render, require_page_role
from gateway.runtime import Gateway
from gateway.settings import Role
from policy_core import lifecycle
from policy_core.cases import Case, CaseState
from policy_core.deadlines import STATE_WORDS, STEP_WORDS

router = APIRouter(include_in_schema=False)
Officer = Annotated[Principal, Depends(require_page_role(Role.officer))]
NAV.append(NavLink("/reviews", "Reviews and appeals", Role.officer))
REVIEW_NOTICE_DAYS = 30  # a review shows in the queue this many days before it is due
STEP_FORMS = {name: step for step, name in transitions.LIFECYCLE_NAMES.items()}


@dataclass(frozen=True)
class QueueItem:
    kind: str  # review | appeal | warning
    what: str
    case: Case
    customer_name: str
    due: dt.date | None
    overdue: bool


SORTS = {
    "due": lambda i: (i.due or dt.date.max, i.case.id),
    "case": lambda i: (i.case.id,),
    "customer": lambda i: (i.customer_name.casefold(), i.case.id),
    "kind": lambda i: (i.kind, i.due or dt.date.max),
}


async def queue(gateway: Gateway, principal: Principal, on: dt.date) -> list[QueueItem]:
    items: list[QueueItem] = []
    for case in await gateway.store.list_cases():
        if case.state is CaseState.closed or not scopes.sees_case(principal, case):
            continue
        customer = await gateway.store.get_customer(case.customer_ref)
        name = customer.name if customer and customer.name else case.customer_ref
        found = lifecycle.deadlines(case, gateway.profile, on)
        if case.state is CaseState.appeal_lodged:
            due, late = found.appeal_decision_due, found.appeal_decision_overdue
            items.append(QueueItem("appeal", "Appeal to decide", case, name, due, late))
        review_due = found.review_due
        if review_due is not None and review_due - on <= dt.timedelta(REVIEW_NOTICE_DAYS):
            late = found.review_overdue
            items.append(QueueItem("review", "12-month review", case, name, review_due, late))
        if case.state is CaseState.warned:
            items.append(QueueItem("warning", "Warning: no outcome yet", case, name, None, False))
    return items


@router.get("/reviews", response_class=HTMLResponse)
async def reviews(
    request: Request, principal: Officer, sort: Annotated[str, Query()] = "due"
) -> HTMLResponse:
    gateway = gateway_of(request)
    on = today(request)
    items = sorted(await queue(gateway, principal, on), key=SORTS.get(sort, SORTS["due"]))
    counts = {kind: sum(1 for i in items if i.kind == kind) for kind in ("review", "appeal")}
    counts["warning"] = sum(1 for i in items if i.kind == "warning")
    counts["overdue"] = sum(1 for i in items if i.overdue)
    context = {
        "title": "Reviews and appeals",
        "items": items,
        "counts": counts,
        "sort": sort if sort in SORTS else "due",
        "today": on,
        "region": f"{gateway.profile.bank_holiday_country}-{gateway.profile.bank_holiday_region}",
    }
    return render(request, "reviews.html", context)


async def visible_case(request: Request, principal: Principal, case_id: str) -> Case:
    """The case, when `principal` may see it (gateway.http.scopes); an error page if not."""
    try:
        return await scopes.case_for(gateway_of(request), principal, case_id)
    except scopes.OutOfScope as exc:
        raise PageError(exc.status_code, exc.message) from exc


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: str, request: Request, principal: Officer) -> HTMLResponse:
    gateway = gateway_of(request)
    case = await visible_case(request, principal, case_id)
    on = today(request)
    customer = await gateway.store.get_customer(case.customer_ref)
    report = await reports.gather(gateway, case, on)
    found = lifecycle.deadlines(case, gateway.profile, on)
    written = await letters.letters_of(gateway, case.id)
    by_step = {(letter.step, letter.on): letter for letter in written}
    manages = principal.role.includes(Role.manager)
    context = {
        "title": f"Case {case.id}",
        "case": case,
        "state": STATE_WORDS[case.state],
        "customer": customer,
        "deadlines": found,
        "steps": [
            (STEP_FORMS[name], STEP_WORDS[name])
            for name in found.allowed_steps
            if name in STEP_FORMS and (manages or STEP_FORMS[name] in transitions.OFFICER_STEPS)
        ],
        "timeline": [(event, by_step.get((event.step, event.on))) for event in case.events],
        "restrictions": [
            (label(r), r) for r in case.restrictions if r.active_on(on) or r.starts_on > on
        ],
        "report": report,
        "chart": chart.svg(report),
        "legend": chart.legend(report),
        "flag_kinds": sorted(report.totals.flags),
        "held": await gateway.store.held(case.customer_ref),
        "done": request.query_params.get("done"),
        "today": on,
    }
    return render(request, "case.html", context)
