"""One e-mail, read defensively: broken MIME, 8-bit headers, unknown charsets and huge headers
give a best-effort reading, never an exception. Headers are read raw and decoded one by one,
so a 200 KB address list is never run through the structured header parser."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from typing import Any

from channels.mail.auth import SenderAuth
from channels.mail.html import html_to_text
from channels.mail.identity import body_digest
from channels.mail.mime import parse, walk
from policy_core.identities import Identity, IdentityError, IdentityKind
from policy_core.models import Channel, Contact

MAX_HEADER_VALUE = 4096
MAX_TEXT = 100_000
MAX_ATTACHMENTS = 50
MAX_PARTS = 200
KEPT_HEADERS = frozenset(
    {
        "from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id",
        "in-reply-to", "references", "return-path", "auto-submitted", "precedence",
        "list-id", "list-unsubscribe", "list-post", "list-help", "x-auto-response-suppress",
    }
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str, *, one_line: bool = False) -> str:
    """Valid Unicode without control characters: 8-bit bytes read as UTF-8."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = text.encode("utf-8", "replace").decode("utf-8")
    if one_line:
        text = " ".join(text.split())
    return _CONTROL.sub("", text)


def header_size(raw: bytes) -> int:
    """Bytes before the blank line that ends the header section."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return min(ends) if ends else len(raw)


@dataclass(frozen=True)
class Mail:
    headers: dict[str, str]  # lower-case name -> first value, unfolded, capped
    from_address: str | None
    subject: str
    text: str
    message_id: str | None
    attachments: tuple[dict[str, Any], ...] = ()
    header_bytes: int = 0
    defects: int = 0
    size: int = 0
    body_digest: str = ""  # see channels/mail/identity.py
    unreadable: str = ""  # why its body was not read (channels/mail/mime.py): held for a person

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def read_mail(raw: bytes) -> Mail:
    # compat32: headers stay raw strings until asked for, and walking parts parses little.
    msg, unreadable = parse(raw)
    headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in KEPT_HEADERS and key not in headers:
            headers[key] = clean(str(value)[:MAX_HEADER_VALUE], one_line=True)
    text, attachments = _body(msg) if not unreadable else ("", ())
    return Mail(
        headers=headers,
        from_address=_address(headers.get("from", "")),
        subject=_decoded(headers.get("subject", "")),
        text=text,
        message_id=_message_id(headers.get("message-id", "")),
        attachments=attachments,
        header_bytes=header_size(raw),
        defects=len(msg.defects),
        size=len(raw),
        body_digest=body_digest(raw),
        unreadable=unreadable,
    )


def _decoded(value: str) -> str:
    try:
        return clean(str(make_header(decode_header(value))), one_line=True)
    except Exception:  # any malformed encoded word: keep the header as it came
        return value


def _address(value: str) -> str | None:
    _, address = parseaddr(value)
    return address if "@" in address else None


def _message_id(value: str) -> str | None:
    match = re.search(r"<[^<>\s]+>", value)
    if match:
        return match.group(0)[:998]
    value = value.strip()
    return value[:998] or None


def _body(msg: Message) -> tuple[str, tuple[dict[str, Any], ...]]:
    """The first plain-text part (else the first HTML part, as text), and the attachments."""
    found: dict[str, Message] = {}
    attachments: list[dict[str, Any]] = []
    try:
        for n, part in enumerate(walk(msg)):
            if n >= MAX_PARTS:
                break
            if part.is_multipart():
                continue
            name = part.get_filename()
            if name or part.get_content_disposition() == "attachment":
                if len(attachments) < MAX_ATTACHMENTS:
                    payload = part.get_payload()
                    attachments.append(
                        {
                            "filename": clean(str(name or ""), one_line=True)[:200],
                            "content_type": part.get_content_type(),
                            "encoded_bytes": len(payload) if isinstance(payload, str) else 0,
                        }
                    )
                continue
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html"):
                found.setdefault(kind, part)
    except Exception:  # a MIME tree too broken to walk: keep what was found so far
        pass
    chosen = found.get("text/plain") or found.get("text/html")
    try:
        text = _text_of(chosen) if chosen is not None else ""
    except Exception:  # a payload too broken to decode: the raw text, as it came
        text = _decode(chosen.get_payload() if chosen is not None else "", None)
    return clean(text.strip())[:MAX_TEXT], tuple(attachments)


def _text_of(part: Message) -> str:
    charset = part.get_content_charset()
    if charset in (None, "us-ascii", "ascii"):
        charset = "utf-8"  # 8-bit text without a declared charset is nearly always UTF-8
    body = _decode(part.get_payload(decode=True), charset)
    return html_to_text(body) if part.get_content_subtype() == "html" else body


def _decode(payload: Any, charset: str | None) -> str:
    if isinstance(payload, str):
        return payload
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(charset or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def sender_of(mail: Mail, envelope_from: str | None) -> Identity | None:
    for candidate in (mail.from_address, envelope_from):
        if candidate:
            try:
                return Identity.of(IdentityKind.email, candidate)
            except ValueError:  # IdentityError, or the model's ValidationError around it
                continue
    return None


def to_contact(
    mail: Mail,
    *,
    envelope_from: str | None,
    received_at: dt.datetime,
    destination: str | None,
    external_id: str,
    evidence: dict[str, Any] | None = None,
    auth: SenderAuth | None = None,
) -> Contact:
    """The Contact for one e-mail: the sender is the From address, else the envelope sender.
    `auth`: how the sender was authenticated (channels/mail/auth.py), kept as evidence.
    Raises IdentityError when neither is a readable e-mail address."""
    sender = sender_of(mail, envelope_from)
    if sender is None:
        raise IdentityError("no readable sender address (From or envelope)")
    raw: dict[str, Any] = {
        "message_id": mail.message_id,
        "envelope_from": envelope_from,
        "headers": {k: v for k, v in mail.headers.items() if k not in ("subject",)},
        "attachments": list(mail.attachments),
        "size": mail.size,
        "mime_defects": mail.defects,
        **(evidence or {}),
    }
    if auth is not None:
        raw["sender_auth"] = auth.evidence()
    return Contact(
        channel=Channel.email,
        sender=sender,
        received_at=received_at,
        destination=destination,
        subject=mail.subject[:998],
        text=mail.text,
        external_id=external_id,
        authenticated=auth.authenticated if auth is not None else None,
        unreadable=mail.unreadable,
        raw=raw,
    )
