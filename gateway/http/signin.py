"""/login and /logout. A wrong password and an unknown username get the same message and take
the same time; repeated failures for one username (or from one address) slow every further
attempt down, doubling up to MAX_DELAY seconds, until a quiet WINDOW has passed; and only so
many attempts may be under way at once for one username, from one address and in all (an
attempt waiting out its slowdown counts), so parallel guesses cannot share out the waiting:
the one over the cap is refused at once (429), before any password is checked.
In trusted-header mode the single sign-on proxy signs users in and out, so /logout says so."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
from collections.abc import Mapping
from typing import ClassVar

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.http import pages, sessions
from gateway.http.auth import principal_of, trusted_header_principal
from gateway.http.passwords import PasswordHashError, dummy_hash, verify_password
from gateway.settings import User
from gateway.store.base import StoreError

log = logging.getLogger("contact_gateway.http")
router = APIRouter(tags=["pages"], include_in_schema=False)

WRONG = "The username or password is not right. Check them and try again."
HOME = "/agent"


BUSY = "Too many sign-in attempts are under way. Wait a moment and try again."
UNAVAILABLE = "Signing in is not possible just now: the gateway cannot reach its store."
ALL = "all"


class Throttle:
    """Failed sign-ins per key, in this process; free attempts first, then a growing wait.
    And attempts under way per key, each kind of key capped (`IN_FLIGHT`)."""

    WINDOW = 15 * 60.0
    MAX_DELAY = 8.0
    IN_FLIGHT: ClassVar[Mapping[str, int]] = {"user": 3, "address": 10, ALL: 40}

    def __init__(self) -> None:
        self.failures: dict[str, tuple[int, float]] = {}
        self.under_way: dict[str, int] = {}

    def enter(self, keys: list[str]) -> bool:
        """Counts an attempt under way on every key; False (and nothing counted) when one
        of them is at its cap."""
        if any(self.under_way.get(k, 0) >= self.IN_FLIGHT[k.partition(":")[0]] for k in keys):
            return False
        for key in keys:
            self.under_way[key] = self.under_way.get(key, 0) + 1
        return True

    def leave(self, keys: list[str]) -> None:
        for key in keys:
            left = self.under_way.pop(key, 1) - 1
            if left > 0:
                self.under_way[key] = left

    def count(self, key: str, now: float) -> int:
        count, last = self.failures.get(key, (0, 0.0))
        return count if now - last < self.WINDOW else 0

    def delay(self, keys: dict[str, int], now: float) -> float:
        over = max(self.count(key, now) - free + 1 for key, free in keys.items())
        return 0.0 if over <= 0 else min(2.0 ** (over - 1), self.MAX_DELAY)

    def failed(self, keys: dict[str, int], now: float) -> None:
        if len(self.failures) > 10_000:
            self.failures = {k: v for k, v in self.failures.items() if now - v[1] < self.WINDOW}
        for key in keys:
            self.failures[key] = (self.count(key, now) + 1, now)

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)


def throttle_of(request: Request) -> Throttle:
    throttle: Throttle | None = getattr(request.app.state, "signin_throttle", None)
    if throttle is None:
        throttle = request.app.state.signin_throttle = Throttle()
    return throttle


def safe_next(target: object) -> str:
    """Only a path on this site: never another host (`//evil.example`, `https://...`)."""
    text = target if isinstance(target, str) else ""
    parts = urllib.parse.urlsplit(text)
    if not text.startswith("/") or text.startswith(("//", "/\\")) or parts.scheme or parts.netloc:
        return HOME
    return text


async def check_password(request: Request, username: str, password: str) -> User | None:
    user = sessions.find_user(sessions.http_settings(request), username)
    hashed = user.password_hash if user is not None else dummy_hash()
    try:
        matches = await asyncio.to_thread(verify_password, password, hashed)
    except PasswordHashError:
        log.error("http.users: the password_hash of one user is not a scrypt hash")
        return None
    return user if matches and user is not None else None


def login_page(request: Request, next_path: str, error: str | None, code: int = 200) -> Response:
    context = {"next": next_path, "error": error, "notice": None, "title": "Sign in"}
    if request.query_params.get("signed_out"):
        context["notice"] = "You have signed out."
    return pages.render(request, "login.html", context, status_code=code)


@router.get("/login")
async def login_form(request: Request, next: str = HOME) -> Response:
    if principal_of(request) is not None:
        return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    return login_page(request, safe_next(next), None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    next_path = safe_next(form.get("next"))
    token = form.get(sessions.CSRF_FIELD)
    if not sessions.csrf_valid(request, token if isinstance(token, str) else None):
        return login_page(request, next_path, pages.CSRF_MESSAGE, status.HTTP_403_FORBIDDEN)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    client = request.client.host if request.client else "unknown"
    user_key = f"user:{username.casefold()}"
    keys = {user_key: 3, f"address:{client}": 10}
    throttle = throttle_of(request)
    if not throttle.enter([*keys, ALL]):
        log.info("sign-in refused: too many attempts under way")
        response = login_page(request, next_path, BUSY, status.HTTP_429_TOO_MANY_REQUESTS)
        response.headers["Retry-After"] = "1"
        return response
    try:
        return await attempt(request, throttle, keys, user_key, next_path, username, password)
    finally:
        throttle.leave([*keys, ALL])


async def attempt(
    request: Request,
    throttle: Throttle,
    keys: dict[str, int],
    user_key: str,
    next_path: str,
    username: str,
    password: str,
) -> Response:
    wait = throttle.delay(keys, time.monotonic())
    if wait:
        await asyncio.sleep(wait)
    user = await check_password(request, username, password) if username and password else None
    if user is None:
        throttle.failed(keys, time.monotonic())
        log.info("sign-in refused (%.0f s slowdown)", wait)
        return login_page(request, next_path, WRONG, status.HTTP_401_UNAUTHORIZED)
    throttle.succeeded(user_key)  # the address keeps its count
    response = RedirectResponse(next_path, status.HTTP_303_SEE_OTHER)
    try:
        await sessions.start_session(request, response, user)
    except StoreError:
        log.warning("sign-in failed: the store is unreachable")
        return login_page(request, next_path, UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    token = form.get(sessions.CSRF_FIELD)
    if not sessions.csrf_valid(request, token if isinstance(token, str) else None):
        raise pages.PageError(status.HTTP_403_FORBIDDEN, pages.CSRF_MESSAGE)
    request.state.csrf_ok = True  # the form's token was checked just now
    if trusted_header_principal(request) is not None:
        # Signed in by the single sign-on proxy's header, which comes with every request:
        # only the proxy can sign the user out. Say so, rather than bounce back signed in.
        response: Response = pages.render(
            request, "signin_sso.html", {"title": "Signed in elsewhere"}
        )
    else:
        response = RedirectResponse("/login?signed_out=1", status.HTTP_303_SEE_OTHER)
    try:
        await sessions.end_session(request, response)
    except StoreError:
        log.warning("sign-out failed: the store is unreachable")
        message = "Signing out did not reach the gateway's store. Try again in a moment."
        raise pages.PageError(status.HTTP_503_SERVICE_UNAVAILABLE, message) from None
    return response
