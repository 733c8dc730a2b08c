"""The customers the e-mail tests write as, imported with `contact-gateway import`:
Ann is restricted to letters, Bob has a single point of contact (Jo), anyone else is unknown."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.clock import TODAY
from tests.serve import GatewayServer

LETTER_ONLY = "ann@example.org"
SPOC = "bob@example.org"
OFFICER = "jo@landlord.example"
EMERGENCY = "emergency@landlord.example"  # tests/serve.py's organisation


def people(today: dt.date | None = None) -> dict[str, Any]:
    today = today or TODAY
    warned, restricted = today - dt.timedelta(days=60), today - dt.timedelta(days=30)
    officer = {"name": "Jo Officer", "email": OFFICER, "phone": "+441332000001"}

    def case(case_id: str, ref: str, restriction: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": case_id, "customer_ref": ref, "officer": officer,
            "warned_on": warned.isoformat(), "restricted_on": restricted.isoformat(),
            "restrictions": [restriction],
        }  # fmt: skip

    def customer(ref: str, name: str, address: str) -> dict[str, Any]:
        return {"ref": ref, "name": name, "identities": [{"kind": "email", "value": address}]}

    return {
        "customers": [customer("C-1", "Ann", LETTER_ONLY), customer("C-2", "Bob", SPOC)],
        "cases": [
            case("K-1", "C-1", {"kind": "letter_only"}),
            case("K-2", "C-2", {"kind": "single_point_of_contact", "officer": officer}),
        ],
    }  # fmt: skip


def import_people(server: GatewayServer) -> None:
    path = server.directory / "people.json"
    Path(path).write_text(json.dumps(people()), encoding="utf-8")
    result = server.cli("import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
