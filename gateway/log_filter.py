"""The safety net that keeps personal data out of the log at INFO and above.

Our own log lines name contacts, spool entries and mailboxes by id and never by address,
number or text; that is the first defence. This filter, installed on every handler of the root
logger (so it sees the records of every logger that propagates to it: ours under
`contact_gateway.*`, aiosmtpd's `mail.log`, uvicorn's, slack_bolt's and slack_sdk's, httpx's,
twilio's, imapclient's, aiosmtplib's, redis's), is the second: it formats each record once and
redacts e-mail addresses, telephone numbers and quoted text from the message, the traceback
and the stack (gateway/redact.py). Records below INFO pass untouched: DEBUG (`-v`) is for a
developer's own machine.

Some library lines are raw protocol: aiosmtpd logs each line a client sends as a command,
so after a refused RCPT a client's message text arrives one "unrecognised" word at a time.
Those records lose the client's words before redaction (`_RAW_LINES`)."""

from __future__ import annotations

import logging

from gateway.redact import redact, redact_traceback

# (logger, message template) -> the template without the client's words, and how many of
# the arguments (the peer) stay; None drops the record.
_RAW_LINES: dict[tuple[str, str], tuple[str, int] | None] = {
    ("mail.log", "%r >> %r"): None,
    ("mail.log", "%r sender: %s"): None,
    ("mail.log", "%r recip: %s"): None,
    ("mail.log", "%r unrecognised: %s"): ("%r sent an unrecognised command", 1),
    ("mail.log", "%r over limit for %s"): ("%r sent one command too many times", 1),
    ("mail.log", "%r can't decode base64: %s"): None,
    ("mail.log", "DATA readline: %s"): None,
    ("mail.log", "_handle_client readline: %r"): None,
}

_formatter = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """Redacts personal data from every record at INFO and above; drops the raw protocol
    lines of `_RAW_LINES`. Safe to run twice on one record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return True
        if getattr(record, "personal_data_redacted", False):
            return True
        key = (record.name, str(record.msg))
        if key in _RAW_LINES:
            rule = _RAW_LINES[key]
            if rule is None:
                return False
            record.msg, kept = rule
            args = record.args if isinstance(record.args, tuple) else ()
            record.args = args[:kept]
        record.msg, record.args = redact(_message(record)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_traceback(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_traceback(record.stack_info)
        setattr(record, "personal_data_redacted", True)  # noqa: B010
        return True


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # a template that does not fit its arguments
        return f"{record.msg} (arguments not shown)"


def install(root: logging.Logger | None = None) -> None:
    """Puts the filter on every handler of the root logger that lacks it."""
    for handler in (root or logging.getLogger()).handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
