"""The HTTP API end to end, through a real `serve` process on SQLite: customers, cases through
the lifecycle, the held queue, the agents' banner, and who may do what."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.commands.common import build_gateway
from gateway.profiles import load_profile
from gateway.settings import load_settings
from policy_core.calendar import WorkingDays
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact, add_months
from tests.clock import NOW, TODAY
from tests.serve import GatewayServer
from tests.servers import RedisServer

PROFILE = load_profile("derby-homes-2020")


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    with GatewayServer(tmp_path_factory.mktemp("api")) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: GatewayServer) -> Iterator[httpx.Client]:
    with server.client("admin") as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def customer(admin: httpx.Client, ref: str, *addresses: str, **extra: Any) -> dict[str, Any]:
    identities = [{"kind": "email" if "@" in a else "phone", "value": a} for a in addresses]
    body = {"ref": ref, "name": f"Customer {ref}", "identities": identities, **extra}
    return ok(admin.post("/api/v1/customers", json=body), 201)  # type: ignore[no-any-return]


def restrict(
    admin: httpx.Client, ref: str, *restrictions: dict[str, Any], officer: str | None = None
) -> dict[str, Any]:
    """A case for `ref` (with `officer` its officer), warned 15 days ago and restricted 10 days
    ago."""
    case_id = f"K-{ref}"
    body = {"id": case_id, "customer_ref": ref, "reason": "concern", "on": days_ago(20),
            "officer": {"name": officer} if officer else None}  # fmt: skip
    ok(admin.post("/api/v1/cases", json=body), 201)
    warning = {"on": days_ago(15), "reason": "letter sent"}
    ok(admin.post(f"/api/v1/cases/{case_id}/warning", json=warning))
    step = {"on": days_ago(10), "reason": "no change", "restrictions": list(restrictions)}
    return ok(admin.post(f"/api/v1/cases/{case_id}/restrictions", json=step))  # type: ignore[no-any-return]


def banner(admin: httpx.Client, **query: str) -> dict[str, Any]:
    return ok(admin.get("/api/v1/banner", params=query))  # type: ignore[no-any-return]


def actions(found: dict[str, Any]) -> dict[str, str]:
    return {row["channel"]: row["action"] for row in found["channels"]}


# -- customers ------------------------------------------------------------------------------


def test_customer_is_created_found_and_changed(server: GatewayServer, admin: httpx.Client) -> None:
    made = customer(admin, "C-100", "Ann.Lee@Example.org", "07700 900100")
    assert [i["value"] for i in made["identities"]] == ["ann.lee@example.org", "+447700900100"]
    with server.client("agent") as agent:
        assert ok(agent.get("/api/v1/customers/C-100"))["name"] == "Customer C-100"
        found = ok(agent.get("/api/v1/customers", params={"q": "+447700900100"}))
        assert [c["ref"] for c in found] == ["C-100"]
    with server.client("officer") as officer:
        body = {"kind": "phone", "value": "020 7946 0100"}
        changed = ok(officer.post("/api/v1/customers/C-100/identities", json=body))
        assert "+442079460100" in [i["value"] for i in changed["identities"]]
        rep = {"name": "Raj Patel", "role": "solicitor",
               "identities": [{"kind": "email", "value": "raj@example.net"}]}  # fmt: skip
        changed = ok(officer.post("/api/v1/customers/C-100/representatives", json=rep))
        assert changed["representatives"][0]["role"] == "solicitor"
        adjustment = {"channel": "phone", "note": "agreed"}
        changed = ok(officer.post("/api/v1/customers/C-100/adjustments", json=adjustment))
        assert changed["adjustments"] == [adjustment]
        gone = ok(officer.delete("/api/v1/customers/C-100/identities/phone:+442079460100"))
        assert "+442079460100" not in [i["value"] for i in gone["identities"]]
    trail = ok(admin.get("/api/v1/audit", params={"subject": "customer:C-100"}))
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("customer.created", "admin-user"),
        ("customer.identity_added", "officer-user"),
        ("customer.representative_added", "officer-user"),
        ("customer.adjustment_added", "officer-user"),
        ("customer.identity_removed", "officer-user"),
    ]


def test_bad_input_is_422_naming_the_field(admin: httpx.Client) -> None:
    body = {"ref": "C-101", "identities": [{"kind": "phone", "value": "not-a-phone"}]}
    response = admin.post("/api/v1/customers", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "identities", 0, "value"]
    assert "not a phone number" in error["msg"]
    response = admin.post("/api/v1/customers", json={"name": "no ref"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ref"]
    assert admin.get("/api/v1/customers/C-101").status_code == 404
    response = admin.post("/api/v1/customers/C-100/adjustments", json={"channel": "fax"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "channel"]


def test_unknown_things_are_404(admin: httpx.Client) -> None:
    assert admin.get("/api/v1/customers/C-NOPE").status_code == 404
    assert admin.get("/api/v1/cases/K-NOPE").status_code == 404
    step = {"reason": "x"}
    assert admin.post("/api/v1/cases/K-NOPE/warning", json=step).status_code == 404
    triage = {"outcome": "no_new_information"}
    assert admin.post("/api/v1/held/no-such-item/triage", json=triage).status_code == 404
    assert admin.get("/api/v1/banner", params={"customer": "C-NOPE"}).status_code == 404


def test_an_address_belongs_to_one_customer_409(admin: httpx.Client) -> None:
    customer(admin, "C-102", "owner@example.org")
    response = admin.post(
        "/api/v1/customers",
        json={"ref": "C-103", "identities": [{"kind": "email", "value": "OWNER@example.org"}]},
    )
    assert response.status_code == 409
    assert "C-102" in response.json()["detail"]
    assert admin.get("/api/v1/customers/C-103").status_code == 404
    customer(admin, "C-103", "other@example.org")
    body = {"kind": "email", "value": "owner@example.org"}
    assert admin.post("/api/v1/customers/C-103/identities", json=body).status_code == 409
    assert admin.post("/api/v1/customers", json={"ref": "C-103"}).status_code == 409


def test_what_hangs_under_an_unknown_customer_is_404(admin: httpx.Client) -> None:
    changes = [
        ("identities", {"kind": "email", "value": "nobody@example.org"}),
        ("representatives", {"name": "Smith & Co", "role": "solicitor"}),
        ("adjustments", {"channel": "phone", "note": "calls only"}),
    ]
    for path, body in changes:
        response = admin.post(f"/api/v1/customers/C-NOPE/{path}", json=body)
        assert response.status_code == 404, path
    assert admin.get("/api/v1/customers/C-NOPE/contacts").status_code == 404
    key = "email:nobody@example.org"
    assert admin.delete(f"/api/v1/customers/C-NOPE/identities/{key}").status_code == 404


def test_a_representative_with_another_customers_address_is_409(admin: httpx.Client) -> None:
    customer(admin, "C-104", "solicitor@example.org")
    customer(admin, "C-105", "c105@example.org")
    body = {"name": "Smith & Co", "role": "solicitor",
            "identities": [{"kind": "email", "value": "Solicitor@example.org"}]}  # fmt: skip
    response = admin.post("/api/v1/customers/C-105/representatives", json=body)
    assert response.status_code == 409 and "C-104" in response.json()["detail"]
    assert ok(admin.get("/api/v1/customers/C-105"))["representatives"] == []


# -- who may do what ------------------------------------------------------------------------

ROUTES = [
    ("POST", "/api/v1/customers", "officer"),
    ("GET", "/api/v1/customers", "agent"),
    ("GET", "/api/v1/customers/{ref}", "agent"),
    ("POST", "/api/v1/customers/{ref}/identities", "officer"),
    ("DELETE", "/api/v1/customers/{ref}/identities/{key}", "officer"),
    ("POST", "/api/v1/customers/{ref}/representatives", "officer"),
    ("POST", "/api/v1/customers/{ref}/adjustments", "officer"),
    ("GET", "/api/v1/customers/{ref}/contacts", "officer"),
    ("POST", "/api/v1/cases", "manager"),
    ("GET", "/api/v1/cases", "officer"),
    ("GET", "/api/v1/cases/{case_id}", "officer"),
    ("POST", "/api/v1/cases/{case_id}/warning", "manager"),
    ("POST", "/api/v1/cases/{case_id}/restrictions", "manager"),
    ("POST", "/api/v1/cases/{case_id}/appeals", "officer"),
    ("POST", "/api/v1/cases/{case_id}/appeals/{number}/decision", "manager"),
    ("POST", "/api/v1/cases/{case_id}/reviews", "manager"),
    ("POST", "/api/v1/cases/{case_id}/closure", "manager"),
    ("GET", "/api/v1/cases/{case_id}/report", "officer"),
    ("GET", "/api/v1/held", "officer"),
    ("POST", "/api/v1/held/{held_id}/triage", "officer"),
    ("GET", "/api/v1/banner", "agent"),
    ("GET", "/api/v1/audit", "manager"),
]
OURS = tuple(f"/api/v1/{name}" for name in ("customers", "cases", "held", "banner", "audit"))
BELOW = {"officer": "agent", "manager": "officer", "admin": "manager"}
EXAMPLE = {"ref": "C-1", "key": "email:a@example.org", "case_id": "K-1", "number": "1",
           "held_id": "h-1"}  # fmt: skip


def test_the_table_lists_every_api_route(admin: httpx.Client) -> None:
    assert "swagger" in admin.get("/docs").text.lower()  # the API documents itself
    spec = ok(admin.get("/openapi.json"))
    served = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith(OURS)
        for method in operations
    }
    assert served == {(method, path) for method, path, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "role"), ROUTES)
def test_every_route_needs_a_token_and_its_role(
    server: GatewayServer, method: str, path: str, role: str
) -> None:
    url = path.format(**EXAMPLE)
    body: dict[str, Any] | None = {} if method == "POST" else None
    with server.client() as anonymous:
        response = anonymous.request(method, url, json=body)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        bogus = {"Authorization": "Bearer not-a-configured-token-at-all"}
        assert anonymous.request(method, url, json=body, headers=bogus).status_code == 401
    if role in BELOW:
        with server.client(BELOW[role]) as too_low:
            response = too_low.request(method, url, json=body)
            assert response.status_code == 403
            assert role in response.json()["detail"]
    with server.client(role) as allowed:
        assert allowed.request(method, url, json=body).status_code not in (401, 403)


# -- cases ----------------------------------------------------------------------------------


def test_a_case_through_every_step(server: GatewayServer, admin: httpx.Client) -> None:
    customer(admin, "C-200", "c200@example.org")
    manager, officer = server.client("manager"), server.client("officer")
    # the officer token's own case: officers see only theirs (tests/gateway/test_scopes.py)
    jo = {"name": server.principal("officer"), "email": "jo@landlord.example"}
    body = {"id": "K-200", "customer_ref": "C-200", "officer": jo, "reason": "40 calls a week",
            "on": days_ago(30)}  # fmt: skip
    assert officer.post("/api/v1/cases", json=body).status_code == 403
    case = ok(manager.post("/api/v1/cases", json=body), 201)
    assert case["state"] == "concern_recorded"
    assert case["allowed_steps"] == ["warn", "restrict", "close"]
    assert manager.post("/api/v1/cases", json=body).status_code == 409

    refused = officer.post("/api/v1/cases/K-200/appeals", json={"reason": "unfair"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "cannot lodge an appeal: case K-200 is at the concern stage; "
        "allowed now: warn, restrict, close"
    )
    ok(manager.post("/api/v1/cases/K-200/warning", json={"on": days_ago(25), "reason": "letter"}))
    restricted_on = TODAY - dt.timedelta(days=20)
    step = {"on": restricted_on.isoformat(), "reason": "no change",
            "restrictions": [{"kind": "letter_only"}]}  # fmt: skip
    case = ok(manager.post("/api/v1/cases/K-200/restrictions", json=step))
    calendar = WorkingDays("GB", "ENG")
    ends_on = add_months(restricted_on, 12)
    assert case["state"] == "restricted"
    assert case["restrictions"][0]["ends_on"] == ends_on.isoformat()
    fetched = ok(officer.get("/api/v1/cases/K-200"))
    assert (
        fetched["deadlines"]["appeal_request_by"]
        == calendar.deadline(restricted_on, PROFILE.appeal_request_working_days).isoformat()
    )
    assert fetched["deadlines"]["review_due"] == calendar.next_working_day(ends_on).isoformat()
    assert fetched["allowed_steps"] == ["lodge_appeal", "review", "close"]

    lodged_on = TODAY - dt.timedelta(days=5)
    step = {"on": lodged_on.isoformat(), "reason": "the customer disagrees"}
    case = ok(officer.post("/api/v1/cases/K-200/appeals", json=step))
    assert case["state"] == "appeal_lodged"
    assert (
        case["deadlines"]["appeal_decision_due"]
        == calendar.deadline(lodged_on, PROFILE.appeal_decision_working_days).isoformat()
    )
    decision = {"outcome": "upheld", "reason": "proportionate"}
    assert officer.post("/api/v1/cases/K-200/appeals/1/decision", json=decision).status_code == 403
    assert manager.post("/api/v1/cases/K-200/appeals/2/decision", json=decision).status_code == 404
    case = ok(manager.post("/api/v1/cases/K-200/appeals/1/decision", json=decision))
    assert case["state"] == "restricted" and "lodge_appeal" not in case["allowed_steps"]
    again = manager.post("/api/v1/cases/K-200/appeals/1/decision", json=decision)
    assert again.status_code == 409 and "allowed now: review, close" in again.json()["detail"]

    extend = {"outcome": "extended", "reason": "12-month review", "months": 6}
    no_grounds = manager.post("/api/v1/cases/K-200/reviews", json=extend)
    assert no_grounds.status_code == 409 and "grounds" in no_grounds.json()["detail"]
    case = ok(manager.post("/api/v1/cases/K-200/reviews", json={**extend, "grounds": "threats"}))
    assert case["restrictions"][0]["ends_on"] == add_months(TODAY, 6).isoformat()
    case = ok(manager.post("/api/v1/cases/K-200/closure", json={"reason": "moved away"}))
    assert case["state"] == "closed" and case["allowed_steps"] == []

    trail = ok(manager.get("/api/v1/audit", params={"subject": "case:K-200"}))
    # the case's steps (letters generated with them have entries of their own)
    steps = [(e["action"], e["actor"]) for e in trail if e["action"].startswith("case.")]
    assert steps == [
        ("case.concern_recorded", "manager-user"),
        ("case.warned", "manager-user"),
        ("case.restricted", "manager-user"),
        ("case.appeal_lodged", "officer-user"),
        ("case.appeal_decided", "manager-user"),
        ("case.reviewed", "manager-user"),
        ("case.closed", "manager-user"),
    ]
    manager.close()
    officer.close()


def test_case_input_errors(admin: httpx.Client) -> None:
    body = {"id": "K-201", "customer_ref": "C-NOBODY", "reason": "x"}
    response = admin.post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "customer_ref"]
    customer(admin, "C-201")
    ok(admin.post("/api/v1/cases", json={**body, "customer_ref": "C-201"}), 201)
    step = {"reason": "x", "skip_warning_reason": "extreme",
            "restrictions": [{"kind": "single_point_of_contact"}]}  # fmt: skip
    response = admin.post("/api/v1/cases/K-201/restrictions", json=step)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "restrictions", 0, "officer"]
    response = admin.post("/api/v1/cases/K-201/restrictions", json={**step, "restrictions": []})
    assert response.status_code == 422
    response = admin.post("/api/v1/cases/K-201/warning", json={"reason": "  "})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reason"]
    no_skip = {"reason": "x", "restrictions": [{"kind": "letter_only"}]}
    response = admin.post("/api/v1/cases/K-201/restrictions", json=no_skip)
    assert response.status_code == 409 and "skip_warning_reason" in response.json()["detail"]


# -- the held queue -------------------------------------------------------------------------


async def dispatch_in_process(server: GatewayServer, contact: Contact) -> Action:
    """The channels' side of the gateway, in this process, on the same store as the server;
    waits for the decision's flags to be kept."""
    gateway = build_gateway(load_settings(server.config_path), "test")
    await gateway.store.open()
    flags = asyncio.create_task(gateway.run_flags())
    try:
        dispatched = await gateway.dispatch(contact)
        for _ in range(50):
            if not dispatched.decision.flags or await gateway.store.list_flags(
                dispatched.customer_key
            ):
                break
            await asyncio.sleep(0.1)
    finally:
        flags.cancel()
        await gateway.store.close()
    return dispatched.decision.action


