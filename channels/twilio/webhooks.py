"""The Twilio webhooks, mounted in the gateway's HTTP app. Every request is read the same
way before any handler sees it: a form body of bounded size, a valid `X-Twilio-Signature`
for `http.public_url` + path, and the fields the handler needs. Anything else gets a 4xx with
a short reason, and nothing is recorded."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import APIRouter
from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from channels.twilio.common import FIXED_NOW, clock
from channels.twilio.settings import TwilioSettings
from channels.twilio.signature import (
    SETTINGS_HEADER,
    SIGNATURE_HEADER,
    SignatureCheck,
    algorithm_of,
)
from channels.twilio.sms import Sms
from channels.twilio.voice import Voice
from gateway import metrics
from gateway.runtime import Gateway
from gateway.settings import ConfigError

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
Handler = Callable[[Form], Awaitable[Response]]


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
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Rejected(413, "body too large", "too_large")
    return bytes(body)


def parse_form(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except ValueError as exc:  # not UTF-8 (raw or %-escaped), or too many fields
        raise Rejected(400, "unreadable form body", "unreadable") from exc


class Webhooks:
    """Reads and authenticates requests for every path, then hands the form to a handler."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self.auth_token = auth_token
        self.public_url = public_url.rstrip("/")
        self.checks: dict[str, SignatureCheck] = {}

    def check_for(self, request: Request) -> SignatureCheck:
        path = request.url.path
        check = self.checks.get(path)
        if check is None:
            check = self.checks[path] = SignatureCheck(self.auth_token, self.public_url + path)
        query = request.url.query
        return check.for_url(f"{check.url}?{query}") if query else check

    async def form(self, request: Request, required: tuple[str, ...]) -> Form:
        pairs = parse_form(await read_body(request))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Rejected(403, "missing X-Twilio-Signature", "unsigned")
        algorithm = algorithm_of(request.headers.get(SETTINGS_HEADER))
        if not self.check_for(request).valid(pairs, signature, algorithm):
            raise Rejected(403, "invalid X-Twilio-Signature", "bad_signature")
        form = dict(pairs)
        missing = [name for name in required if name not in form]
        if missing:
            raise Rejected(400, f"missing field: {', '.join(missing)}", "missing_field")
        return form

    def endpoint(
        self, handler: Handler, required: tuple[str, ...]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def receive(request: Request) -> Response:
            try:
                form = await self.form(request, required)
                return await handler(form)
            except Rejected as exc:
                REJECTED.labels(exc.label).inc()
                log.warning("twilio webhook %s refused: %s", request.url.path, exc.reason)
                return PlainTextResponse(exc.reason, exc.status)

        return receive


def routes(gateway: Gateway, config: TwilioSettings) -> APIRouter:
    public_url = gateway.settings.http.public_url.rstrip("/")
    try:
        arrivals, fixed = clock()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if fixed is not None:
        log.warning("calls and texts are taken to arrive at %s (%s is set)", fixed, FIXED_NOW)
    webhooks = Webhooks(config.auth_token.get_secret_value(), public_url)
    voice = Voice(gateway, config, public_url + EMERGENCY_PATH, arrivals)
    sms = Sms(gateway, config, arrivals)
    call = ("From", "To", "CallSid")
    router = APIRouter()
    for path, handler, required in (
        (VOICE_PATH, voice.incoming, call),
        (EMERGENCY_PATH, voice.emergency, (*call, "Digits")),
        (SMS_PATH, sms.incoming, ("From", "To", "MessageSid", "Body")),
        (STATUS_PATH, voice.status, ("CallSid", "CallStatus")),
    ):
        router.add_route(path, webhooks.endpoint(handler, required), methods=["POST"])
    return router
