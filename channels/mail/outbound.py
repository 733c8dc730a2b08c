"""Sending mail on: a few persistent SMTP connections to one server, reused across messages,
with every failure sorted into temporary (retry later) or permanent (keep and give up)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosmtplib

from gateway.api import redact


class DeliveryError(Exception):
    """Nothing was delivered. `temporary`: worth retrying later (server down, 4xx).
    Its text never holds an e-mail address, a telephone number or quoted text (a server's
    reply may echo any of them), so it can be logged as it is."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(redact(message))
        self.temporary = temporary


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, default_port: int = 25) -> Endpoint:
        host, sep, port = text.strip().rpartition(":")
        if not sep:
            host, port = text.strip(), str(default_port)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT, not {text!r}")
        return cls(host.strip("[]"), int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Sent:
    """Recipients the server refused: temporarily (retry them) or for good."""

    temporary: list[str] = field(default_factory=list)
    permanent: dict[str, str] = field(default_factory=dict)


@dataclass
class Relay:
    endpoint: Endpoint
    local_hostname: str = "contact-gateway"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0
    _idle: list[aiosmtplib.SMTP] = field(default_factory=list)

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=self.endpoint.host,
            port=self.endpoint.port,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
            start_tls=self.starttls,
            username=self.username,
            password=self.password,
        )
        await client.connect()
        await client.ehlo()
        return client

    async def send(self, sender: str, recipients: Sequence[str], message: bytes) -> Sent:
        """Raises DeliveryError when no recipient accepted the message."""
        client, reused = (self._idle.pop(), True) if self._idle else (None, False)
        try:
            if client is None:
                client = await self._connect()
            result = await self._send(client, sender, recipients, message)
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
            if client is not None:
                client.close()
            if not reused:
                raise DeliveryError(f"{self.endpoint}: {_said(exc)}", temporary=True) from exc
            return await self.send(sender, recipients, message)  # a stale pooled connection
        except DeliveryError:
            if client is not None:
                await self._release(client)
            raise
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            if client is not None:
                client.close()
            raise DeliveryError(f"{self.endpoint}: {_said(exc)}", temporary=True) from exc
        await self._release(client)
        return result

    async def _send(
        self, client: aiosmtplib.SMTP, sender: str, recipients: Sequence[str], message: bytes
    ) -> Sent:
        options = []
        if not all(a.isascii() for a in (sender, *recipients)):
            options.append("SMTPUTF8")
        if not message.isascii() and client.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")
        try:
            refused, _ = await client.sendmail(sender, recipients, message, mail_options=options)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            sent = Sent()
            for refusal in exc.recipients:
                _sort(sent, refusal.recipient, refusal.code, refusal.message)
            if sent.temporary:
                return sent
            raise DeliveryError(
                f"{self.endpoint}: every recipient refused", temporary=False
            ) from exc
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPNotSupported) as exc:
            code = getattr(exc, "code", 554)
            raise DeliveryError(
                f"{self.endpoint}: {code} {exc.message}", temporary=400 <= code < 500
            ) from exc
        except ValueError as exc:  # an address that cannot go on an SMTP command line
            raise DeliveryError(f"{self.endpoint}: {exc}", temporary=False) from exc
        sent = Sent()
        for recipient, response in refused.items():
            _sort(sent, recipient, response.code, response.message)
        return sent

    async def _release(self, client: aiosmtplib.SMTP) -> None:
        if client.is_connected:
            self._idle.append(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), timeout=2)
            client.close()


def _said(exc: BaseException) -> str:
    """What the server or the connection said, without aiosmtplib's repr around it (quoted
    text is redacted, and a reply's own words are worth keeping)."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    if isinstance(exc, aiosmtplib.SMTPException):
        return exc.message
    return str(exc)


def _sort(sent: Sent, recipient: str, code: int, message: str) -> None:
    if 400 <= code < 500:
        sent.temporary.append(recipient)
    else:
        sent.permanent[recipient] = f"{code} {message}"
