"""One message identity, for every mail channel: when two copies of an e-mail are the same
message, one contact, and when they are two.

A message is its Message-ID, a digest of its body, its author's Date and Subject, and its
sender (the From address, else the envelope sender: the Contact's sender). Relays add trace
headers (Received, Return-Path, Authentication-Results, DKIM and ARC signatures) in front of a
message and never touch what follows, so a retransmission after a lost 250, a copy split into
a second SMTP transaction for other recipients, or the same message fetched by IMAP, has the
same identity. A broken mailer that reuses a Message-ID for another message changes the body
(or the Date or Subject): another identity, another contact.

The body is compared as bytes, line ends read as LF and trailing line ends dropped. A relay
that re-encodes a body (8-bit to quoted-printable) makes a new identity: that message is then
counted and delivered twice, never lost.

A message without a Message-ID has no identity: nothing tells a second copy of it from a second
message with the same words (the same customer's "Please ring me back", on Monday and again on
Tuesday), and two messages must never merge. Each copy is then its own contact, named by its
channel (the spool entry, the mailbox UID), and is delivered: a retransmitted copy is at worst
counted and delivered twice."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policy_core.identities import Identity

if TYPE_CHECKING:
    from channels.mail.parse import Mail

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def body_digest(raw: bytes) -> str:
    """SHA-256 of the body: the bytes after the blank line that ends the header section."""
    found = _BLANK_LINE.search(raw)
    body = raw[found.end() :] if found else b""
    return hashlib.sha256(body.replace(b"\r\n", b"\n").rstrip(b"\n")).hexdigest()


@dataclass(frozen=True)
class MessageIdentity:
    """`key`: 32 hex digits, safe to log (no address, no text), the same across restarts."""

    key: str

    @property
    def external_id(self) -> str:
        """The Contact's external_id: the gateway counts a channel's external_id once."""
        return f"mail:{self.key}"


def identity_of(mail: Mail, sender: Identity | None) -> MessageIdentity | None:
    """The message's identity, or None when it has no Message-ID (see the module's notes).
    `sender`: the Contact's sender (`parse.sender_of`), None when there is no readable one."""
    if mail.message_id is None:
        return None
    parts = (
        mail.message_id,
        mail.body_digest,
        mail.header("date"),
        mail.header("subject"),
        sender.key if sender is not None else "",
    )
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "replace"))
    return MessageIdentity(key=digest.hexdigest()[:32])