def test_refused_contacts_wait_in_the_held_queue_for_triage(
    server: GatewayServer, admin: httpx.Client
) -> None:
    customer(admin, "C-300", "c300@example.org")
    restrict(admin, "C-300", {"kind": "letter_only"}, officer=server.principal("officer"))
    contact = Contact(
        channel=Channel.email,
        sender=Identity.of("email", "C300@example.org"),
        received_at=NOW,
        subject="Boiler",
        text="When will the boiler be fixed?",
    )
    assert asyncio.run(dispatch_in_process(server, contact)) is Action.refuse
    pending = {"customer": "C-300", "pending": "true"}

    with server.client("officer") as officer:
        [item] = ok(officer.get("/api/v1/held", params=pending))
        assert item["contact"]["text"] == "When will the boiler be fixed?"
        assert item["action"] == "refuse" and item["triage"] == "pending"
        triage = {"outcome": "new_information", "note": "a new repair: passed to repairs"}
        done = ok(officer.post(f"/api/v1/held/{item['id']}/triage", json=triage))
        assert (done["triage"], done["triaged_by"]) == ("new_information", "officer-user")
        assert (
            ok(officer.get("/api/v1/held", params={"customer": "C-300", "pending": "true"})) == []
        )
        bad = officer.post(f"/api/v1/held/{item['id']}/triage", json={"outcome": "ignored"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "outcome"]
        [contact_row] = ok(officer.get("/api/v1/customers/C-300/contacts"))
        assert contact_row["decision"]["action"] == "refuse"
        assert contact_row["decision"]["reasons"]
        assert "boiler" not in json.dumps(contact_row).lower()  # no message bodies
    found = banner(admin, customer="C-300")
    assert found["counts"]["last_7_days"] == 1 and found["counts"]["last_30_days"] == 1
    assert [f["kind"] for f in found["flags"]] == ["restriction_breach"]
    trail = ok(admin.get("/api/v1/audit", params={"subject": f"held:{item['id']}"}))
    assert [(e["action"], e["actor"]) for e in trail] == [("held.triaged", "officer-user")]


# -- the command line -----------------------------------------------------------------------


def test_check_prints_the_decision_and_records_nothing(
    server: GatewayServer, admin: httpx.Client
) -> None:
    customer(admin, "C-600", "c600@example.org", "07700 900600")
    restrict(admin, "C-600", {"kind": "letter_only"}, officer=server.principal("officer"))
    result = server.cli("check", "--channel", "email", "--from", "C600@example.org",
                        "--subject", "Boiler", "--text", "When will it be fixed?")  # fmt: skip
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision.keys() >= {"action", "destination", "reasons", "flags", "notice"}
    assert decision["action"] == "refuse" and decision["destination"] is None
    assert [r["rule"] for r in decision["reasons"]] == ["letter_only"]
    assert [f["kind"] for f in decision["flags"]] == ["restriction_breach"]
    assert decision["notice"]["key"] == "letter_only"
    at = (NOW + dt.timedelta(days=7)).isoformat()  # a week into the restriction
    result = server.cli("check", "--channel", "phone", "--from", "07700 900600", "--emergency",
                        "--at", at)  # fmt: skip
    decision = json.loads(result.stdout)
    assert (decision["action"], decision["destination"]) == ("redirect", "+441332000999")
    assert [f["kind"] for f in decision["flags"]] == ["emergency_override"]
    with server.client("officer") as officer:
        assert ok(officer.get("/api/v1/customers/C-600/contacts")) == []
        assert ok(officer.get("/api/v1/held", params={"customer": "C-600"})) == []
    assert banner(admin, customer="C-600")["counts"]["last_7_days"] == 0
    bad = server.cli("check", "--channel", "sms", "--from", "not a number")
    assert bad.returncode == 2 and "--from" in bad.stderr and bad.stdout == ""


# -- the banner -----------------------------------------------------------------------------

SPOC = {
    "kind": "single_point_of_contact",
    "officer": {"name": "Jo Bennett", "email": "jo@landlord.example", "phone": "+442079460999"},
    "windows": [{"weekday": "tue", "start": "10:00", "end": "12:00"},
                {"weekday": "thu", "start": "14:00", "end": "16:00"}],
}  # fmt: skip
OFFICE = "Council House, Corporation Street"
KINDS = [
    ({"kind": "letter_only"}, "Letter only",
     {"email": "refuse", "phone": "refuse", "sms": "refuse", "social": "refuse",
      "letter": "deliver"}),
    ({"kind": "phone_via_third_party"}, "through a third party",
     {"phone": "refuse", "email": "deliver", "letter": "deliver"}),
    (SPOC, "Jo Bennett (tue 10:00-12:00, thu 14:00-16:00)", {"email": "redirect"}),
    ({"kind": "appointment_only", "office": OFFICE}, f"appointment only at {OFFICE}",
     {"email": "deliver", "phone": "deliver", "letter": "deliver"}),
    ({"kind": "witness_required"}, "witness",
     {"email": "deliver", "phone": "deliver", "letter": "deliver"}),
    ({"kind": "social_media", "level": "denied"}, "Social media denied",
     {"social": "refuse", "email": "deliver", "phone": "deliver"}),
    ({"kind": "social_media", "level": "restricted"}, "Social media restricted",
     {"social": "hold", "email": "deliver"}),
]  # fmt: skip


@pytest.mark.parametrize(("restriction", "label", "expected"), KINDS)
def test_banner_shows_each_restriction_and_what_each_channel_does_now(
    admin: httpx.Client, restriction: dict[str, Any], label: str, expected: dict[str, str]
) -> None:
    n = KINDS.index((restriction, label, expected))
    ref, email, phone = f"C-40{n}", f"c40{n}@example.org", f"07700 90040{n}"
    customer(admin, ref, email, phone)
    restrict(admin, ref, restriction)
    for query in ({"address": email}, {"address": phone}, {"customer": ref}):
        found = banner(admin, **query)
        assert found["customer"]["ref"] == ref
        [shown] = found["restrictions"]
        assert shown["kind"] == restriction["kind"] and label.lower() in shown["label"].lower()
        restricted_on = TODAY - dt.timedelta(days=10)
        assert shown["until"] == add_months(restricted_on, 12).isoformat()
        assert label.lower() in found["summary"].lower()
        assert actions(found).items() >= expected.items()
        assert (
            found["review_due_on"]
            == WorkingDays().next_working_day(add_months(restricted_on, 12)).isoformat()
        )
        assert found["review_overdue"] is False
    if restriction is SPOC:
        email_row = next(
            c for c in banner(admin, address=email)["channels"] if c["channel"] == "email"
        )
        assert email_row["destination"] == "jo@landlord.example"


def test_banner_for_a_representative_an_adjustment_and_an_appeal(admin: httpx.Client) -> None:
    rep = {"name": "Priya Raman", "role": "solicitor",
           "identities": [{"kind": "phone", "value": "020 7946 0410"}]}  # fmt: skip
    adjustment = {"channel": "phone", "note": "cannot manage letters"}
    customer(admin, "C-410", "c410@example.org", "07700 900410", representatives=[rep],
             adjustments=[adjustment])  # fmt: skip
    restrict(admin, "C-410", {"kind": "letter_only"})
    own = banner(admin, address="07700 900410")
    assert actions(own)["email"] == "refuse"
    assert actions(own)["phone"] == "deliver"  # the adjustment is never switched off
    assert own["adjustments"] == [adjustment] and own["representative"] is None
    assert own["representatives"][0]["name"] == "Priya Raman"
    theirs = banner(admin, address="+442079460410")
    assert theirs["customer"]["ref"] == "C-410"
    assert theirs["representative"]["name"] == "Priya Raman"
    assert actions(theirs)["email"] in ("deliver", "redirect")
    assert own["appeal_open"] is False
    ok(admin.post("/api/v1/cases/K-C-410/appeals", json={"reason": "disagrees"}))
    appealed = banner(admin, customer="C-410")
    assert appealed["appeal_open"] is True
    [case] = appealed["cases"]
    assert case["state"] == "appeal_lodged"
    assert (
        case["deadlines"]["appeal_decision_due"]
        == WorkingDays().deadline(TODAY, PROFILE.appeal_decision_working_days).isoformat()
    )
    assert actions(appealed)["email"] == "refuse"  # restrictions stay in force during an appeal


def test_banner_shows_an_overdue_review(admin: httpx.Client) -> None:
    customer(admin, "C-420", "c420@example.org")
    admin.post("/api/v1/cases", json={"id": "K-420", "customer_ref": "C-420", "reason": "x",
                                      "on": days_ago(420)})  # fmt: skip
    step = {"on": days_ago(400), "reason": "extreme", "skip_warning_reason": "threats",
            "restrictions": [{"kind": "letter_only"}]}  # fmt: skip
    ok(admin.post("/api/v1/cases/K-420/restrictions", json=step))
    found = banner(admin, address="c420@example.org")
    assert found["review_overdue"] is True
    assert found["restrictions"] == [] and found["summary"] == "no restrictions"
    assert actions(found)["email"] == "deliver"  # an expired restriction does nothing


def test_banner_for_an_unknown_address_is_not_restricted(admin: httpx.Client) -> None:
    found = banner(admin, address="Stranger@Example.net")
    assert found["customer"] is None and found["address"] == "email:stranger@example.net"
    assert found["summary"] == "no restrictions" and found["restrictions"] == []
    assert set(actions(found).values()) == {"deliver"}
    assert len(found["channels"]) == 6


def test_banner_needs_an_address_or_a_customer(admin: httpx.Client) -> None:
    response = admin.get("/api/v1/banner")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "address"]
    response = admin.get("/api/v1/banner", params={"address": "slack:nonsense"})
    assert response.status_code == 422


