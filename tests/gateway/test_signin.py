"""Signing in to the pages, without a browser, against a real `serve` process: the form and
its cookies, the same answer for a wrong password and an unknown user, the slowdown after
failures, CSRF, sessions for the API, roles, framing headers and the trusted-header mode."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.http.passwords import hash_password
from tests.serve import GatewayServer, run_cli, to_toml

PASSWORDS = {"agent1": "agent-password-1", "boss": "manager-password-1", "slow": "slow-pass-1"}
ROLES = {"agent1": "agent", "boss": "manager", "slow": "agent"}
CRM = "https://crm.landlord.example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def configured(directory: Path, **http: Any) -> GatewayServer:
    server = GatewayServer(directory)
    users = [
        {"username": name, "password_hash": hash_password(pw), "role": ROLES[name]}
        for name, pw in PASSWORDS.items()
    ]
    server.config["http"].update(users=users, crm_origins=[CRM], **http)
    server.config_path.write_text(to_toml(server.config), encoding="utf-8")
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    """Also in trusted-header mode: requests without the proxy's headers sign in as usual."""
    directory = tmp_path_factory.mktemp("signin")
    headers = {"trusted_user_header": "X-Remote-User", "trusted_role_header": "X-Remote-Role"}
    with configured(directory, **headers) as running:
        yield running


