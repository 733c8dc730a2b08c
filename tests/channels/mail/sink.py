"""A downstream mail server for the e-mail channels' tests: an aiosmtpd sink on a loopback
port that keeps each envelope and the bytes exactly as received, and can be taken down and
brought back on the same port (downstream down, then up)."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.servers import free_port


class LongLines(SMTP):
    """Takes lines of any length, as the landlord's Postfix does (aiosmtpd: 1,000 bytes)."""

    line_length_limit = 64 * 1024 * 1024


class LongLinesController(Controller):
    def factory(self) -> SMTP:
        return LongLines(self.handler, **self.SMTP_kwargs)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Sink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self.refuse: dict[str, str] = {}  # recipient -> the reply to RCPT ("550 ...", "451 ...")
        self.refused: dict[str, int] = {}  # recipient -> how many times RCPT was refused
        self.refuse_data: str | None = None  # when set, the reply to every DATA

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            with self.lock:
                self.refused[address] = self.refused.get(address, 0) + 1
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        item = Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content)
        with self.lock:
            self.received.append(item)
        return "250 OK"

    def start(self) -> Sink:
        if self.controller is None:
            self.controller = LongLinesController(self, hostname="127.0.0.1", port=self.port)
            self.controller.start()
        return self

    def stop(self) -> None:
        controller, self.controller = self.controller, None
        if controller is not None:
            controller.stop()

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.messages()) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} message(s) expected, {len(self.messages())} received")

    def wait_until(
        self, match: Callable[[Received], bool], count: int = 1, timeout: float = 15
    ) -> list[Received]:
        """The messages that `match`, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := [m for m in self.messages() if match(m)]) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} matching message(s) expected, {len(found)} received")

    def __enter__(self) -> Sink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
