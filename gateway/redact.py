"""Personal data out of text that is about to be logged: e-mail addresses, telephone numbers
and quoted text (what libraries and servers quote is usually what someone sent: a message, a
header, a name). Over-redacting is the safe side: a log line loses detail, never a person's
data. Used by the log filter (gateway/log_filter.py) and for downstream servers' error texts."""

from __future__ import annotations

import re

import phonenumbers

ADDRESS = "<address>"
NUMBER = "<number>"
TEXT = "<text>"

# Something shaped like an e-mail address, as servers quote them in their replies
# ("450 4.1.1 <bob@landlord.example>: Recipient address rejected").
_ADDRESS = re.compile(r"[^\s<>()\[\]:;,\"'=]+@[^\s<>()\[\]:;,\"']+")

# A run of 9 to 15 digits, optionally after "+" and with the separators people write numbers
# with: what looks like a telephone number even when phonenumbers does not call it valid
# (07700 900123 is a reserved drama number). Not inside a word or a longer run of digits, and
# not a date followed by a time ("2026-11-24 10:30" has a colon after it).
_DIGITS = re.compile(r"(?<![\w.])\+?\(?\d(?:[ ().\-/]{0,2}\d){8,14}(?![\w:])")

# Seven digits or more, however separated: fewer than any UK number has, and than nearly every
# international one written with its country code. Text without such a run is not given to
# phonenumbers' matcher, which costs tens of microseconds a line.
_MAYBE_NUMBER = re.compile(r"\d(?:[^\w@]{0,3}\d){6,}")

# A quoted string, as Python's repr and most servers write one: '...', "...", b'...'. An
# apostrophe inside a word ("the caller's") opens nothing.
_QUOTED = re.compile(r"""(?<!\w)[bBrRuU]{0,2}(?:'(?:[^'\\\n]|\\.)+'|"(?:[^"\\\n]|\\.)+")""")


def redact_addresses(text: str) -> str:
    return _ADDRESS.sub(ADDRESS, text)


def redact_numbers(text: str) -> str:
    """Every number phonenumbers finds as a UK or international number, then digit runs that
    look like one."""
    if not _MAYBE_NUMBER.search(text):
        return text
    pieces, end = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
        pieces += [text[end : match.start], NUMBER]
        end = match.end
    pieces.append(text[end:])
    return _DIGITS.sub(NUMBER, "".join(pieces))


def redact_quoted(text: str) -> str:
    return _QUOTED.sub(TEXT, text)


def redact(text: str) -> str:
    """The text without addresses, telephone numbers or quoted text."""
    return redact_numbers(redact_addresses(redact_quoted(text)))


def redact_traceback(text: str) -> str:
    """A formatted traceback: addresses and numbers everywhere, quoted text in the exception's
    own lines only (the 'File "...", line N' and source lines are code, not data)."""
    lines = []
    for line in text.splitlines():
        code = line.startswith("  File ") or line.startswith("    ")
        lines.append(line if code and "@" not in line else redact_line(line, code))
    return "\n".join(lines)


def redact_line(line: str, code: bool) -> str:
    return redact_numbers(redact_addresses(line)) if code else redact(line)
