"""What every page shares: the Jinja2 templates (gateway/http/templates, one base layout),
the static files, the security headers, and `require_page_role`, which sends a visitor who is
not signed in to /login and checks the CSRF token of every form posted to a page."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.banner.wording import display_phone
from gateway.http import sessions
from gateway.http.auth import Principal, gateway_of, principal_of
from gateway.settings import Role

HERE = Path(__file__).parent
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


TEMPLATES.filters["long_date"] = lambda d: f"{d:%A} {d.day} {d:%B %Y}" if d else ""
TEMPLATES.filters["date"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
TEMPLATES.filters["phone"] = display_phone

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    role: Role


# The header's links; other page modules append theirs. Each shows to those with its role.
NAV: list[NavLink] = [NavLink("/agent", "Look up a customer", Role.agent)]


class PageError(Exception):
    """A page that cannot be shown: rendered as an HTML page with this status and message."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def frame_ancestors(origins: list[str] | None) -> str:
    """`'none'` for every page, except those a CRM may embed (`origins`)."""
    return " ".join(origins) if origins else "'none'"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    embed_origins: list[str] | None = None,
) -> HTMLResponse:
    """A page or fragment from the templates, with the signed-in principal, the CSRF token
    and the organisation's name in its context. Personal data: never cached."""
    gateway = gateway_of(request)
    principal = getattr(request.state, "principal", None) or principal_of(request)
    values = {
        "request": request,
        "principal": principal,
        "nav": [link for link in NAV if principal and principal.role.includes(link.role)],
        "csrf_field": sessions.CSRF_FIELD,
        "csrf_token": sessions.csrf_token(request),
        "organisation": gateway.settings.organisation.name,
        **(context or {}),
    }
    html = TEMPLATES.get_template(template).render(values)
    ancestors = frame_ancestors(embed_origins)
    headers = {
        "Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors {ancestors}",
        "Cache-Control": "no-store",
    }
    if ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    sessions.set_csrf_cookie(request, response)
    return response


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urllib.parse.urlencode({"next": target})


def require_page_role(role: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A page dependency: not signed in -> 303 to /login (back here afterwards); a role below
    `role` -> 403 page. A form posted to the page must carry a valid `csrf_token` field."""

    async def dependency(request: Request) -> Principal:
        if request.method not in sessions.SAFE_METHODS:
            form = await request.form()
            submitted = form.get(sessions.CSRF_FIELD) or request.headers.get(sessions.CSRF_HEADER)
            if not sessions.csrf_valid(request, submitted if isinstance(submitted, str) else None):
                raise PageError(status.HTTP_403_FORBIDDEN, CSRF_MESSAGE)
            request.state.csrf_ok = True
        principal = principal_of(request)
        if principal is None:
            location = login_url(request) if request.method in sessions.SAFE_METHODS else "/login"
            raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": location})
        if not principal.role.includes(role):
            raise PageError(status.HTTP_403_FORBIDDEN, f"This page needs the {role.value} role.")
        request.state.principal = principal
        return principal

    return dependency


CSRF_MESSAGE = (
    "This form has expired or did not come from this site. Go back, reload and try again."
)


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(request, "error.html", {"message": exc.message}, status_code=exc.status_code)


class SecurityHeaders:
    """Every response that did not set its own: no framing (frame-ancestors 'none' and
    X-Frame-Options DENY), no content sniffing, no referrer to other sites."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                defaults = [
                    (b"content-security-policy", b"frame-ancestors 'none'"),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                embeddable = b"content-security-policy" in names
                for name, value in defaults:
                    if name not in names and not (embeddable and name == b"x-frame-options"):
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """The pages' shared parts: security headers, /static, and HTML error pages."""
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(PageError, page_error)
