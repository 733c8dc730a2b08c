"""Signed-in users for the pages: a session cookie signed with HMAC-SHA256, a CSRF token bound
to a cookie nonce, and the trusted-header mode for gateways behind a single sign-on proxy.

The session cookie names the user and carries a fingerprint of their configured entry, so a
user removed from the configuration, or given a new password or role, is signed out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any

from fastapi import Request, Response

from gateway.runtime import Gateway
from gateway.settings import HttpSection, Role, User

log = logging.getLogger("contact_gateway.http")

SESSION_COOKIE = "cg_session"
CSRF_COOKIE = "cg_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 60 * 60  # one long shift
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Without `http.session_secret` sessions last until the process restarts (one instance only).
_PROCESS_SECRET = secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def http_settings(request: Request) -> HttpSection:
    gateway: Gateway = request.app.state.gateway
    return gateway.settings.http


def _now(request: Request) -> float:
    gateway: Gateway = request.app.state.gateway
    return gateway.clock.now().timestamp()


def secret_of(http: HttpSection) -> bytes:
    return http.session_secret.encode("utf-8") or _PROCESS_SECRET


def _mac(key: bytes, purpose: str, body: str) -> bytes:
    return hmac.new(key, f"{purpose}.{body}".encode(), hashlib.sha256).digest()


def sign(key: bytes, purpose: str, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_b64(_mac(key, purpose, body))}"


def unsign(key: bytes, purpose: str, token: str) -> dict[str, Any] | None:
    body, _, mac = token.partition(".")
    try:
        valid = hmac.compare_digest(_unb64(mac), _mac(key, purpose, body))
        payload = json.loads(_unb64(body)) if valid else None
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _fingerprint(key: bytes, user: User) -> str:
    entry = f"{user.username}\0{user.role.value}\0{user.password_hash}"
    return _b64(_mac(key, "user", entry))[:22]


def find_user(http: HttpSection, username: str) -> User | None:
    """The configured user of that name; every entry is compared, in constant time."""
    found = None
    for user in http.users:
        if hmac.compare_digest(user.username.encode(), username.encode()):
            found = user
    return found


def secure_cookies(http: HttpSection) -> bool:
    return http.public_url.startswith("https://")


def start_session(request: Request, response: Response, user: User) -> None:
    http = http_settings(request)
    key = secret_of(http)
    payload = {
        "u": user.username,
        "f": _fingerprint(key, user),
        "x": int(_now(request)) + SESSION_SECONDS,
    }
    response.set_cookie(
        SESSION_COOKIE, sign(key, "session", payload), max_age=SESSION_SECONDS,
        httponly=True, samesite="lax", secure=secure_cookies(http), path="/",
    )  # fmt: skip
    # A new CSRF nonce at sign-in: a nonce planted before sign-in is worth nothing after it.
    request.state.csrf_nonce = secrets.token_urlsafe(32)
    set_csrf_cookie(request, response)


def end_session(request: Request, response: Response) -> None:
    secure = secure_cookies(http_settings(request))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def _csrf_passed(request: Request) -> bool:
    """Cookie-borne credentials only count on a state-changing request that proves it came
    from our own page: a checked form field (see pages.require_page_role) or the header."""
    if request.method in SAFE_METHODS or getattr(request.state, "csrf_ok", False):
        return True
    return csrf_valid(request, request.headers.get(CSRF_HEADER))


def session_user(request: Request) -> tuple[str, Role] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    http = http_settings(request)
    key = secret_of(http)
    payload = unsign(key, "session", token)
    if payload is None or not isinstance(payload.get("x"), int) or payload["x"] < _now(request):
        return None
    user = find_user(http, str(payload.get("u", "")))
    if user is None or not hmac.compare_digest(str(payload.get("f", "")), _fingerprint(key, user)):
        return None
    return (user.username, user.role) if _csrf_passed(request) else None


def trusted_user(request: Request) -> tuple[str, Role] | None:
    """The user named by the single sign-on proxy's header. Only configure this when nothing
    but the proxy can reach the gateway: the header is believed as it stands."""
    http = http_settings(request)
    if not http.trusted_user_header:
        return None
    username = request.headers.get(http.trusted_user_header, "").strip()
    if not username:
        return None
    role_text = (
        request.headers.get(http.trusted_role_header, "") if http.trusted_role_header else ""
    )
    if role_text.strip():
        try:
            role = Role(role_text.strip().lower())
        except ValueError:
            log.warning("trusted role header carries an unknown role; request not signed in")
            return None
    else:
        user = find_user(http, username)
        if user is None:
            return None
        role = user.role
    return (username, role) if _csrf_passed(request) else None


def csrf_nonce(request: Request) -> str:
    nonce: str | None = getattr(request.state, "csrf_nonce", None)
    if nonce is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        nonce = cookie if 32 <= len(cookie) <= 64 else secrets.token_urlsafe(32)
        request.state.csrf_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    """The token forms carry in their `csrf_token` field (or scripts in X-CSRF-Token)."""
    key = secret_of(http_settings(request))
    return _b64(_mac(key, "csrf", csrf_nonce(request)))


def csrf_valid(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    expected = _b64(_mac(secret_of(http_settings(request)), "csrf", cookie))
    return hmac.compare_digest(expected.encode(), submitted.encode())


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Sets the nonce cookie when this request made a new one."""
    nonce = csrf_nonce(request)
    if request.cookies.get(CSRF_COOKIE) != nonce:
        response.set_cookie(
            CSRF_COOKIE, nonce, httponly=True, samesite="lax",
            secure=secure_cookies(http_settings(request)), path="/",
        )  # fmt: skip
