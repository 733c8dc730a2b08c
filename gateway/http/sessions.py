"""Signed-in users for the pages: a session cookie signed with HMAC-SHA256 and a CSRF token bound
to a cookie nonce and to the session (the trusted-header mode is in gateway.http.auth).

The session cookie names the user and carries a fingerprint of their configured entry, so a
user removed from the configuration, or given a new password or role, is signed out; and the
id of a session kept in the store, so that signing out ends it at once, everywhere (the
LiveSessions middleware asks the store before the request is served)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

from fastapi import Request, Response

from gateway.http.signing import b64, mac, sign, unsign
from gateway.runtime import Gateway
from gateway.settings import HttpSection, Role, User

log = logging.getLogger("contact_gateway.http")

SESSION_COOKIE = "cg_session"
CSRF_COOKIE = "cg_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 60 * 60  # one long shift
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LIVE_STATE = "live_session"  # request.state: the session id the store says is live

# Without `http.session_secret` sessions last until the process restarts (one instance only).
_PROCESS_SECRET = secrets.token_bytes(32)


def http_settings(request: Request) -> HttpSection:
    gateway: Gateway = request.app.state.gateway
    return gateway.settings.http


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def _now(request: Request) -> float:
    return _gateway(request).clock.now().timestamp()


def secret_of(http: HttpSection) -> bytes:
    return http.session_secret.encode("utf-8") or _PROCESS_SECRET


def _fingerprint(key: bytes, user: User) -> str:
    entry = f"{user.username}\0{user.role.value}\0{user.password_hash}"
    return b64(mac(key, "user", entry))[:22]


def find_user(http: HttpSection, username: str) -> User | None:
    """The configured user of that name; every entry is compared, in constant time."""
    found = None
    for user in http.users:
        if hmac.compare_digest(user.username.encode(), username.encode()):
            found = user
    return found


def secure_cookies(http: HttpSection) -> bool:
    return http.public_url.startswith("https://")


def stored_id(session_id: str) -> str:
    """What the store keeps: a digest, so the store alone cannot be turned into a cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


async def start_session(request: Request, response: Response, user: User) -> None:
    """Raises StoreError when the store cannot keep the session (nobody is signed in)."""
    http = http_settings(request)
    key = secret_of(http)
    session_id = secrets.token_urlsafe(32)
    now = _gateway(request).clock.now()
    expires = now + dt.timedelta(seconds=SESSION_SECONDS)
    store = _gateway(request).store
    await store.create_session(stored_id(session_id), expires, now)
    earlier = session_id_of(request)
    if earlier is not None:  # signing in again: the session this browser had ends
        await store.revoke_session(stored_id(earlier))
    payload = {
        "u": user.username,
        "f": _fingerprint(key, user),
        "x": int(expires.timestamp()),
        "s": session_id,
    }
    response.set_cookie(
        SESSION_COOKIE, sign(key, "session", payload), max_age=SESSION_SECONDS,
        httponly=True, samesite="lax", secure=secure_cookies(http), path="/",
    )  # fmt: skip
    # A new CSRF nonce at sign-in, bound to the new session: a nonce planted before sign-in,
    # or a token made for another session, is worth nothing after it.
    request.state.started_session = session_id
    request.state.csrf_nonce = secrets.token_urlsafe(32)
    set_csrf_cookie(request, response)


async def end_session(request: Request, response: Response) -> None:
    """Revokes the session in the store (StoreError when it cannot), then drops the cookie."""
    session_id = session_id_of(request)
    if session_id is not None:
        await _gateway(request).store.revoke_session(stored_id(session_id))
    secure = secure_cookies(http_settings(request))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def session_payload(request: Request) -> dict[str, Any] | None:
    """The session cookie's payload when its signature holds and it has not expired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    payload = unsign(secret_of(http_settings(request)), "session", token)
    if payload is None or not isinstance(payload.get("x"), int) or payload["x"] < _now(request):
        return None
    return payload


def session_id_of(request: Request) -> str | None:
    """The session this request belongs to (live or not; the one it just started)."""
    started: str | None = getattr(request.state, "started_session", None)
    if started is not None:
        return started
    payload = session_payload(request)
    found = payload.get("s") if payload else None
    return found if isinstance(found, str) else None


def csrf_passed(request: Request) -> bool:
    """Cookie-borne credentials only count on a state-changing request that proves it came
    from our own page: a checked form field (see pages.require_page_role) or the header."""
    if request.method in SAFE_METHODS or getattr(request.state, "csrf_ok", False):
        return True
    return csrf_valid(request, request.headers.get(CSRF_HEADER))


def session_user(request: Request) -> tuple[str, Role] | None:
    payload = session_payload(request) or {}
    session_id = payload.get("s")
    if not isinstance(session_id, str) or getattr(request.state, LIVE_STATE, None) != session_id:
        return None  # signed out (or the store could not say otherwise), or no session at all
    http = http_settings(request)
    user = find_user(http, str(payload.get("u", "")))
    key = secret_of(http)
    if user is None or not hmac.compare_digest(str(payload.get("f", "")), _fingerprint(key, user)):
        return None
    return (user.username, user.role) if csrf_passed(request) else None


def csrf_nonce(request: Request) -> str:
    nonce: str | None = getattr(request.state, "csrf_nonce", None)
    if nonce is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        nonce = cookie if 32 <= len(cookie) <= 64 else secrets.token_urlsafe(32)
        request.state.csrf_nonce = nonce
    return nonce


def _csrf_for(request: Request, nonce: str) -> str:
    bound = f"{nonce}.{session_id_of(request) or ''}"
    return b64(mac(secret_of(http_settings(request)), "csrf", bound))


def csrf_token(request: Request) -> str:
    """The token forms carry in their `csrf_token` field (or scripts in X-CSRF-Token): the
    cookie's nonce and the session's id, signed."""
    return _csrf_for(request, csrf_nonce(request))


def csrf_valid(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(_csrf_for(request, cookie).encode(), submitted.encode())


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Sets the nonce cookie when this request made a new one."""
    nonce = csrf_nonce(request)
    if request.cookies.get(CSRF_COOKIE) != nonce:
        response.set_cookie(
            CSRF_COOKIE, nonce, httponly=True, samesite="lax",
            secure=secure_cookies(http_settings(request)), path="/",
        )  # fmt: skip
