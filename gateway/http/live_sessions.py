"""Asks the store, once per request that carries a session cookie, whether its session is
still live (not signed out, not expired), before the request is served; gateway.http.sessions
then believes the cookie only if so. Pages and their checks stay synchronous.

When the store does not answer, the session does not count: signing out must not be undone
by an outage (the pages cannot work without the store anyway)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http import sessions
from gateway.runtime import Gateway
from gateway.store.base import StoreError

log = logging.getLogger("contact_gateway.http")
UNCHECKED = ("/static/", "/docs-assets/")  # files, the same for everyone


class LiveSessions:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(UNCHECKED):
            await self.check(Request(scope))
        await self.app(scope, receive, send)

    async def check(self, request: Request) -> None:
        session_id = sessions.session_id_of(request)
        if session_id is None:
            return
        gateway: Gateway = request.app.state.gateway
        try:
            live = await gateway.store.session_live(
                sessions.stored_id(session_id), gateway.clock.now()
            )
        except StoreError:
            log.warning("a session could not be checked: the store is unreachable")
            return
        if live:
            setattr(request.state, sessions.LIVE_STATE, session_id)
