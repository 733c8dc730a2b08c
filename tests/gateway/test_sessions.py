"""Sessions against a real `serve`: signing out ends the session on the server (the cookie,
kept, is worth nothing after), a form's CSRF token belongs to one session, and parallel
sign-in guesses beyond the cap are refused at once, before any password is checked."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.http.passwords import hash_password
from gateway.http.signing import sign, unsign
from tests.serve import GatewayServer

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


USERS = [{"username": n, "password_hash": hash_password(PASSWORD), "role": "manager"}
         for n in ("boss", "target")]  # fmt: skip


def configured(directory: Path, store_url: str | None = None) -> GatewayServer:
    server = GatewayServer(directory, store_url=store_url)
    server.config["http"]["users"] = USERS
    server.write_config()
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    with configured(tmp_path_factory.mktemp("sessions")) as running:
        yield running


def token_on(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def signed_in(server: GatewayServer, username: str = "boss") -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    data = {"username": username, "password": PASSWORD, "csrf_token": token_on(client, "/login")}
    assert client.post("/login", data=data).status_code == 303
    return client


def sign_out(client: httpx.Client) -> httpx.Response:
    return client.post("/logout", data={"csrf_token": token_on(client, "/agent")})


def test_signing_out_ends_the_session_even_for_a_kept_cookie(server: GatewayServer) -> None:
    browser, other_tab = signed_in(server), signed_in(server)
    kept = dict(browser.cookies)
    assert browser.get("/reviews").status_code == 200
    assert browser.get("/api/v1/cases").status_code == 200
    assert sign_out(browser).headers["location"] == "/login?signed_out=1"
    with httpx.Client(base_url=server.url, cookies=kept) as replayed:
        page = replayed.get("/reviews")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert replayed.get("/api/v1/cases").status_code == 401
    # the same user's other session goes on
    assert other_tab.get("/reviews").status_code == 200
    browser.close()
    other_tab.close()


def test_signing_out_of_one_gateway_ends_the_session_on_the_others(
    tmp_path: Path, redis_url: str
) -> None:
    """Two gateways behind a load balancer, on one Redis store."""
    shared = f"{redis_url}?prefix=s{uuid.uuid4().hex[:8]}:"
    with configured(tmp_path / "a", shared) as one, configured(tmp_path / "b", shared) as two:
        browser = signed_in(one)
        session = {"cg_session": browser.cookies["cg_session"]}
        with httpx.Client(base_url=two.url, cookies=session) as elsewhere:
            assert elsewhere.get("/reviews").status_code == 200
            assert sign_out(browser).status_code == 303
            assert elsewhere.get("/reviews").status_code == 303
        browser.close()


def test_a_csrf_token_is_good_for_its_own_session_only(server: GatewayServer) -> None:
    mine, theirs = signed_in(server), signed_in(server)
    # Someone with a session of their own plants their CSRF cookie in another's browser and
    # posts their own token from it: refused, as the token names their session.
    planted = theirs.cookies["cg_csrf"]
    their_token = token_on(theirs, "/agent")
    mine.cookies.set("cg_csrf", planted)
    refused = mine.post("/logout", data={"csrf_token": their_token})
    assert refused.status_code == 403
    assert mine.get("/reviews").status_code == 200  # still signed in
    assert mine.post("/logout", data={"csrf_token": token_on(mine, "/agent")}).status_code == 303
    mine.close()
    theirs.close()


async def guesses(
    server: GatewayServer, usernames: list[str], addresses: list[str]
) -> list[tuple[int, float, str]]:
    """One wrong password per username, all at once, each from its address (the gateway
    believes X-Forwarded-For from a proxy on its own host); status, seconds and page of each."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        form = await client.get("/login")
        token = CSRF.search(form.text)
        assert token is not None

        async def guess(username: str, address: str) -> tuple[int, float, str]:
            data = {"username": username, "password": "wrong", "csrf_token": token.group(1)}
            started = time.monotonic()
            answer = await client.post("/login", data=data, headers={"X-Forwarded-For": address})
            return answer.status_code, time.monotonic() - started, answer.text

        return await asyncio.gather(*map(guess, usernames, addresses))


