"""`contact-gateway import`: load customers and cases from a JSON export, all or nothing.
Exit status 0 when imported (or already there), 1 for bad data, 2 for a bad configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gateway import import_file, importer
from gateway.commands.common import build_gateway, config_argument
from gateway.inputs import InputError, where
from gateway.settings import load_settings
from gateway.store.base import StoreError

PROGRESS_EVERY = 500
SHOWN_PROBLEMS = 50


def arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)
    parser.add_argument("file", type=Path, metavar="FILE.json", help="customers and cases")
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and print what would change"
    )


def progress(what: str, done: int, total: int) -> None:
    if total >= PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
        print(f"  {what}: {done}/{total}", file=sys.stderr, flush=True)


def report(source: str, exc: InputError) -> None:
    for loc, message in exc.problems[:SHOWN_PROBLEMS]:
        print(f"{source}: {where(loc)}: {message}", file=sys.stderr)
    if len(exc.problems) > SHOWN_PROBLEMS:
        print(f"... and {len(exc.problems) - SHOWN_PROBLEMS} more problem(s)", file=sys.stderr)
    print(f"{source}: nothing was imported", file=sys.stderr)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    gateway = build_gateway(settings, str(args.config))
    source = str(args.file)
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{source}: cannot read the file: {exc}", file=sys.stderr)
        return 1
    try:
        data = import_file.parse(text)
    except InputError as exc:
        report(source, exc)
        return 1
    store = gateway.store
    try:
        await store.open()
        try:
            plan = await importer.plan(store, data, settings.policy.phone_region, gateway.profile)
            if not args.dry_run:
                await importer.apply(store, plan, args.file.name, gateway.clock.now(), progress)
        finally:
            await store.close()
    except InputError as exc:
        report(source, exc)
        return 1
    except StoreError as exc:
        print(f"{source}: the store is unreachable: {exc}", file=sys.stderr)
        return 1
    print(("would change (dry run):\n" if args.dry_run else "") + plan.summary())
    return 0
