"""`contact-gateway demo` (what `make run` runs): import the demo data, say where to look,
then serve. Importing is idempotent, so running it again changes nothing.

When the configuration's `[smtp]` section passes mail on to a loopback `downstream`, the demo
runs a small mailbox there standing in for the landlord's own mail server: what the gateway
delivers or redirects, and its auto-replies, land as `.eml` files in `data_dir/mailbox/`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from gateway.commands import importing, serve
from gateway.commands.common import build_gateway
from gateway.commands.demo_secrets import with_demo_secrets
from gateway.http.passwords import PasswordHashError, verify_password
from gateway.profiles import CONFIG_DIR
from gateway.settings import ConfigError, Role, Settings, load_settings

DEMO_DATA = CONFIG_DIR / "demo-data.json"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LETTER_ONLY = "m.ashworth@example.org"  # a demo customer restricted to letters


def arguments(parser: argparse.ArgumentParser) -> None:
    serve.arguments(parser)
    parser.add_argument("--data", type=Path, default=DEMO_DATA, metavar="FILE.json",
                        help="the customers and cases to load first")  # fmt: skip


def _is_password(password: str, hashed: str) -> bool:
    try:
        return verify_password(password, hashed)
    except PasswordHashError:  # sign-in reports it; the welcome just says no more
        return False


def welcome(settings: Settings, mailbox: Path | None, passwords: dict[str, str]) -> str:
    """What to open and how to sign in; `passwords`: the demo users' generated passwords,
    named only where they still match the user's hash."""
    url = settings.http.public_url.rstrip("/")
    lines = ["", "Contact Gateway demo", f"  web:      {url}/agent   (API docs: {url}/docs)"]
    for user in settings.http.users:
        known = passwords.get(user.username)
        matches = known is not None and _is_password(known, user.password_hash)
        password = f", password {known}" if matches else ""
        lines.append(f"  sign in:  {user.username} ({user.role.value}{password})")
    if any(u.role.includes(Role.manager) for u in settings.http.users):
        lines.append(f"  reviews:  {url}/reviews   (managers: reviews, appeals, case reports)")
    admin = next((t for t in settings.http.tokens if t.role is Role.admin), None)
    if admin is not None:
        lines.append(f"  API:      curl -H 'Authorization: Bearer {admin.token}' "
                     f"'{url}/api/v1/banner?address=07700900123'")  # fmt: skip
    smtp = settings.channel_sections.get("smtp")
    if smtp:
        domain = (smtp.get("domains") or ["landlord.example"])[0]
        host, _, port = str(smtp.get("listen", "127.0.0.1:2525")).rpartition(":")
        lines.append(f"  e-mail:   SMTP port {port} on {host}: send a test message to "
                     f"housing@{domain}, e.g. from {LETTER_ONLY} (letter only)")  # fmt: skip
        if mailbox is not None:
            lines.append(f"            mail passed on and auto-replies land in {mailbox}/")
    lines += ["  stop:     Ctrl-C", ""]
    return "\n".join(lines)


class Mailbox:
    """An SMTP handler keeping each message it is given as one `.eml` file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):04d}.eml"
        body: bytes = envelope.original_content or envelope.content
        await asyncio.to_thread((self.directory / name).write_bytes, body)
        return "250 OK kept in the demo mailbox"


@contextlib.asynccontextmanager
async def mailbox(settings: Settings, source: str) -> AsyncIterator[Path | None]:
    smtp = settings.channel_sections.get("smtp") or {}
    host, _, port = str(smtp.get("downstream", "")).rpartition(":")
    if host.strip("[]") not in LOOPBACK or not port.isdigit():
        yield None
        return
    directory = settings.data_dir / "mailbox"
    directory.mkdir(parents=True, exist_ok=True)
    handler = Mailbox(directory)
    try:
        server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(handler, hostname="demo-mailbox"), host=host.strip("[]"), port=int(port)
        )
    except OSError as exc:
        raise ConfigError(f"{source}: smtp.downstream: cannot run the demo mailbox: {exc}") from exc
    try:
        yield directory
    finally:
        server.close()
        await server.wait_closed()


async def run(args: argparse.Namespace) -> int:
    source = str(args.config)
    settings, passwords = with_demo_secrets(load_settings(args.config))
    data = argparse.Namespace(config=args.config, file=args.data, dry_run=False)
    code = await importing.run(data)
    if code != 0:
        return code
    async with mailbox(settings, source) as kept:
        print(welcome(settings, kept, passwords), flush=True)
        return await serve.serve(build_gateway(settings, source), source)