# -- Redis ----------------------------------------------------------------------------------


def test_serve_on_redis_smoke(tmp_path: Path) -> None:
    with (
        RedisServer(tmp_path / "redis") as redis,
        GatewayServer(tmp_path / "gateway", store_url=redis.url) as server,
        server.client("admin") as admin,
    ):
        customer(admin, "C-500", "c500@example.org", "07700 900500")
        restrict(admin, "C-500", {"kind": "letter_only"})
        found = banner(admin, address="07700 900500")
        assert found["customer"]["ref"] == "C-500"
        assert actions(found)["email"] == "refuse"
        assert ok(admin.get("/api/v1/cases/K-C-500"))["state"] == "restricted"


def test_health_and_metrics_follow_the_store(tmp_path: Path) -> None:
    """/healthz needs no token (load balancers); /metrics a metrics or admin token
    (Prometheus), and that token opens nothing else; /healthz says degraded (503) while the
    store is down, as does the API, and recovers with it."""
    with (
        RedisServer(tmp_path / "redis") as redis,
        GatewayServer(tmp_path / "gateway", store_url=redis.url) as server,
        server.client() as anonymous,
        server.client("officer") as officer,
        server.client("metrics") as monitor,
    ):
        health = anonymous.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "store": True, "journal": 0}
        assert anonymous.get("/metrics").status_code == 401
        assert officer.get("/metrics").status_code == 403
        assert monitor.get("/api/v1/held").status_code == 403
        with server.client("admin") as admin:
            assert admin.get("/metrics").status_code == 200
        metrics = monitor.get("/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/")
        for name in ("contact_gateway_dispatch_seconds", "contact_gateway_journal_pending"):
            assert f"# TYPE {name}" in metrics.text
        redis.kill()
        down = anonymous.get("/healthz")
        assert down.status_code == 503 and down.json()["status"] == "degraded"
        assert officer.get("/api/v1/held").status_code == 503
        redis.start()
        for _ in range(50):
            if anonymous.get("/healthz").status_code == 200:
                break
            time.sleep(0.1)
        assert anonymous.get("/healthz").json()["store"] is True
        assert officer.get("/api/v1/held").status_code == 200
