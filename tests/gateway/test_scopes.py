"""Who may reach what, route by route, against a real `serve`: every route of the app (the
table must name each one, so a new route without a rule fails here) with the status each role
gets, and an officer on their own case, customer and held contact against another officer's.
The API and the pages answer alike: unknown is 404, another officer's is 403."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from gateway.commands.common import build_gateway
from gateway.http.app import create_app
from gateway.settings import load_settings
from policy_core.identities import Identity
from policy_core.models import Channel, Contact
from tests.clock import NOW, TODAY
from tests.serve import GatewayServer

# Columns: no credentials, each role's token, and "other": the officer's token on another
# officer's case, customer or held contact (the officer column is the officer's own).
COLUMNS = ("anonymous", "agent", "officer", "other", "manager", "admin", "metrics")
TOKEN = {"officer": "officer", "other": "officer"}


def row(
    anonymous: int, agent: int, officer: int, other: int, manager: int, metrics: int
) -> dict[str, int]:
    """Admins get what managers get."""
    return dict(
        zip(COLUMNS, (anonymous, agent, officer, other, manager, manager, metrics), strict=True)
    )


API_AGENT = row(401, 200, 200, 200, 200, 403)
API_OFFICER_ANY = row(401, 403, 200, 200, 200, 403)
API_OFFICER_NEW = row(401, 403, 422, 422, 422, 403)  # an empty body: refused at its fields
API_OWN = row(401, 403, 200, 403, 200, 403)
API_OWN_WRITE = row(401, 403, 422, 403, 422, 403)
API_MANAGER = row(401, 403, 403, 403, 422, 403)
PAGE_AGENT = row(303, 200, 200, 200, 200, 403)
PAGE_OFFICER = row(303, 403, 200, 200, 200, 403)
PAGE_OWN = row(303, 403, 200, 403, 200, 403)
PAGE_OWN_WRITE = row(303, 403, 422, 403, 422, 403)
PUBLIC = row(200, 200, 200, 200, 200, 200)

TABLE: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): {**row(401, 403, 403, 403, 403, 200), "admin": 200},
    ("POST", "/api/v1/customers"): API_OFFICER_NEW,
    ("GET", "/api/v1/customers"): API_AGENT,
    ("GET", "/api/v1/customers/{ref}"): API_AGENT,
    ("POST", "/api/v1/customers/{ref}/identities"): API_OWN_WRITE,
    ("DELETE", "/api/v1/customers/{ref}/identities/{key}"): row(401, 403, 404, 403, 404, 403),
    ("POST", "/api/v1/customers/{ref}/representatives"): API_OWN_WRITE,
    ("POST", "/api/v1/customers/{ref}/adjustments"): API_OWN_WRITE,
    ("GET", "/api/v1/customers/{ref}/contacts"): API_OWN,
    ("POST", "/api/v1/cases"): API_MANAGER,
    ("GET", "/api/v1/cases"): API_OFFICER_ANY,
    ("GET", "/api/v1/cases/{case_id}"): API_OWN,
    ("POST", "/api/v1/cases/{case_id}/warning"): API_MANAGER,
    ("POST", "/api/v1/cases/{case_id}/restrictions"): API_MANAGER,
    ("POST", "/api/v1/cases/{case_id}/appeals"): API_OWN_WRITE,
    ("POST", "/api/v1/cases/{case_id}/appeals/{number}/decision"): API_MANAGER,
    ("POST", "/api/v1/cases/{case_id}/reviews"): API_MANAGER,
    ("POST", "/api/v1/cases/{case_id}/closure"): API_MANAGER,
    ("GET", "/api/v1/cases/{case_id}/report"): API_OWN,
    ("GET", "/api/v1/held"): API_OFFICER_ANY,
    ("POST", "/api/v1/held/{held_id}/triage"): API_OWN_WRITE,
    ("GET", "/api/v1/banner"): API_AGENT,
    ("GET", "/api/v1/audit"): row(401, 403, 403, 403, 200, 403),
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): row(200, 303, 303, 303, 303, 303),  # signed in: on to the page
    ("POST", "/login"): row(401, 401, 401, 401, 401, 401),  # no password: the neutral refusal
    ("POST", "/logout"): row(303, 303, 303, 303, 303, 303),
    ("GET", "/agent"): PAGE_AGENT,
    ("GET", "/agent/results"): PAGE_AGENT,
    ("GET", "/agent/banner"): row(401, 200, 200, 200, 200, 403),
    ("GET", "/agent/events"): PAGE_AGENT,
    ("GET", "/reviews"): PAGE_OFFICER,
    ("GET", "/cases/{case_id}"): PAGE_OWN,
    ("GET", "/cases/{case_id}/steps/{step}"): PAGE_OWN,
    ("POST", "/cases/{case_id}/steps/{step}"): PAGE_OWN_WRITE,
    ("GET", "/cases/{case_id}/letters/{name}"): PAGE_OWN,
    ("GET", "/docs-assets"): PUBLIC,
    ("GET", "/openapi.json"): API_AGENT,
    ("GET", "/docs"): PAGE_AGENT,
    ("GET", "/redoc"): PAGE_AGENT,
}
# What each path names, for the officer's own ("officer") and another officer's ("other").
OWN = {"ref": "C-OWN", "case_id": "K-OWN", "key": "email:nobody@example.org", "number": "1",
       "step": "appeals", "name": "1"}  # fmt: skip
OTHER = {**OWN, "ref": "C-OTHER", "case_id": "K-OTHER"}
QUERY = {"/api/v1/banner": {"customer": "C-OWN"}, "/agent/banner": {"customer": "C-OWN"}}
MOUNTED = {"/static": "/static/gateway.css", "/docs-assets": "/docs-assets/swagger-ui.css"}


def served_routes(server: GatewayServer) -> set[tuple[str, str]]:
    app = create_app(build_gateway(load_settings(server.config_path), str(server.config_path)))
    found = set()
    # FastAPI includes routers lazily: its own walk gives every route with its full path.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", str(route.path)))
        else:
            found |= {(m, str(route.path)) for m in route.methods or {"?"} if m != "HEAD"}
    return found


async def dispatch(server: GatewayServer, *senders: str) -> None:
    gateway = build_gateway(load_settings(server.config_path), "test")
    await gateway.store.open()
    try:
        for sender in senders:
            sent_by = Identity.of("email", sender)
            contact = Contact(channel=Channel.email, sender=sent_by, received_at=NOW, text="Hi")
            await gateway.dispatch(contact)
    finally:
        await gateway.store.close()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def seed(admin: httpx.Client, ref: str, case_id: str, officer: dict[str, str] | None) -> None:
    email = f"{ref.lower()}@example.org"
    body = {
        "ref": ref,
        "name": f"Customer {ref}",
        "identities": [{"kind": "email", "value": email}],
    }
    ok(admin.post("/api/v1/customers", json=body), 201)
    if officer is None:
        return
    on = (TODAY - dt.timedelta(days=20)).isoformat()
    case = {"id": case_id, "customer_ref": ref, "reason": "concern", "on": on, "officer": officer}
    ok(admin.post("/api/v1/cases", json=case), 201)
    ok(admin.post(f"/api/v1/cases/{case_id}/warning", json={"reason": "letter sent"}))
    step = {"reason": "no change", "restrictions": [{"kind": "letter_only"}]}
    ok(admin.post(f"/api/v1/cases/{case_id}/restrictions", json=step))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    with GatewayServer(tmp_path_factory.mktemp("scopes")) as running:
        with running.client("admin") as admin:
            seed(admin, "C-OWN", "K-OWN", {"name": running.principal("officer")})
            other = {"name": "Other Officer", "email": "other.officer@landlord.example"}
            seed(admin, "C-OTHER", "K-OTHER", other)
            seed(admin, "C-FREE", "", None)
        asyncio.run(dispatch(running, "c-own@example.org", "c-other@example.org"))
        with running.client("admin") as admin:
            for names in (OWN, OTHER):
                [item] = ok(admin.get("/api/v1/held", params={"customer": names["ref"]}))
                names["held_id"] = item["id"]
        yield running


def test_the_table_names_every_route(server: GatewayServer) -> None:
    assert served_routes(server) == set(TABLE)


def csrf(server: GatewayServer, client: httpx.Client) -> str:
    """A CSRF token from the sign-in form; its cookie goes into `client`."""
    with server.client() as anonymous:
        page = anonymous.get("/login")
        client.cookies.update(page.cookies)
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def status_of(server: GatewayServer, method: str, path: str, column: str) -> int:
    names = OTHER if column == "other" else OWN
    url = MOUNTED.get(path) or path.format(**names)
    role = None if column == "anonymous" else TOKEN.get(column, column)
    with server.client(role) as client:
        options: dict[str, Any] = {"params": QUERY.get(path)}
        if method != "GET" and url.startswith("/api/"):
            options["json"] = {}
        elif method != "GET":
            # a username of its own, so that no column is slowed by another's failures
            options["data"] = {"csrf_token": csrf(server, client), "username": column}
        if path == "/agent/events":
            with client.stream(method, url, **options) as response:
                return response.status_code
        return client.request(method, url, **options).status_code


@pytest.mark.parametrize(("method", "path"), list(TABLE))
def test_each_role_gets_what_the_table_says(server: GatewayServer, method: str, path: str) -> None:
    expected = TABLE[(method, path)]
    got = {column: status_of(server, method, path, column) for column in COLUMNS}
    assert got == expected


def test_an_officer_lists_only_their_own_cases_and_held_contacts(server: GatewayServer) -> None:
    with server.client("officer") as officer, server.client("manager") as manager:
        assert [c["id"] for c in ok(officer.get("/api/v1/cases"))] == ["K-OWN"]
        assert {c["id"] for c in ok(manager.get("/api/v1/cases"))} == {"K-OWN", "K-OTHER"}
        assert [h["id"] for h in ok(officer.get("/api/v1/held"))] == [OWN["held_id"]]
        assert len(ok(manager.get("/api/v1/held"))) == 2
        refused = officer.get("/api/v1/held", params={"customer": "C-OTHER"})
        assert refused.status_code == 403
        assert refused.json()["detail"] == "Customer C-OTHER has no case of yours."
        # a customer with no case yet is nobody's: any officer may look after them
        assert ok(officer.get("/api/v1/customers/C-FREE/contacts")) == []


def test_unknown_is_404_on_the_api_and_the_pages(server: GatewayServer) -> None:
    with server.client("officer") as officer:
        for url in ("/api/v1/cases/K-NOPE", "/api/v1/cases/K-NOPE/report",
                    "/api/v1/customers/C-NOPE/contacts", "/cases/K-NOPE"):  # fmt: skip
            assert officer.get(url).status_code == 404, url
        triage = officer.post("/api/v1/held/h-nope/triage", json={"outcome": "safeguarding"})
        assert triage.status_code == 404
        other = officer.get("/cases/K-OTHER")
        assert "Case K-OTHER is not one of your cases." in other.text
