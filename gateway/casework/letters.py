"""The letters the policy requires, one for each step that decides something (the warning, the
restriction notice, the appeal outcome, the review outcome), rendered from
config/templates/letters/ and kept with the case in its append-only audit trail, so a letter
once sent can never be changed. Shown as HTML to print and as PDF."""

from __future__ import annotations

import datetime as dt
from html import escape as html_escape
from pathlib import Path
from typing import Any

import jinja2
from pydantic import Field

from gateway.banner.models import label
from gateway.notices import TEMPLATES_DIR
from gateway.runtime import Gateway
from gateway.store.base import AuditEntry, NotFound
from policy_core import lifecycle
from policy_core.cases import Case, CaseEvent
from policy_core.models import Frozen

# The lifecycle step that produces each letter, and the letter's title.
LETTERS = {
    "warned": ("warning", "Your contact with us: a warning"),
    "restricted": ("restriction", "Restrictions on your contact with us"),
    "appeal_decided": ("appeal_outcome", "The outcome of your appeal"),
    "reviewed": ("review_outcome", "The outcome of the review of your restrictions"),
}
LETTER_ACTION = "letter"


class Letter(Frozen):
    case_id: str
    number: int  # 1 for the case's first letter
    kind: str
    title: str
    step: str
    on: dt.date
    actor: str
    html: str = Field(repr=False)  # the body: p, h2, strong, ul and li only (also the PDF's)


def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir / "letters"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["date"] = _date
    return env


def _date(day: dt.date | str | None) -> str:
    """A date as a letter prints it: 14 March 2027 (ISO strings from a step's data too)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.day} {day:%B %Y}" if day else ""


def compose(
    gateway: Gateway, case: Case, event: CaseEvent, customer_name: str, number: int
) -> Letter | None:
    """The letter for the step `event` just taken on `case`; None for a step without one."""
    found = LETTERS.get(event.step)
    if found is None:
        return None
    kind, title = found
    profile = gateway.profile
    deadlines = lifecycle.deadlines(case, profile, event.on)
    context: dict[str, Any] = {
        "org": gateway.settings.organisation,
        "profile": profile,
        "case": case,
        "event": event,
        "customer_name": customer_name or case.customer_ref,
        "restrictions": [
            {"label": label(r), "starts_on": r.starts_on, "ends_on": r.ends_on}
            for r in case.restrictions
            if r.ends_on > event.on
        ],
        "deadlines": deadlines,
        "title": title,
    }
    html = environment().get_template(f"{kind}.html").render(context)
    return Letter(
        case_id=case.id,
        number=number,
        kind=kind,
        title=title,
        step=event.step,
        on=event.on,
        actor=event.actor,
        html=html,
    )


async def letters_of(gateway: Gateway, case_id: str) -> list[Letter]:
    trail = await gateway.store.audit_trail(f"case:{case_id}")
    return [Letter.model_validate(entry.detail) for entry in trail if entry.action == LETTER_ACTION]


async def letter(gateway: Gateway, case_id: str, number: int) -> Letter:
    for found in await letters_of(gateway, case_id):
        if found.number == number:
            return found
    raise NotFound(f"no letter {number} on case {case_id}")


async def issue(gateway: Gateway, case: Case, at: dt.datetime) -> Letter | None:
    """Writes and keeps the letter for the case's latest step, if that step has one."""
    if not case.events:
        return None
    customer = await gateway.store.get_customer(case.customer_ref)
    number = len(await letters_of(gateway, case.id)) + 1
    written = compose(gateway, case, case.events[-1], customer.name if customer else "", number)
    if written is None:
        return None
    entry = AuditEntry(
        at=at,
        actor=written.actor,
        action=LETTER_ACTION,
        subject=f"case:{case.id}",
        detail=written.model_dump(mode="json"),
    )
    await gateway.store.audit(entry)
    return written


def page(letter: Letter) -> str:
    """The letter as a page of its own, to print or to keep in a file."""
    return (
        '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html_escape(letter.title)}</title>"
        "<style>body{font:12pt/1.5 Georgia,serif;max-width:40em;margin:2em auto;color:#111}"
        "h1{font-size:1.3em}h2{font-size:1.1em}</style></head>\n"
        f"<body>\n{letter.html}\n</body></html>\n"
    )
