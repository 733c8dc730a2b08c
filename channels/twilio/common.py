"""What the voice and SMS webhooks share: reading the caller, the evidence kept with a
contact, and the TwiML response."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from prometheus_client import Counter

from gateway import metrics
from policy_core.identities import Identity, IdentityKind

LONDON = ZoneInfo("Europe/London")
EVIDENCE = frozenset({"AccountSid", "CallSid", "MessageSid", "NumMedia", "ForwardedFrom"})

UNIDENTIFIED = Counter(
    "contact_gateway_twilio_unidentified",
    "Calls and texts put through without a record: caller ID withheld or not a phone number",
    ["channel"],
    registry=metrics.REGISTRY,
)


@functools.lru_cache(maxsize=8192)
def caller(raw: str, region: str) -> Identity | None:
    """The sender as an identity: `07700 900123`, `+44 7700 900123` and `447700900123` are
    one number. None when Twilio reports a withheld caller ID (`anonymous`, `+266696687`)
    or an alphanumeric sender: nobody to match a restriction to, or to count under."""
    try:
        return Identity.of(IdentityKind.phone, raw, region)
    except ValueError:
        return None


def phone_or_none(value: str | None, region: str) -> str | None:
    """A destination that is a phone number, in E.164; None for anything else."""
    identity = caller(value, region) if value else None
    return identity.value if identity is not None else None


def evidence(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k in EVIDENCE or k.startswith("MediaUrl")}


Clock = Callable[[], dt.datetime]
FIXED_NOW = "CONTACT_GATEWAY_TWILIO_NOW"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clock(environ: Mapping[str, str] = os.environ) -> tuple[Clock, str | None]:
    """The time calls and texts are taken to arrive at, which decides whether they fall in a
    contact window: the real time, or, for tests and demonstrations, the fixed instant named by
    `CONTACT_GATEWAY_TWILIO_NOW` (ISO 8601 with a UTC offset). Returns the clock and the fixed
    instant, if any; ValueError naming the variable when it is set but not such a time."""
    raw = environ.get(FIXED_NOW, "").strip()
    if not raw:
        return now, None
    try:
        fixed = dt.datetime.fromisoformat(raw)
    except ValueError:
        fixed = None
    if fixed is None or fixed.utcoffset() is None:
        raise ValueError(f"{FIXED_NOW}: {raw!r} is not an ISO 8601 time with a UTC offset")
    fixed = fixed.astimezone(dt.UTC)
    return (lambda: fixed), fixed.isoformat()


@dataclass(frozen=True, slots=True)
class Answer:
    """What a webhook answers: sent as it is, with no response object in between."""

    status: int
    body: bytes = b""
    media_type: bytes | None = None


XML, TEXT = b"application/xml", b"text/plain; charset=utf-8"
NO_CONTENT = Answer(204)


def twiml(text: str) -> Answer:
    return Answer(200, text.encode("utf-8"), XML)


def plain(reason: str, status: int) -> Answer:
    return Answer(status, reason.encode("utf-8"), TEXT)
