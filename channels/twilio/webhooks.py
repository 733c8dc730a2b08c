"""The Twilio webhooks, mounted in the gateway's HTTP app. Every request is read the same
way before any handler sees it: a form body of bounded size, a valid `X-Twilio-Signature`
for `http.public_url` + path, and the fields the handler needs. Anything else gets a 4xx with
a short reason, and nothing is recorded.

Twilio retries a webhook that is slow to answer, and a retry may arrive while the first request
is still being answered. A retry of a CallSid or MessageSid that is in flight in this process
waits for the first and gets its answer, byte for byte; a later retry is found in the store
(the same contact, the same decision)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import APIRouter
from prometheus_client import Counter
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.twilio.common import Answer, plain
from channels.twilio.settings import TwilioSettings
from channels.twilio.signature import (
    SETTINGS_HEADER,
    SIGNATURE_HEADER,
    SignatureCheck,
    algorithm_of,
)
from channels.twilio.sms import Sms
from channels.twilio.voice import Voice
from gateway.api import Gateway, metrics

log = logging.getLogger("contact_gateway.twilio")

VOICE_PATH = "/webhooks/twilio/voice"
EMERGENCY_PATH = "/webhooks/twilio/voice/emergency"
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
MAX_BODY = 64 * 1024  # Twilio's webhooks are a few kilobytes; an SMS body at most 1,600 chars
MAX_FIELDS = 200
FORM = "application/x-www-form-urlencoded"

REJECTED = Counter(
    "contact_gateway_twilio_rejected",
    "Twilio webhook requests refused before dispatch, by reason",
    ["reason"],
    registry=metrics.REGISTRY,
)

Form = dict[str, str]
Handler = Callable[[Form], Awaitable[Answer]]


class Rejected(Exception):
    def __init__(self, status: int, reason: str, label: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.label = label


async def read_body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != FORM:
        raise Rejected(415, f"expected {FORM}", "content_type")
    declared = request.headers.get("content-length", "")
    if declared and not (declared.isdecimal() and len(declared) < 9 and int(declared) <= MAX_BODY):
        raise Rejected(413, "body too large", "too_large")
    body = bytearray()
    async for chunk in request.stream():  # a chunked body has no length to check first
        body += chunk
        if len(body) > MAX_BODY:
            raise Rejected(413, "body too large", "too_large")
    return bytes(body)


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """The form's fields in order; 400 for a body that is not UTF-8 (raw or %-escaped) or that
    has too many fields."""
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS,
            errors="strict",
        )  # fmt: skip
    except ValueError as exc:
        raise Rejected(400, "unreadable form body", "unreadable") from exc


class Webhooks:
    """Reads and authenticates requests for every path, then hands the form to a handler."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self.auth_token = auth_token
        self.public_url = public_url.rstrip("/")
        self.checks: dict[str, SignatureCheck] = {}
        self.in_flight: dict[tuple[str, ...], asyncio.Future[Answer]] = {}

    def check_for(self, path: str, query: str) -> SignatureCheck:
        check = self.checks.get(path)
        if check is None:
            check = self.checks[path] = SignatureCheck(self.auth_token, self.public_url + path)
        return check.for_url(f"{check.url}?{query}") if query else check

    async def form(self, path: str, request: Request, required: tuple[str, ...]) -> Form:
        pairs = parse_form(await read_body(request))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Rejected(403, "missing X-Twilio-Signature", "unsigned")
        algorithm = algorithm_of(request.headers.get(SETTINGS_HEADER))
        if not self.check_for(path, request.url.query).valid(pairs, signature, algorithm):
            raise Rejected(403, "invalid X-Twilio-Signature", "bad_signature")
        form = dict(pairs)
        missing = [name for name in required if name not in form]
        if missing:
            raise Rejected(400, f"missing field: {', '.join(missing)}", "missing_field")
        return form

    async def once(self, key: tuple[str, ...] | None, handler: Handler, form: Form) -> Answer:
        """The handler's answer; for a `key` already in flight, the first request's answer."""
        if key is None:
            return await handler(form)
        while (first := self.in_flight.get(key)) is not None:
            try:
                return await asyncio.shield(first)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not first.cancelled() or (task is not None and task.cancelling()):
                    raise  # this request was cancelled, not (only) the first
                # the first was cancelled before it had an answer: this one answers instead
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.in_flight[key] = future
        try:
            answer = await handler(form)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the retries waiting on it, if any, raise it again
            raise
        else:
            future.set_result(answer)
            return answer
        finally:
            del self.in_flight[key]

    # Plain Starlette requests and responses. These replaced hand-written ASGI endpoints
    # (headers and body read from the ASGI messages, the answer sent as two messages), which
    # were measured to be worth less than 5%: through this endpoint with a no-op handler, in
    # process, the ASGI version spent 29 us of CPU per signed SMS webhook and this one 44 us,
    # while a whole SMS webhook costs about 950 us (benchmarks/webhooks.py: 1,047 req/s on one
    # worker on SQLite, 0.56 of the bare baseline): about 1.6% of the request. End to end, on
    # a machine shared with other work, the difference was lost in the runs' spread.
    def endpoint(
        self, path: str, handler: Handler, required: tuple[str, ...], same: tuple[str, ...]
    ) -> Callable[[Request], Awaitable[Response]]:
        """One webhook. `same` names the fields that make two requests one (a retry): a
        request whose `same` fields are in flight gets the first one's answer."""

        async def endpoint(request: Request) -> Response:
            try:
                form = await self.form(path, request, required)
                key = (path, *(form[name] for name in same)) if same else None
                answer = await self.once(key, handler, form)
            except ClientDisconnect:
                return Response(status_code=499)  # nobody to answer
            except Rejected as exc:
                REJECTED.labels(exc.label).inc()
                log.warning("twilio webhook %s refused: %s", path, exc.reason)
                answer = plain(exc.reason, exc.status)
            media_type = answer.media_type.decode("ascii") if answer.media_type else None
            return Response(answer.body, status_code=answer.status, media_type=media_type)

        return endpoint


def routes(gateway: Gateway, config: TwilioSettings) -> APIRouter:
    public_url = gateway.settings.http.public_url.rstrip("/")
    webhooks = Webhooks(config.auth_token.get_secret_value(), public_url)
    voice = Voice(gateway, config, public_url + EMERGENCY_PATH)
    sms = Sms(gateway, config)
    call = ("From", "To", "CallSid")
    webhooks_routes: list[BaseRoute] = [
        Route(path, webhooks.endpoint(path, handler, required, same), methods=["POST"])
        for path, handler, required, same in (
            (VOICE_PATH, voice.incoming, call, ("CallSid",)),
            (EMERGENCY_PATH, voice.emergency, (*call, "Digits"), ("CallSid", "Digits")),
            (SMS_PATH, sms.incoming, ("From", "To", "MessageSid", "Body"), ("MessageSid",)),
            (STATUS_PATH, voice.status, ("CallSid", "CallStatus"), ()),
        )
    ]
    return APIRouter(routes=webhooks_routes)
