"""Who is asking: a bearer token from the configuration (API clients), or a signed-in user
(pages; see gateway.http.sessions). Every route names the least role it needs."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.http import sessions
from gateway.runtime import Gateway
from gateway.settings import Role

log = logging.getLogger("contact_gateway.http")


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def bearer_principal(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    for configured in gateway_of(request).settings.http.tokens:
        if hmac.compare_digest(configured.token.encode(), token.strip().encode()):
            return Principal(name=configured.name, role=configured.role)
    return None


def trusted_header_principal(request: Request) -> Principal | None:
    """The user named by the single sign-on proxy's header. Only configure this when nothing
    but the proxy can reach the gateway: the header is believed as it stands."""
    http = sessions.http_settings(request)
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
        user = sessions.find_user(http, username)
        if user is None:
            return None
        role = user.role
    return Principal(name=username, role=role) if sessions.csrf_passed(request) else None


def session_principal(request: Request) -> Principal | None:
    found = sessions.session_user(request)
    return Principal(name=found[0], role=found[1]) if found else None


# Other ways to sign in add themselves here. The session cookie and the trusted proxy header
# only count on a state-changing request that carries a valid CSRF token.
PRINCIPAL_SOURCES: list[Callable[[Request], Principal | None]] = [
    bearer_principal,
    trusted_header_principal,
    session_principal,
]


def principal_of(request: Request) -> Principal | None:
    for source in PRINCIPAL_SOURCES:
        principal = source(request)
        if principal is not None:
            return principal
    return None


# Declares the bearer scheme in the OpenAPI, so that /docs can call the API with a token;
# the token itself is checked by `bearer_principal`.
BEARER = HTTPBearer(auto_error=False, description="a token from `[[http.tokens]]`")


@functools.cache  # one callable per role, so FastAPI runs it once per request
def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: 401 without credentials, 403 with a role below `role`."""

    async def dependency(
        request: Request,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> Principal:
        principal = principal_of(request)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "sign in or send a bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.role.includes(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs the {role.value} role")
        return principal

    return dependency
