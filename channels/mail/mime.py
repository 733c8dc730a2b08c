"""A message's MIME tree, parsed only as deep as is safe. The standard library's parser and
`Message.walk` recurse once a level, so a message nested ~1,000 deep raised RecursionError
(and was answered 451 for ever). A message with more parts holding parts (multipart/*,
message/*) than Postfix's default mime_nesting_limit is read for its headers only, and says
why, so that it is kept and held for a person rather than refused."""

from __future__ import annotations

import email
import itertools
import re
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesHeaderParser

MAX_CONTAINERS = 100
_CONTAINER = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
TOO_DEEP = (
    f"its MIME parts nest more than {MAX_CONTAINERS} deep, deeper than the gateway reads; "
    "kept for a person to read"
)


def parse(raw: bytes) -> tuple[Message, str]:
    """The message (compat32), and why its body was not read ("" when it was)."""
    found = itertools.islice(_CONTAINER.finditer(raw), MAX_CONTAINERS + 1)
    if sum(1 for _ in found) <= MAX_CONTAINERS:
        try:
            return email.message_from_bytes(raw), ""
        except RecursionError:  # nested deeper than the pattern could see
            pass
    return BytesHeaderParser().parsebytes(raw), TOO_DEEP


def walk(msg: Message) -> Iterator[Message]:
    """Message.walk's order (depth first), without its recursion."""
    stack = [msg]
    while stack:
        part = stack.pop()
        yield part
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(c for c in reversed(children) if isinstance(c, Message))
