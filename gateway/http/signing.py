"""HMAC-SHA256 signed tokens for cookies: a JSON payload and its MAC, each URL-safe base64,
the MAC bound to a purpose so that a token made for one use is worth nothing in another."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mac(key: bytes, purpose: str, body: str) -> bytes:
    return hmac.new(key, f"{purpose}.{body}".encode(), hashlib.sha256).digest()


def sign(key: bytes, purpose: str, payload: dict[str, Any]) -> str:
    body = b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{b64(mac(key, purpose, body))}"


def unsign(key: bytes, purpose: str, token: str) -> dict[str, Any] | None:
    body, _, signature = token.partition(".")
    try:
        valid = hmac.compare_digest(unb64(signature), mac(key, purpose, body))
        payload = json.loads(unb64(body)) if valid else None
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
