"""The HTTP app: the API, the pages and every channel's webhooks, in one FastAPI app; its
lifespan runs the gateway's background work, the e-mail flag notifier and the channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from gateway.flags import mail as flag_mail
from gateway.http import agent, api, case_forms, docs, health, manager, pages, screen_pop, signin
from gateway.http.invalid import answer_invalid_requests
from gateway.http.limits import BodyLimit
from gateway.http.live_sessions import LiveSessions
from gateway.plugins import EnabledChannel
from gateway.runtime import Gateway
from gateway.tasks import cancel_and_wait

log = logging.getLogger("contact_gateway.http")


def create_app(
    gateway: Gateway,
    channels: list[EnabledChannel] | None = None,
    flag_mail_config: flag_mail.FlagMailSettings | None = None,
) -> FastAPI:
    """`flag_mail_config`: the validated `[flags]` section, when flags go by e-mail."""
    channels = channels or []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await gateway.store.open()
        tasks = [
            asyncio.create_task(gateway.run_flags(), name="flags"),
            asyncio.create_task(gateway.run_replay(), name="replay"),
        ]
        stop_flag_mail = None
        try:
            if flag_mail_config is not None:
                stop_flag_mail = await flag_mail.start(gateway, flag_mail_config)
                log.info("flags by e-mail started")
            for channel in channels:
                if channel.plugin.start is not None:
                    channel.stop = await channel.plugin.start(gateway, channel.config)
                    log.info("channel %s started", channel.plugin.name)
            yield
        finally:
            for channel in reversed(channels):
                if channel.stop is not None:
                    await channel.stop()
            if stop_flag_mail is not None:
                await stop_flag_mail()
            await cancel_and_wait(tasks)
            await gateway.store.close()

    app = FastAPI(
        title="Contact Gateway",
        summary="Enforces restricted-contact decisions on every inbound channel",
        lifespan=lifespan,
        # the docs need a signed-in user: gateway.http.docs serves them
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.gateway = gateway
    # Channels' webhooks first: each call and text is matched against them before the API and
    # page routes (their paths, /webhooks/... and /slack/..., overlap none of those).
    webhooks: set[str] = set()
    for channel in channels:
        if channel.plugin.routes is not None:
            router = channel.plugin.routes(gateway, channel.config)
            webhooks.update(str(getattr(route, "path", "")) for route in router.routes)
            app.include_router(router)
    http = gateway.settings.http
    app.add_middleware(
        BodyLimit,
        limit=http.max_body_bytes,
        webhook_limit=http.max_webhook_body_bytes,
        webhook_paths=webhooks,
    )
    app.add_middleware(LiveSessions)  # before any page believes a session cookie
    app.include_router(health.router)
    answer_invalid_requests(app)  # 422 without the input echoed back
    app.include_router(api.router)
    pages.install(app)  # security headers, /static, HTML error pages
    app.include_router(signin.router)
    app.include_router(agent.router)
    app.include_router(screen_pop.router)
    app.include_router(manager.router)
    app.include_router(case_forms.router)
    docs.install(app)
    return app