def test_parallel_guesses_at_one_user_beyond_the_cap_are_refused_at_once(
    server: GatewayServer,
) -> None:
    addresses = [f"10.1.0.{n}" for n in range(1, 42)]
    # three failures: each further attempt now waits a second, under way all the while
    for address in addresses[:3]:
        [(code, _, _)] = asyncio.run(guesses(server, ["target"], [address]))
        assert code == 401
    answers = asyncio.run(guesses(server, ["target"] * 41, addresses))
    checked = [took for code, took, _ in answers if code == 401]
    refused = [took for code, took, _ in answers if code == 429]
    assert len(checked) == 3 and len(refused) == 38, answers
    assert min(checked) >= 1.0 and max(refused) < 1.0, answers
    busy = next(page for code, _, page in answers if code == 429)
    assert "Too many sign-in attempts are under way" in busy


def test_parallel_guesses_from_one_address_beyond_the_cap_are_refused_at_once(
    server: GatewayServer,
) -> None:
    one = "10.2.0.1"
    for n in range(10):  # ten failures from the address: the next attempts wait a second
        [(code, _, _)] = asyncio.run(guesses(server, [f"first-{n}"], [one]))
        assert code == 401
    answers = asyncio.run(guesses(server, [f"user-{n}" for n in range(41)], [one] * 41))
    codes = sorted(code for code, _, _ in answers)
    assert codes == [401] * 10 + [429] * 31, answers
    assert max(took for code, took, _ in answers if code == 429) < 1.0, answers


def test_the_forty_first_parallel_guess_in_all_is_refused_at_once(server: GatewayServer) -> None:
    """Each guess at a username and from an address of its own: only the cap on all the
    attempts under way applies."""
    usernames = [f"many-{n}" for n in range(41)]
    addresses = [f"10.4.0.{n}" for n in range(1, 42)]
    for _ in range(3):  # three failures for each username (39 at a time, under every cap)
        for start in (0, 39):
            part = slice(start, start + 39)
            answers = asyncio.run(guesses(server, usernames[part], addresses[part]))
            assert {code for code, _, _ in answers} == {401}
    answers = asyncio.run(guesses(server, usernames, addresses))
    codes = sorted(code for code, _, _ in answers)
    assert codes == [401] * 40 + [429], answers
    assert next(took for code, took, _ in answers if code == 429) < 1.0, answers


def test_signing_in_again_ends_the_browser_s_earlier_session(server: GatewayServer) -> None:
    browser = signed_in(server)
    earlier = dict(browser.cookies)
    data = {"username": "boss", "password": PASSWORD, "csrf_token": token_on(browser, "/reviews")}
    assert browser.post("/login", data=data).status_code == 303
    assert browser.get("/reviews").status_code == 200
    with httpx.Client(base_url=server.url, cookies=earlier) as replayed:
        assert replayed.get("/reviews").status_code == 303
    browser.close()


def test_a_cookie_from_before_sessions_were_kept_is_not_a_session(server: GatewayServer) -> None:
    """Signed with the right secret, for a configured user, unexpired, but naming no session
    in the store (as cookies made before the store kept sessions): signed out."""
    secret = str(server.config["http"]["session_secret"]).encode()
    browser = signed_in(server)
    payload = unsign(secret, "session", browser.cookies["cg_session"])
    assert payload is not None
    for changed in ({k: v for k, v in payload.items() if k != "s"}, {**payload, "s": "made-up"}):
        cookie = {"cg_session": sign(secret, "session", changed)}
        with httpx.Client(base_url=server.url, cookies=cookie) as replayed:
            assert replayed.get("/reviews").status_code == 303
    browser.close()
