"""What every request to `/slack/events` passes before bolt sees it: Slack's v0 signature,
checked on the raw bytes (401 when it is missing, wrong or older than five minutes), then a
body bolt can read: UTF-8 and one JSON object, sent as JSON or as a form's `payload` field,
with the fields bolt looks into of the types Slack sends (400 otherwise). Bolt itself decodes
and parses without asking, so a body that passed the signature could still crash it."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from starlette.requests import Request

MAX_AGE = 5 * 60  # Slack's own advice: refuse a signature older than five minutes (replays)
# Fields bolt's context extractors read, and the type each must have when present: an id
# (a string) or an object (a dict), at the top of the body or in its `event`.
OBJECTS = ("container", "event", "message", "view")
OBJECT_OR_ID = ("user", "team", "enterprise", "channel")
IDS = ("team_id", "enterprise_id", "user_id", "channel_id", "type", "api_app_id", "ts")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signed(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Slack's v0 signature: `v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>`, over the bytes
    as they arrived, with a timestamp of the last five minutes."""
    if not timestamp or not signature or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if len(timestamp) > 12 or abs(time.time() - int(timestamp)) > MAX_AGE:  # wall clock ok
        return False
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    expected = b"v0=" + mac.hexdigest().encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape"))


def bolt_request(body: bytes, request: Request) -> AsyncBoltRequest:
    """The request as bolt reads it (its body parsed, its context extracted); Refused(400)
    when bolt could not read it, or would trip over a field of the wrong type later."""
    unreadable = Refused(400, "the body is not a Slack event or interaction")
    try:
        text = body.decode("utf-8")
        payload = parse_body(text, request.headers.get("content-type"))
    except ValueError as exc:  # not UTF-8, not JSON (both are ValueErrors)
        raise unreadable from exc
    if not isinstance(payload, dict):
        raise unreadable
    for where in (payload, payload.get("event")):
        if isinstance(where, dict) and not well_typed(where):
            raise Refused(400, "the body has fields of the wrong type")
    try:
        return AsyncBoltRequest(body=text, query=request.url.query, headers=dict(request.headers))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise unreadable from exc  # bolt's extractors index fields they expect to be there


def well_typed(fields: dict[str, Any]) -> bool:
    """Each field bolt reads, when present at all (null included), of the type Slack sends."""
    for names, kinds in ((OBJECT_OR_ID, str | dict), (OBJECTS, dict), (IDS, str)):
        for name in names:
            if name in fields and not isinstance(fields[name], kinds):
                return False
    return True
