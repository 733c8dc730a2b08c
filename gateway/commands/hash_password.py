"""`contact-gateway hash-password`: the `password_hash` for one `[[http.users]]` entry.
The password is asked for twice at a terminal, or read as one line from standard input
(`printf '%s' "$PASSWORD" | contact-gateway hash-password`); never from the command line,
where other users of the machine could read it."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from gateway.http.passwords import hash_password

MIN_LENGTH = 8


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Paste the printed line into the configuration as password_hash."


def read_password() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        print("hash-password: the two passwords differ; nothing written", file=sys.stderr)
        return None
    return first


async def run(args: argparse.Namespace) -> int:
    password = read_password()
    if password is None:
        return 1
    if len(password) < MIN_LENGTH:
        print(f"hash-password: use at least {MIN_LENGTH} characters", file=sys.stderr)
        return 1
    print(await asyncio.to_thread(hash_password, password))
    return 0
