"""`contact-gateway`: one command, a subcommand each for serve, import, check, replay and the
rest. Each subcommand lives in gateway/commands/ and is listed once in COMMANDS."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence

from gateway import log_filter
from gateway.commands import check, demo, hash_password, importing, replay, report, serve
from gateway.settings import ConfigError
from gateway.store.base import StoreError

Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[..., Awaitable[int]]]

COMMANDS: list[Command] = [
    ("serve", "run the HTTP app and every configured channel", serve.arguments, serve.run),
    ("import", "load customers and cases from a JSON export", importing.arguments, importing.run),
    ("check", "dry run: print the decision for one contact", check.arguments, check.run),
    ("replay", "replay the fail-open journal into the store", replay.arguments, replay.run),
    ("demo", "import the demo data and serve it (make run)", demo.arguments, demo.run),
    ("hash-password", "hash a sign-in password", hash_password.arguments, hash_password.run),
    ("report", "write a case's contact-volume report", report.report_arguments, report.report),
    (
        "export-subject",
        "write everything held about one customer (a subject access request)",
        report.subject_arguments,
        report.export_subject,
    ),
]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="contact-gateway", description=__doc__)
    top.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text, arguments, run in COMMANDS:
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        arguments(sub)
        sub.set_defaults(run=run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    log_filter.install()  # no personal data in the log at INFO and above
    try:
        code: int = asyncio.run(args.run(args))
    except ConfigError as exc:
        print(f"contact-gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"contact-gateway: the store is unreachable: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`contact-gateway check ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
