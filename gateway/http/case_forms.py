"""The forms for a case's steps (warning, restrictions, appeal lodged, appeal decided, review,
closure) and its letters. A form posts twice: first to see what the step would do (the new
state, the deadlines policy_core computes, the letter), then to confirm it. Both go through
gateway.casework.transitions, the same code as the API."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from gateway.casework import letters, transitions
from gateway.casework.steps import Step
from gateway.http import sessions
from gateway.http.api.common import now, today
from gateway.http.auth import Principal, gateway_of
from gateway.http.downloads import content_disposition
from gateway.http.manager import visible_case
from gateway.http.pages import PageError, render, require_page_role
from gateway.inputs import InputError, problems_of, where
from gateway.pdf import letter_pdf
from gateway.settings import Role
from gateway.store.base import NotFound
from policy_core import lifecycle
from policy_core.cases import Case
from policy_core.deadlines import STATE_WORDS, STEP_WORDS, TransitionError

router = APIRouter(include_in_schema=False)
Officer = Annotated[Principal, Depends(require_page_role(Role.officer))]
SIMPLE_KINDS = ("letter_only", "phone_via_third_party", "witness_required")
WINDOW = re.compile(
    r"^\s*(?P<day>mon|tue|wed|thu|fri|sat|sun|\d{4}-\d{2}-\d{2})\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$",
    re.IGNORECASE,
)


def _windows(text: str) -> list[dict[str, str]]:
    """'tue 10:00-12:00; 2026-12-01 14:00-15:00' -> contact windows."""
    found = []
    for part in filter(str.strip, re.split(r"[;\n]", text)):
        match = WINDOW.match(part)
        if match is None:
            problem = f"{part.strip()!r} is not a window like 'tue 10:00-12:00'"
            raise InputError([(("windows",), problem)])
        day = match["day"].lower()
        key = "date" if day[0].isdigit() else "weekday"
        found.append({key: day, "start": match["start"].zfill(5), "end": match["end"].zfill(5)})
    return found


def _restrictions(form: FormData) -> list[dict[str, Any]]:
    kinds = form.getlist("kind")
    out: list[dict[str, Any]] = [{"kind": k} for k in SIMPLE_KINDS if k in kinds]
    if "single_point_of_contact" in kinds:
        officer = {
            "name": str(form.get("spoc_name", "")).strip(),
            "email": str(form.get("spoc_email", "")).strip() or None,
            "phone": str(form.get("spoc_phone", "")).strip() or None,
        }
        windows = _windows(str(form.get("spoc_windows", "")))
        out.append({"kind": "single_point_of_contact", "officer": officer, "windows": windows})
    if "appointment_only" in kinds:
        out.append({"kind": "appointment_only", "office": str(form.get("office", "")).strip()})
    level = str(form.get("social_level", ""))
    if level in ("restricted", "denied"):
        out.append({"kind": "social_media", "level": level})
    return out


def body_of(step: str, form: FormData) -> Step:
    """The step's API body from the form's fields; InputError naming the fields when wrong."""
    data: dict[str, Any] = {"reason": str(form.get("reason", "")).strip()}
    if form.get("on"):
        data["on"] = str(form["on"])
    if step == "restrictions":
        data["restrictions"] = _restrictions(form)
        data["skip_warning_reason"] = str(form.get("skip_warning_reason", "")).strip() or None
    elif step == "appeal_decision":
        data["outcome"] = str(form.get("outcome", ""))
        data["restrictions"] = _restrictions(form) if data["outcome"] == "varied" else []
    elif step == "reviews":
        data["outcome"] = str(form.get("outcome", "lifted"))
        data["grounds"] = str(form.get("grounds", "")).strip()
        if form.get("months"):
            data["months"] = str(form["months"])
    try:
        return transitions.STEPS[step].model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_of(exc)) from exc


def _check_step(principal: Principal, step: str) -> None:
    if step not in transitions.STEPS:
        raise PageError(404, f"There is no step {step!r}.")
    if step not in transitions.OFFICER_STEPS and not principal.role.includes(Role.manager):
        raise PageError(403, "This step needs the manager role.")


def _form_page(
    request: Request,
    case: Case,
    step: str,
    form: FormData | None = None,
    *,
    errors: list[str] | None = None,
    preview: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
    kinds = form.getlist("kind") if form is not None else []
    hidden = [
        (k, v)
        for k, v in (form.multi_items() if form is not None else [])
        if isinstance(v, str) and k not in (sessions.CSRF_FIELD, "confirm")
    ]
    context = {
        "title": f"{STEP_WORDS[transitions.LIFECYCLE_NAMES[step]].capitalize()}: case {case.id}",
        "case": case,
        "step": step,
        "words": STEP_WORDS[transitions.LIFECYCLE_NAMES[step]],
        "values": values,
        "kinds": kinds,
        "hidden": hidden,
        "errors": errors or [],
        "preview": preview,
        "today": today(request),
        "deadlines": lifecycle.deadlines(case, gateway_of(request).profile, today(request)),
    }
    return render(request, "step.html", context, status_code=status_code)


@router.get("/cases/{case_id}/steps/{step}", response_class=HTMLResponse)
async def step_form(case_id: str, step: str, request: Request, principal: Officer) -> Response:
    _check_step(principal, step)
    case = await visible_case(request, principal, case_id)
    return _form_page(request, case, step)


@router.post("/cases/{case_id}/steps/{step}", response_class=HTMLResponse)
async def take_step(case_id: str, step: str, request: Request, principal: Officer) -> Response:
    _check_step(principal, step)
    gateway = gateway_of(request)
    case = await visible_case(request, principal, case_id)
    form = await request.form()
    try:
        body = body_of(step, form)
        changed = transitions.take(gateway, case, step, body, principal.name, today(request))
    except InputError as exc:
        errors = [f"{where(loc)}: {msg}" for loc, msg in exc.problems]
        return _form_page(request, case, step, form, errors=errors, status_code=422)
    except TransitionError as exc:
        return _form_page(request, case, step, form, errors=[str(exc)], status_code=409)
    if form.get("confirm") != "yes":
        customer = await gateway.store.get_customer(case.customer_ref)
        name = customer.name if customer else ""
        number = len(await letters.letters_of(gateway, case.id)) + 1
        letter = letters.compose(gateway, changed, changed.events[-1], name, number)
        preview = {
            "state": STATE_WORDS[changed.state],
            "deadlines": lifecycle.deadlines(changed, gateway.profile, changed.events[-1].on),
            "letter": letter,
        }
        return _form_page(request, case, step, form, preview=preview)
    await transitions.record(gateway, changed, principal.name, now(request))
    done = STEP_WORDS[transitions.LIFECYCLE_NAMES[step]]
    return RedirectResponse(f"/cases/{case.id}?done={done}", status_code=303)


@router.get("/cases/{case_id}/letters/{name}", response_model=None)
async def letter_page(case_id: str, name: str, request: Request, principal: Officer) -> Response:
    """`/letters/2` is the second letter as a page to print; `/letters/2.pdf` as a PDF."""
    await visible_case(request, principal, case_id)
    number, _, suffix = name.partition(".")
    if not number.isdigit() or suffix not in ("", "pdf"):
        raise PageError(404, f"There is no letter {name}.")
    try:
        found = await letters.letter(gateway_of(request), case_id, int(number))
    except NotFound as exc:
        raise PageError(404, f"There is no letter {number} on case {case_id}.") from exc
    headers = {"Cache-Control": "no-store"}
    if suffix == "pdf":
        filename = f"{case_id}-letter-{found.number}-{found.kind}.pdf"
        headers["Content-Disposition"] = content_disposition(filename, "inline")
        pdf = letter_pdf(found.title, found.html)
        return Response(pdf, media_type="application/pdf", headers=headers)
    return HTMLResponse(letters.page(found), headers=headers)
