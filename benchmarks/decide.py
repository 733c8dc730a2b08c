"""Decisions per second from `policy_core.decide` for a customer with three active restrictions,
beside a baseline measured in the same run: validating the same contact alone
(`Contact.model_validate` of the same dict). One core, no I/O.

    .venv/bin/python benchmarks/decide.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy_core import Routes, decide  # noqa: E402
from policy_core.identities import Identity  # noqa: E402
from policy_core.models import (  # noqa: E402
    Contact,
    ContactWindow,
    Customer,
    Officer,
    PhoneViaThirdParty,
    SinglePointOfContact,
    Snapshot,
    SocialMedia,
)
from policy_core.profiles import (  # noqa: E402
    Profile,
    RepeatedComplaintThreshold,
    ScattergunThreshold,
    Thresholds,
    VolumeThresholds,
)

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 10, 10, 30, tzinfo=LONDON)  # a Tuesday, inside the window
TEXT = (
    "Hello, I am writing again about the rent statement you sent last month. The figures "
    "do not add up and I would like someone to explain the arrears to me, please."
)
SAFETY = (
    "gas leak, smell gas, smell of gas, carbon monoxide, fire, on fire, smoke coming, flood, "
    "flooding, burst pipe, sewage, no water, no heating, no hot water, no electricity, "
    "electric shock, sparking, exposed wires, ceiling collapse, unsafe, asbestos, damp and "
    "mould, black mould, can't breathe, emergency, danger, dangerous, injured, suicide, "
    "suicidal, kill myself, self-harm, overdose, abuse, domestic abuse, safeguarding, "
    "violence, violent, neglect, exploitation, child at risk, locked out, break in"
).split(", ")


def profile() -> Profile:
    return Profile(
        name="bench",
        title="Benchmark policy",
        appeal_request_working_days=20,
        appeal_decision_working_days=20,
        reviewer="a departmental manager",
        thresholds=Thresholds(
            volume=VolumeThresholds(hour=5, day=15, week=40),
            scattergun=ScattergunThreshold(channels=3, window_minutes=120),
            repeated_complaint=RepeatedComplaintThreshold(similarity=90, days=30),
        ),
        safety_words=tuple(SAFETY),
        abusive_words=("idiot", "scum", "i know where you live"),
        protected_destinations=("complaints@*", "dpo@*", "*repairs*"),
        retention_days=2190,
    )


def snapshot() -> Snapshot:
    start, end = dt.date(2026, 3, 1), dt.date(2027, 2, 28)
    officer = Officer(name="Sam Officer", email="sam@landlord.example", phone="+441332000111")
    window = ContactWindow(weekday="tue", start=dt.time(10), end=dt.time(12))
    identities = (Identity.of("email", "tenant@example.org"), Identity.of("phone", "07700900123"))
    customer = Customer(ref="C-1", identities=identities)
    return Snapshot(
        customer=customer,
        restrictions=(
            SinglePointOfContact(
                id="r1", starts_on=start, ends_on=end, officer=officer, windows=(window,)
            ),
            PhoneViaThirdParty(id="r2", starts_on=start, ends_on=end),
            SocialMedia(id="r3", starts_on=start, ends_on=end, level="denied"),
        ),
    )


def contact_dicts() -> dict[str, dict[str, Any]]:
    base = {"received_at": NOW, "subject": "Rent statement", "text": TEXT}
    return {
        "email": {
            **base,
            "channel": "email",
            "sender": {"kind": "email", "value": "Tenant@Example.org"},
            "destination": "housing@landlord.example",
        },
        "phone": {
            **base,
            "channel": "phone",
            "sender": {"kind": "phone", "value": "07700 900123"},
            "destination": "+441332000100",
        },
        "social": {
            **base,
            "channel": "social",
            "sender": {"kind": "slack", "value": "T1/U1"},
            "destination": "C-HOUSING",
        },
    }


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second of this process's CPU time (so that other load on the machine counts
    less): the best of three runs of about `seconds` / 3 each."""
    batch, best = 1000, 0.0
    for _ in range(3):
        calls, started = 0, time.process_time()
        while (elapsed := time.process_time() - started) < seconds / 3:
            for _ in range(batch):
                work()
            calls += batch
        best = max(best, calls / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    args = parser.parse_args()
    the_profile, the_snapshot = profile(), snapshot()
    routes = Routes(emergency_email="emergency@landlord.example", emergency_phone="+441332000999")
    kinds = ", ".join(r.kind for r in the_snapshot.restrictions)
    print(f"decide(): one customer with three active restrictions ({kinds})")
    print(f"{'channel':8} {'action':9} {'decisions/s':>12} {'validations/s':>14} {'ratio':>6}")
    for channel, data in contact_dicts().items():
        contact = Contact.model_validate(data)
        decision = decide(contact, the_snapshot, the_profile, NOW, routes=routes)
        deciding = partial(decide, contact, the_snapshot, the_profile, NOW, routes=routes)
        decided = rate(deciding, args.seconds)
        validated = rate(partial(Contact.model_validate, data), args.seconds)
        print(
            f"{channel:8} {decision.action.value:9} {decided:12,.0f} {validated:14,.0f} "
            f"{decided / validated:6.2f}"
        )
    print("ratio: decisions per second / Contact.model_validate per second (same dict)")


if __name__ == "__main__":
    main()