@pytest.fixture
def browser(server: GatewayServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client with no credentials of its own, like a browser."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def form_token(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: httpx.Client, username: str, password: str, **extra: str) -> httpx.Response:
    token = form_token(client)
    data = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def error_of(page: httpx.Response) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert found, page.text
    return found.group(0)


def set_cookie(response: httpx.Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert headers, response.headers
    return headers[0]


def test_signing_in_sets_a_protected_session_cookie_and_shows_the_user(
    browser: httpx.Client,
) -> None:
    form = browser.get("/login")
    assert 'name="username"' in form.text and 'type="password"' in form.text
    csrf_cookie = set_cookie(form, "cg_csrf").lower()
    assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie

    answer = sign_in(browser, "agent1", PASSWORDS["agent1"])
    assert answer.status_code == 303 and answer.headers["location"] == "/agent"
    cookie = set_cookie(answer, "cg_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "max-age=" in cookie and "secure" not in cookie  # served over plain http here

    page = browser.get("/agent")
    assert page.status_code == 200
    assert "Signed in as <strong>agent1</strong> (agent)" in page.text


def test_a_wrong_password_reads_exactly_like_an_unknown_user(browser: httpx.Client) -> None:
    wrong = sign_in(browser, "boss", "not-the-password")
    unknown = sign_in(browser, "nobody-at-all", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)
    assert "The username or password is not right" in error_of(wrong)
    assert wrong.text == unknown.text  # nothing else on the page tells them apart
    assert "cg_session" not in wrong.headers.get("set-cookie", "")


def test_repeated_failures_slow_every_further_attempt(browser: httpx.Client) -> None:
    def attempt(username: str, password: str) -> tuple[float, int]:
        token = form_token(browser)
        started = time.monotonic()
        data = {"username": username, "password": password, "csrf_token": token}
        answer = browser.post("/login", data=data)
        return time.monotonic() - started, answer.status_code

    first_three = [attempt("slow", "wrong-guess") for _ in range(3)]
    assert all(took < 0.9 and code == 401 for took, code in first_three), first_three
    took, code = attempt("slow", "wrong-guess")
    assert code == 401 and took >= 1.0
    # Even the right password waits now, so guessing cannot outrun the slowdown.
    took, code = attempt("slow", PASSWORDS["slow"])
    assert code == 303 and took >= 2.0
    # Another user is not slowed by these failures.
    browser.cookies.clear()
    took, code = attempt("agent1", PASSWORDS["agent1"])
    assert code == 303 and took < 0.9


def test_forms_without_a_valid_csrf_token_are_refused(
    server: GatewayServer, browser: httpx.Client
) -> None:
    credentials = {"username": "agent1", "password": PASSWORDS["agent1"]}
    form_token(browser)  # the nonce cookie is set, but the form field is missing
    refused = browser.post("/login", data=credentials)
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert "cg_session" not in refused.headers.get("set-cookie", "")

    with httpx.Client(base_url=server.url) as other:  # a token from someone else's page
        foreign = form_token(other)
    refused = browser.post("/login", data={**credentials, "csrf_token": foreign})
    assert refused.status_code == 403

    assert sign_in(browser, **credentials).status_code == 303
    assert browser.post("/logout").status_code == 403
    assert browser.get("/agent").status_code == 200  # still signed in
    token = form_token(browser, "/agent")
    out = browser.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
    assert browser.get("/agent").status_code == 303


def test_pages_send_a_visitor_to_sign_in_and_back(browser: httpx.Client) -> None:
    away = browser.get("/agent", params={"q": "07700 900123"})
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=%2Fagent%3Fq%3D07700%2B900123"
    back = sign_in(browser, "agent1", PASSWORDS["agent1"], next="/agent?q=07700+900123")
    assert back.headers["location"] == "/agent?q=07700+900123"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_sign_in_never_sends_the_user_to_another_site(browser: httpx.Client, target: str) -> None:
    back = sign_in(browser, "agent1", PASSWORDS["agent1"], next=target)
    assert back.status_code == 303 and back.headers["location"] == "/agent"


def test_a_tampered_session_cookie_is_not_a_session(
    server: GatewayServer, browser: httpx.Client
) -> None:
    answer = sign_in(browser, "agent1", PASSWORDS["agent1"])
    cookie = answer.cookies["cg_session"]
    body, _, mac = cookie.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["u"] = "boss"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    with httpx.Client(base_url=server.url, cookies={"cg_session": f"{forged}.{mac}"}) as other:
        assert other.get("/agent").status_code == 303
        assert other.get("/api/v1/audit").status_code == 401


def test_the_api_accepts_a_signed_in_user_with_their_role(
    server: GatewayServer, browser: httpx.Client
) -> None:
    sign_in(browser, "agent1", PASSWORDS["agent1"])
    assert browser.get("/api/v1/banner", params={"address": "07700 900999"}).status_code == 200
    assert browser.get("/api/v1/audit").status_code == 403  # managers only

    with httpx.Client(base_url=server.url) as manager:
        sign_in(manager, "boss", PASSWORDS["boss"])
        assert manager.get("/api/v1/audit").status_code == 200
        body = {"ref": "C-SIGNIN", "name": "Pat Example", "identities": []}
        # A state-changing call on a session cookie needs the page's CSRF token in a header.
        assert manager.post("/api/v1/customers", json=body).status_code == 401
        token = form_token(manager, "/agent")
        made = manager.post("/api/v1/customers", json=body, headers={"X-CSRF-Token": token})
        assert made.status_code == 201, made.text


def test_only_the_fragment_may_be_framed_and_only_by_the_crm(browser: httpx.Client) -> None:
    sign_in(browser, "agent1", PASSWORDS["agent1"])
    for path in ("/agent", "/login", "/api/v1/banner?address=07700900999"):
        response = browser.get(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY", path
    fragment = browser.get("/agent/banner", params={"address": "07700 900999"})
    assert fragment.status_code == 200
    assert f"frame-ancestors {CRM}" in fragment.headers["content-security-policy"]
    assert "x-frame-options" not in fragment.headers
    assert "No restrictions" in fragment.text


def test_trusted_header_mode_signs_in_whoever_the_proxy_names(server: GatewayServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/agent").status_code == 303  # no header: not signed in
        as_jo = {"X-Remote-User": "jo.smith", "X-Remote-Role": "agent"}
        page = client.get("/agent", headers=as_jo)
        assert page.status_code == 200 and "<strong>jo.smith</strong> (agent)" in page.text
        assert client.get("/api/v1/audit", headers=as_jo).status_code == 403
        as_manager = {"X-Remote-User": "kim", "X-Remote-Role": "Manager"}
        assert client.get("/api/v1/audit", headers=as_manager).status_code == 200
        # No role header: the configured user's role; an unknown role: not signed in.
        assert client.get("/api/v1/audit", headers={"X-Remote-User": "boss"}).status_code == 200
        unknown_role = {"X-Remote-User": "jo.smith", "X-Remote-Role": "superuser"}
        assert client.get("/agent", headers=unknown_role).status_code == 303
        unknown_user = {"X-Remote-User": "stranger"}
        assert client.get("/agent", headers=unknown_user).status_code == 303


def test_signing_out_in_trusted_header_mode_says_to_sign_out_of_the_proxy(
    server: GatewayServer,
) -> None:
    """The proxy names the user on every request, so the gateway cannot sign them out: the
    button must not bounce them back signed in without a word."""
    as_jo = {"X-Remote-User": "jo.smith", "X-Remote-Role": "agent"}
    with httpx.Client(base_url=server.url, headers=as_jo) as client:
        token = form_token(client, "/agent")
        page = client.post("/logout", data={"csrf_token": token})
        assert page.status_code == 200, page.text
        assert "Signed in through single sign-on" in page.text
        assert "sign out of your organisation's single sign-on" in page.text
        assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403


def test_a_crm_origin_that_is_not_an_origin_is_refused_at_start(tmp_path: Path) -> None:
    """It would go into the fragment's Content-Security-Policy header as it stands."""
    config = tmp_path / "gateway.toml"
    config.write_text('[http]\ncrm_origins = ["https://crm.example; script-src *"]\n')
    args = ["check", "--config", str(config), "--channel", "email", "--from", "a@example.org"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 2
    assert "http.crm_origins.0" in result.stderr and "should match pattern" in result.stderr
