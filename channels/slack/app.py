"""The Slack app: bolt (async) mounted at `/slack/events` for both events and interactivity.
Each request is verified with the signing secret on its raw bytes and read before bolt sees
it (channels/slack/gate.py: a bad signature is 401, a body bolt cannot read 400). The bot
token comes from the configuration through an `authorize` function, so nothing calls Slack at
start-up."""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack.calls import SlackCalls
from channels.slack.flags import ACKNOWLEDGE, OPEN_CASE, FlagNotifier
from channels.slack.gate import Refused, bolt_request, signed
from channels.slack.inbound import Inbound
from channels.slack.settings import SlackSettings
from gateway.api import Gateway

log = logging.getLogger("contact_gateway.slack")
EVENTS_PATH = "/slack/events"
TIMESTAMP, SIGNATURE = "x-slack-request-timestamp", "x-slack-signature"


def web_client(config: SlackSettings, token: str | None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=config.api_url.rstrip("/") + "/", timeout=10)


def quiet_bolt() -> None:
    """bolt logs a refused request's body (a member's message) at INFO: keep it to DEBUG."""
    bolt = logging.getLogger("slack_bolt")
    if not bolt.isEnabledFor(logging.DEBUG):
        bolt.setLevel(logging.WARNING)


class SlackChannel:
    """Everything the `[slack]` section runs: inbound events, the calls worker, the flag
    notifier and the Acknowledge button."""

    def __init__(self, gateway: Gateway, config: SlackSettings) -> None:
        self.gateway = gateway
        self.config = config
        self.calls = SlackCalls(web_client(config, config.bot_token), gateway)
        self.inbound = Inbound(gateway, config, self.calls)
        self.flags = FlagNotifier(gateway, config, self.calls)
        self.app = self._bolt()

    def _bolt(self) -> AsyncApp:
        config = self.config
        quiet_bolt()

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id, team_id=team_id,
                bot_token=config.bot_token, bot_user_id=config.bot_user_id,
            )  # fmt: skip

        app = AsyncApp(
            signing_secret=config.signing_secret,
            authorize=authorize,
            client=web_client(config, None),
            request_verification_enabled=True,
            process_before_response=True,  # the contact is recorded before Slack gets its 200
            logger=logging.getLogger("contact_gateway.slack.bolt"),
        )

        async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
            await self.inbound.on_message(body, event)

        async def on_other_event() -> None:
            """Joins, reactions and the rest: acknowledged, not contacts."""

        async def on_acknowledge(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            await self.flags.on_acknowledge(body)

        async def on_open_case(ack: AsyncAck) -> None:
            await ack()  # a link button: Slack opens the page itself

        app.event("message")(on_message)
        app.event(re.compile(".*"))(on_other_event)
        app.action(ACKNOWLEDGE)(on_acknowledge)
        app.action(OPEN_CASE)(on_open_case)
        return app

    def router(self) -> APIRouter:
        router = APIRouter(tags=["slack"])
        secret = self.config.signing_secret

        @router.post(EVENTS_PATH, include_in_schema=False)
        async def events(request: Request) -> Response:
            body, headers = await request.body(), request.headers
            stamp, signature = headers.get(TIMESTAMP), headers.get(SIGNATURE)
            try:
                if not signed(secret, body, stamp, signature):
                    raise Refused(401, "invalid or stale request signature")
                readable = bolt_request(body, request)
            except Refused as refused:
                log.warning("slack: a request was refused: %s", refused.reason)
                return PlainTextResponse(refused.reason, status_code=refused.status)
            return to_starlette_response(await self.app.async_dispatch(readable))

        return router

    async def start(self) -> None:
        if self.config.notify_flags:
            self.gateway.flag_listeners.append(self.flags.outbox.offer)

    async def stop(self) -> None:
        if self.flags.outbox.offer in self.gateway.flag_listeners:
            self.gateway.flag_listeners.remove(self.flags.outbox.offer)
        await self.flags.outbox.stop()
        await self.calls.outbox.stop()


_running: weakref.WeakKeyDictionary[Gateway, SlackChannel] = weakref.WeakKeyDictionary()


def slack_channel(gateway: Gateway, config: SlackSettings) -> SlackChannel:
    """One SlackChannel per gateway, shared by its routes and its start/stop."""
    channel = _running.get(gateway)
    if channel is None or channel.config != config:
        channel = _running[gateway] = SlackChannel(gateway, config)
    return channel
