"""`contact-gateway replay`: record the contacts journalled while the store was down."""

from __future__ import annotations

import argparse
import sys

from gateway.commands.common import config_argument, opened
from gateway.store.base import StoreError


def arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)


async def run(args: argparse.Namespace) -> int:
    async with opened(args.config) as gateway:
        pending = gateway.journal.pending()
        try:
            done = await gateway.replay_journal()
        except StoreError as exc:
            print(f"replay stopped: the store is unreachable ({exc})", file=sys.stderr)
            print(f"{gateway.journal.pending()} contact(s) still journalled", file=sys.stderr)
            return 1
        print(f"replayed {done} of {pending} journalled contact(s)")
    return 0
