"""The API's description needs a signed-in user and works offline: /openapi.json answers 401
without credentials (as the API does), /docs and /redoc send a visitor to sign in, and signed
in, the pages load only this gateway's own assets, in Debian's Chromium too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import sync_playwright

from gateway.http.passwords import hash_password
from tests.browser import CHROMIUM, needs_chromium, shot
from tests.serve import GatewayServer

PASSWORD = "a long enough password"
REFERENCES = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?([^'")\s>]+)""")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    gateway = GatewayServer(tmp_path_factory.mktemp("docs"))
    gateway.config["http"]["users"] = [
        {"username": "agent1", "password_hash": hash_password(PASSWORD), "role": "agent"}
    ]
    gateway.write_config()
    with gateway:
        yield gateway


def test_anonymous_visitors_get_no_description(server: GatewayServer) -> None:
    with server.client() as anonymous:
        spec = anonymous.get("/openapi.json")
        assert spec.status_code == 401 and spec.headers["www-authenticate"] == "Bearer"
        for page in ("/docs", "/redoc"):
            answer = anonymous.get(page)
            assert answer.status_code == 303
            assert answer.headers["location"] == f"/login?next=%2F{page[1:]}"
    with server.client("metrics") as monitor:  # a scraper's token reads the metrics alone
        assert monitor.get("/openapi.json").status_code == 403


def test_signed_in_the_pages_reference_only_our_own_assets(server: GatewayServer) -> None:
    with server.client("agent") as agent:
        spec = agent.get("/openapi.json").json()
        assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
            "type": "http", "scheme": "bearer", "description": "a token from `[[http.tokens]]`"
        }  # fmt: skip
        audit = spec["paths"]["/api/v1/audit"]["get"]
        assert audit["security"] == [{"HTTPBearer": []}]
        for page in ("/docs", "/redoc"):
            html = agent.get(page)
            assert html.status_code == 200 and html.headers["cache-control"] == "no-store"
            assert "http://" not in html.text and "https://" not in html.text
            found = set(REFERENCES.findall(html.text))
            assets = {url for url in found if url.startswith("/docs-assets/")}
            assert assets and found <= assets | {"/openapi.json"}, found
            for url in assets:  # the assets themselves need no credentials: no secrets
                assert httpx.get(server.url + url).status_code == 200


@needs_chromium
def test_swagger_ui_in_chromium_signed_in(server: GatewayServer) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            origins: set[str] = set()
            page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
            page.goto(f"{server.url}/docs")
            page.get_by_label("Username").fill("agent1")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{server.url}/docs")
            page.locator(".swagger-ui .info .title").wait_for()
            page.get_by_text("/api/v1/banner", exact=True).first.wait_for()
            assert page.locator("button.authorize").count() == 1  # the bearer scheme
            shot(page, "api-docs")
            assert origins == {f"127.0.0.1:{server.port}"}
        finally:
            browser.close()
