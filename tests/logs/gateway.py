"""A `serve` process with every channel that carries personal data, fed contacts whose
addresses, numbers and texts carry markers, and its log read back: the helpers of
test_serve_log.py.

The markers: `MARK` in every e-mail address's local part and in every text, and two telephone
numbers that occur nowhere else (the tenant's and a stranger's). `leaks` finds any of them in
the log, in any case and however the number is written."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.channels.mail.sink import Sink
from tests.channels.slack.slack_api import SlackApi
from tests.channels.twilio.conftest import AUTH_TOKEN, PUBLIC_URL, Twilio
from tests.clock import TODAY
from tests.serve import GatewayServer
from tests.servers import free_port

MARK = "zq7marker"
TENANT = f"{MARK}.tenant@tenant.example"  # letter only: every channel refuses with a notice
STRANGER = f"{MARK}.stranger@elsewhere.example"  # no customer
TENANT_PHONE = "07700 900417"
STRANGER_PHONE = "+44 7700 900418"
NUMBERS = ("7700900417", "7700900418")  # as they appear once separators are taken out
TEXT = f"{MARK}: the boiler is broken again, ring me on {TENANT_PHONE} or write to {TENANT}"
SLACK_SECRET = "test-signing-secret-0123456789abcdef"
SLACK_TENANT = "U0TENANT"
BOT_TOKEN = "xoxb-test-bot-token-0123456789abcdefghij"
TEAM = "T0TEAM"
HOUSING = "housing@landlord.example"
ECHOED = f"{MARK}.echoed@landlord.example"  # downstream refuses it, echoing the address


class Downstream(Sink):
    """The landlord's mail server, refusing mail for `ECHOED` the way servers do, quoting the
    address (and here a number and the text too): 451 to the first DATA (a warning in the log),
    450 to the next RCPT, then 554 for good."""

    echoes = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == ECHOED and self.echoes == 1:
            self.echoes += 1
            return f"450 4.2.0 <{address}>: mailbox busy, call {TENANT_PHONE}"
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if ECHOED in envelope.rcpt_tos:
            self.echoes += 1
            code = "451 4.7.1" if self.echoes == 1 else "554 5.7.1"
            return f'{code} <{ECHOED}> "{TEXT}" {TENANT_PHONE} refused by policy'
        return await super().handle_DATA(server, session, envelope)


def people() -> dict[str, Any]:
    identities = [
        {"kind": "email", "value": TENANT},
        {"kind": "phone", "value": TENANT_PHONE},
        {"kind": "slack", "value": f"{TEAM}/{SLACK_TENANT}"},
    ]
    return {
        "customers": [{"ref": "C-1", "name": "Zed Tenant", "identities": identities}],
        "cases": [{
            "id": "K-1", "customer_ref": "C-1",
            "officer": {"name": "Jo Officer", "email": "jo@landlord.example"},
            "warned_on": (TODAY - dt.timedelta(days=60)).isoformat(),
            "restricted_on": (TODAY - dt.timedelta(days=30)).isoformat(),
            "restrictions": [{"kind": "letter_only"}],
        }],
    }  # fmt: skip


@dataclass
class Running:
    server: GatewayServer
    smtp_port: int
    downstream: Downstream
    slack: SlackApi
    twilio: Twilio

    def log_from(self, offset: int) -> str:
        return self.server.log()[offset:]

    def wait_for_log(self, pattern: str, offset: int, timeout: float = 20) -> str:
        """The log since `offset` once `pattern` (a regular expression) is in it."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, text := self.log_from(offset)):
            assert time.monotonic() < deadline, f"no {pattern!r} in the log:\n{text}"
            time.sleep(0.05)
        return text

    def smtp(self, *lines: str) -> list[str]:
        """Speaks SMTP line by line, as a careless or hostile client may; the replies."""
        with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=10) as sock:
            reader = sock.makefile("rb")
            replies, in_data = [_reply(reader)], False
            for line in lines:
                sock.sendall(line.encode() + b"\r\n")
                if in_data and line != ".":
                    continue
                replies.append(_reply(reader))
                in_data = replies[-1].startswith("354")
            return replies


def _reply(reader: Any) -> str:
    lines = []
    while True:
        line = reader.readline().decode(errors="replace")
        lines.append(line.rstrip("\r\n"))
        if len(line) < 4 or line[3] != "-":
            return "\n".join(lines)


def leaks(log: str) -> list[str]:
    """The lines of `log` that hold a marker."""
    found = []
    for line in log.splitlines():
        squeezed = re.sub(r"[\s\-().+/]", "", line)
        if MARK in line.lower() or any(n in squeezed for n in NUMBERS):
            found.append(line)
    return found


@contextmanager
def running(directory: Path, store_url: str | None = None) -> Iterator[Running]:
    """`serve` with [smtp], [twilio] and [slack], the tenant imported."""
    downstream = Downstream()
    with downstream, SlackApi() as slack:
        smtp_port = free_port()
        extra = {
            "smtp": {"listen": f"127.0.0.1:{smtp_port}", "domains": ["landlord.example"],
                     "downstream": downstream.address, "retry_max_seconds": 1.0},
            "twilio": {"auth_token": AUTH_TOKEN, "forward_to": "01332 000000"},
            "slack": {"signing_secret": SLACK_SECRET, "bot_token": BOT_TOKEN, "api_url": slack.url,
                      "officer_channel": "C0OFFICERS"},
        }  # fmt: skip
        server = GatewayServer(directory, store_url=store_url, extra=extra)
        server.config["http"]["public_url"] = PUBLIC_URL
        server.write_config()
        (directory / "people.json").write_text(json.dumps(people()), encoding="utf-8")
        imported = server.cli("import", str(directory / "people.json"))
        assert imported.returncode == 0, imported.stderr
        with server:
            twilio = Twilio(server)
            try:
                yield Running(server, smtp_port, downstream, slack, twilio)
            finally:
                twilio.http.close()
