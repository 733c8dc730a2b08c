"""Thirteen months of contact from one restricted customer, dispatched through a real Gateway
on the store a `serve` process then opens, with the time of each contact injected. The seeder
keeps what it sent and what the gateway decided, so tests compare the report with those."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.commands.common import gateway_from
from policy_core.identities import Identity
from policy_core.london import LONDON
from policy_core.models import Channel, Contact, add_months
from tests.clock import TODAY
from tests.serve import GatewayServer

RESTRICTED_ON = add_months(TODAY, -6) - dt.timedelta(days=3)
OFFICER = {"name": "Jo Officer", "email": "jo@landlord.example", "phone": "+441332000001"}
SENDERS = {
    Channel.email: Identity.of("email", "rita@example.org"),
    Channel.phone: Identity.of("phone", "07700 900111"),
    Channel.sms: Identity.of("phone", "07700 900111"),
}


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


PEOPLE: dict[str, Any] = {
    "customers": [
        {
            "ref": "C-1",
            "name": "Rita Review",
            "identities": [
                {"kind": "email", "value": "rita@example.org"},
                {"kind": "phone", "value": "07700 900111"},
            ],
            "representatives": [
                {
                    "name": "Priya Raman",
                    "role": "solicitor",
                    "identities": [{"kind": "phone", "value": "020 7946 0000"}],
                }
            ],
            "adjustments": [{"channel": "letter", "note": "large print"}],
        },
        {
            "ref": "C-2",
            "name": "Dora Due",
            "identities": [{"kind": "phone", "value": "07700 900222"}],
        },
        {
            "ref": "C-3",
            "name": "Abe Appeal",
            "identities": [{"kind": "phone", "value": "07700 900333"}],
        },
        {
            "ref": "C-4",
            "name": "Wes Warned",
            "identities": [{"kind": "phone", "value": "07700 900444"}],
        },
        {
            "ref": "C-5",
            "name": "Nell New",
            "identities": [{"kind": "phone", "value": "07700 900555"}],
        },
    ],
    "cases": [
        {
            "id": "K-1",
            "customer_ref": "C-1",
            "officer": OFFICER,
            "warned_on": (RESTRICTED_ON - dt.timedelta(days=30)).isoformat(),
            "restricted_on": RESTRICTED_ON.isoformat(),
            "restrictions": [{"kind": "letter_only"}],
        },
        {
            "id": "K-2",
            "customer_ref": "C-2",
            "officer": {"name": "Sam Other", "email": "sam@landlord.example"},
            "warned_on": ago(400),
            "restricted_on": add_months(TODAY, -12).isoformat(),
            "restrictions": [{"kind": "letter_only"}],
        },
        {
            "id": "K-3",
            "customer_ref": "C-3",
            "officer": OFFICER,
            "warned_on": ago(40),
            "restricted_on": ago(12),
            "appeal_lodged_on": ago(5),
            "restrictions": [{"kind": "phone_via_third_party"}],
        },
        {"id": "K-4", "customer_ref": "C-4", "officer": OFFICER, "warned_on": ago(20)},
    ],
}


@dataclass
class Seeded:
    """What was sent (per London day and channel) and what the gateway did with it."""

    sent: Counter[tuple[dt.date, Channel]] = field(default_factory=Counter)
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (YYYY-MM, action)
    flags: Counter[tuple[str, str]] = field(default_factory=Counter)  # (YYYY-MM, kind)
    call_seconds: Counter[str] = field(default_factory=Counter)  # YYYY-MM

    def month_channel(self) -> Counter[tuple[str, str]]:
        out: Counter[tuple[str, str]] = Counter()
        for (day, channel), count in self.sent.items():
            out[f"{day:%Y-%m}", channel.value] += count
        return out

    def between(self, first: dt.date, last: dt.date) -> int:
        return sum(n for (day, _), n in self.sent.items() if first <= day <= last)


def plan() -> list[tuple[dt.datetime, Channel]]:
    """Month k back (0 to 12): 1 + k % 4 e-mails, 1 + k % 2 calls and k % 3 texts, at noon
    London time on the same day of that month as today."""
    out = []
    for k in range(13):
        day = add_months(TODAY, -k)
        noon = dt.datetime.combine(day, dt.time(12), LONDON)
        per = {Channel.email: 1 + k % 4, Channel.phone: 1 + k % 2, Channel.sms: k % 3}
        n = 0
        for channel, count in per.items():
            for _ in range(count):
                out.append((noon + dt.timedelta(minutes=7 * n), channel))
                n += 1
    return out


async def _dispatch(server: GatewayServer) -> Seeded:
    gateway = gateway_from(server.config_path)
    await gateway.store.open()
    seeded = Seeded()
    try:
        for n, (at, channel) in enumerate(plan()):
            contact = Contact(
                channel=channel,
                sender=SENDERS[channel],
                destination="housing@landlord.example" if channel is Channel.email else None,
                received_at=at,
                subject=f"Repair number {n}" if channel is Channel.email else "",
                text=f"Message {n} about the fence, the bins and the noise on day {at:%j}.",
                external_id=f"seed-{n}",
            )
            result = await gateway.dispatch(contact)
            day = at.astimezone(LONDON).date()
            if channel is Channel.phone:  # Twilio's status callback reports the length
                seconds = 60 * (1 + n % 4) + 17
                assert await gateway.store.set_duration(channel, f"seed-{n}", seconds)
                seeded.call_seconds[f"{day:%Y-%m}"] += seconds
            seeded.sent[day, channel] += 1
            seeded.actions[f"{day:%Y-%m}", result.decision.action.value] += 1
            if result.decision.flags:
                stored = await gateway.store.add_flags(
                    result.customer_key, list(result.decision.flags), day, result.contact_id
                )
                for flag in stored:
                    seeded.flags[f"{day:%Y-%m}", flag.kind.value] += 1
    finally:
        await gateway.store.close()
    return seeded


def seed(server: GatewayServer) -> Seeded:
    """Imports the people and cases, then dispatches the plan; before `server.start()`."""
    data = server.directory / "people.json"
    Path(data).write_text(json.dumps(PEOPLE), encoding="utf-8")
    imported = server.cli("import", str(data))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    return asyncio.run(_dispatch(server))
