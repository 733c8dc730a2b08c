"""What the voice and SMS webhooks share: reading the caller, the evidence kept with a
contact, and the TwiML response."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter

from gateway.api import metrics
from policy_core.identities import Identity, IdentityKind

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
