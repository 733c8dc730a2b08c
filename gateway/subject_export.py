"""Everything the gateway holds about one person, for a subject access request: one zip of
JSON files (the customer, their cases, every contact with its decision, the held queue with
the content kept, flags, daily counts, the audit trail) and the letters as HTML and PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from gateway.casework import letters
from gateway.pdf import letter_pdf
from gateway.reports import KEPT_DAYS, MAX_DECISIONS
from gateway.runtime import Gateway
from gateway.store.base import NotFound

README = """Subject access export from Contact Gateway ({organisation})
Customer {ref}, written {at}.

customer.json      the customer record: identities, representatives, adjustments, notes
cases.json         each case with every step (who, when, why) and its restrictions
contacts.json      every contact kept, with the gateway's decision and its reasons
held.json          refused and held contacts with their content and triage state
flags.json         flags raised for the case officer
daily_counts.json  contacts per day and channel
audit.json         the audit trail about this customer, their cases, held contacts and flags
letters/           the letters written to the customer, as HTML and PDF
"""


def _json(items: BaseModel | Sequence[BaseModel]) -> str:
    if isinstance(items, BaseModel):
        data: Any = items.model_dump(mode="json")
    else:
        data = [item.model_dump(mode="json") for item in items]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


async def subject_zip(gateway: Gateway, ref: str, now: dt.datetime) -> bytes:
    store = gateway.store
    customer = await store.get_customer(ref)
    if customer is None:
        raise NotFound(f"no customer {ref}")
    cases = await store.list_cases(ref)
    contacts = await store.contacts(ref, limit=MAX_DECISIONS)
    held = await store.held(ref)
    flags = await store.list_flags(ref)
    today = now.date()
    counts = await store.daily_counts(ref, today - dt.timedelta(days=KEPT_DAYS), today)
    subjects = [f"customer:{ref}", *(f"case:{c.id}" for c in cases)]
    subjects += [f"held:{h.id}" for h in held] + [f"flag:{f.id}" for f in flags]
    trail = [entry for subject in subjects for entry in await store.audit_trail(subject)]
    trail.sort(key=lambda entry: entry.at)
    written = [letter for c in cases for letter in await letters.letters_of(gateway, c.id)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        organisation = gateway.settings.organisation.name
        archive.writestr(
            "README.txt", README.format(organisation=organisation, ref=ref, at=now.isoformat())
        )
        archive.writestr("customer.json", _json(customer))
        archive.writestr("cases.json", _json(cases))
        archive.writestr("contacts.json", _json(contacts))
        archive.writestr("held.json", _json(held))
        archive.writestr("flags.json", _json(flags))
        archive.writestr("daily_counts.json", _json(counts))
        archive.writestr("audit.json", _json(trail))
        for letter in written:
            name = f"letters/{letter.case_id}-{letter.number}-{letter.kind}"
            archive.writestr(f"{name}.html", letters.page(letter))
            archive.writestr(f"{name}.pdf", letter_pdf(letter.title, letter.html))
    return out.getvalue()
