"""`contact-gateway demo` (what `make run` runs): import the demo data, say where to look,
then serve. Importing is idempotent, so running it again changes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from gateway.commands import importing, serve
from gateway.profiles import CONFIG_DIR
from gateway.settings import Role, Settings, load_settings

DEMO_DATA = CONFIG_DIR / "demo-data.json"


def arguments(parser: argparse.ArgumentParser) -> None:
    serve.arguments(parser)
    parser.add_argument("--data", type=Path, default=DEMO_DATA, metavar="FILE.json",
                        help="the customers and cases to load first")  # fmt: skip


def welcome(settings: Settings) -> str:
    url = settings.http.public_url.rstrip("/")
    lines = ["", "Contact Gateway demo", f"  web:      {url}/agent   (API docs: {url}/docs)"]
    lines += [f"  sign in:  {u.username} ({u.role.value})" for u in settings.http.users]
    admin = next((t for t in settings.http.tokens if t.role is Role.admin), None)
    if admin is not None:
        lines.append(f"  API:      curl -H 'Authorization: Bearer {admin.token}' "
                     f"'{url}/api/v1/banner?address=07700900123'")  # fmt: skip
    smtp = settings.channel_sections.get("smtp")
    if smtp:
        domain = (smtp.get("domains") or ["landlord.example"])[0]
        lines.append(
            f"  e-mail:   send a test message to SMTP {smtp.get('listen')}, "
            f"e.g. to housing@{domain}"
        )
    lines += ["  stop:     Ctrl-C", ""]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    data = argparse.Namespace(config=args.config, file=args.data, dry_run=False)
    code = await importing.run(data)
    if code != 0:
        return code
    print(welcome(settings), flush=True)
    return await serve.run(args)
