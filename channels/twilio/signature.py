"""Twilio's webhook signature, checked the way Twilio documents it: HMAC-SHA1 (or the
algorithm named in `X-Twilio-Webhooks-Signature-Settings`) keyed with the Auth Token, over the
full URL followed by every POST parameter as name + value, sorted by name, base64-encoded.
Twilio may sign the URL with or without its port, so both are accepted.

It agrees with `twilio.request_validator.RequestValidator.validate` (tests check many inputs)
but does the URL work once per webhook instead of once per request, feeds the HMAC from a
copy of a state already keyed with the URL, and compares in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import ParseResult, urlparse

SIGNATURE_HEADER = "x-twilio-signature"
SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def algorithm_of(settings_header: str | None) -> str:
    """`key=...,algorithm=HMAC_SHA256` -> HMAC_SHA256; no header or no algorithm: HMAC_SHA1."""
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def _with_port(url: ParseResult) -> str:
    if url.port:
        return url.geturl()
    port = 443 if url.scheme == "https" else 80
    return url._replace(netloc=f"{url.netloc}:{port}").geturl()


def _without_port(url: ParseResult) -> str:
    if not url.port:
        return url.geturl()
    return url._replace(netloc=url.netloc.split(":")[0]).geturl()


def url_variants(url: str) -> tuple[str, ...]:
    """The URL as Twilio may have signed it: without and with the port."""
    parsed = urlparse(url)
    return tuple(dict.fromkeys((_without_port(parsed), _with_port(parsed))))


def signed_text(params: Iterable[tuple[str, str]]) -> bytes:
    """Every parameter as name + value, by name then value, each pair once."""
    return "".join([name + value for name, value in sorted(set(params))]).encode("utf-8")


class SignatureCheck:
    """Checks the signature of requests to one URL."""

    def __init__(self, auth_token: str, url: str) -> None:
        self.key = auth_token.encode("utf-8")
        self.url = url
        self._states = {
            name: [
                hmac.new(self.key, variant.encode("utf-8"), digest) for variant in url_variants(url)
            ]
            for name, digest in ALGORITHMS.items()
        }

    def for_url(self, url: str) -> SignatureCheck:
        """The same check for another URL (a webhook called with a query string)."""
        return self if url == self.url else SignatureCheck(self.key.decode("utf-8"), url)

    def valid(
        self, params: Iterable[tuple[str, str]], signature: str | None, algorithm: str = "HMAC_SHA1"
    ) -> bool:
        states = self._states.get((algorithm or "HMAC_SHA1").upper())
        if not signature or states is None:
            return False
        given = signature.encode("utf-8", "surrogatepass")
        text = signed_text(params)
        for state in states:  # which form of the URL matched is no secret: stop at the first
            mac = state.copy()
            mac.update(text)
            if hmac.compare_digest(base64.b64encode(mac.digest()), given):
                return True
        return False
