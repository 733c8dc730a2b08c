"""`contact-gateway report` and `contact-gateway export-subject`: a case's contact-volume
report, and everything held about one person, written whole to a file (never half a file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gateway import reports
from gateway.commands.common import config_argument, opened
from gateway.durable import replace_durably
from gateway.store.base import NotFound
from gateway.subject_export import subject_zip


def write_whole(out: str, body: bytes) -> None:
    """`-` is standard output; a file appears only once all of it is written."""
    if out == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    replace_durably(Path(out), body)


def report_arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)
    parser.add_argument("--case", required=True, metavar="ID")
    parser.add_argument("--format", required=True, choices=reports.FORMATS)
    parser.add_argument("--out", required=True, metavar="FILE", help="the file, or - for stdout")


async def report(args: argparse.Namespace) -> int:
    async with opened(args.config) as gateway:
        try:
            case = await reports.case_or_404(gateway, args.case)
        except NotFound as exc:
            print(f"contact-gateway: {exc}", file=sys.stderr)
            return 1
        today = gateway.clock.today()
        found = await reports.gather(gateway, case, today)
    body = reports.render(found, args.format, gateway.settings.organisation.name)
    write_whole(args.out, body)
    if args.out != "-":
        total = found.totals.total
        print(f"case {case.id}: {total} contact(s) in 12 months, {args.format} to {args.out}")
    return 0


def subject_arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)
    parser.add_argument("--customer", required=True, metavar="REF")
    parser.add_argument("--out", metavar="FILE", help="default: subject-REF.zip")


async def export_subject(args: argparse.Namespace) -> int:
    out = args.out or f"subject-{args.customer}.zip"
    async with opened(args.config) as gateway:
        try:
            body = await subject_zip(gateway, args.customer, gateway.clock.now())
        except NotFound as exc:
            print(f"contact-gateway: {exc}", file=sys.stderr)
            return 1
    write_whole(out, body)
    if out != "-":
        print(f"customer {args.customer}: everything held written to {out}")
    return 0
