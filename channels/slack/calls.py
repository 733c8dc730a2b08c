"""Calls to Slack's Web API, made by one worker off the request path: a Slack outage never
slows the gateway's answer to an event. Each call is retried with backoff when Slack is
unreachable or busy, and given up when Slack refuses it (a user already gone, say)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from gateway.outbox import GiveUp, Outbox
from gateway.store.base import AuditEntry
from gateway.store.ports import Store

log = logging.getLogger("contact_gateway.slack")

RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)
# Refusals that mean the work is already done.
ALREADY_DONE = frozenset({"not_in_channel", "message_not_found", "cant_kick_self"})


@dataclass(frozen=True)
class SlackCall:
    """One Web API call and, once it succeeded, the audit entry that records it."""

    method: str
    params: dict[str, Any]
    token: str | None = None  # another token than the bot's (an admin's, to delete)
    record: AuditEntry | None = None


def audit_entry(action: str, subject: str, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=dt.datetime.now(dt.UTC), actor="gateway:slack", action=action, subject=subject,
        detail=detail,
    )  # fmt: skip


class SlackCalls:
    def __init__(self, client: AsyncWebClient, store: Store) -> None:
        self.client = client
        self.store = store
        self.outbox: Outbox[SlackCall] = Outbox("slack-calls", self.send)

    def queue(self, call: SlackCall) -> None:
        self.outbox.offer_nowait(call)

    async def send(self, call: SlackCall) -> None:
        """Make the call now; raises when a retry may help, GiveUp when it cannot."""
        params = dict(call.params)
        if call.token:
            params["token"] = call.token
        try:
            await self.client.api_call(call.method, json=params)
        except SlackApiError as exc:
            error = _error(exc)
            if error in ALREADY_DONE:
                log.info("slack %s: %s", call.method, error)
                return
            if is_retryable(exc):
                raise
            raise GiveUp(f"slack {call.method}: {error}") from exc
        if call.record is not None:
            await self.store.audit(call.record)


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "unknown")) if isinstance(data, dict) else "unknown"


def _status(exc: SlackApiError) -> int:
    status = getattr(exc.response, "status_code", 0)
    return status if isinstance(status, int) else 0


def is_retryable(exc: SlackApiError) -> bool:
    return _error(exc) in RETRYABLE or _status(exc) >= 500
