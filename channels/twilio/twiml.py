"""TwiML, written directly: a handful of verbs, every text and attribute escaped, and the
characters XML 1.0 cannot carry (control characters a sender may put in an SMS) removed."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
HANGUP = "<Hangup/>"
EMPTY = HEAD + "<Response/>"


def _text(value: str) -> str:
    # A carriage return is kept as a reference: XML parsers turn a literal one into a newline.
    return escape(_NOT_XML.sub("", value), {"\r": "&#13;"})


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value))


def response(*verbs: str) -> str:
    return HEAD + "<Response>" + "".join(verbs) + "</Response>"


def dial(number: str) -> str:
    return f"<Dial>{_text(number)}</Dial>"


def say(text: str, voice: str, language: str) -> str:
    return f"<Say voice={_attr(voice)} language={_attr(language)}>{_text(text)}</Say>"


def gather(action: str, *verbs: str) -> str:
    """One key press, posted to `action`; no key press falls through to the next verb."""
    return (
        f'<Gather numDigits="1" timeout="6" method="POST" action={_attr(action)}>'
        + "".join(verbs)
        + "</Gather>"
    )


def message(body: str, to: str | None = None) -> str:
    target = f" to={_attr(to)}" if to else ""
    return f"<Message{target}>{_text(body)}</Message>"
