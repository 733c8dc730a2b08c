"""What the gateway sends back: the refusal notice as an RFC 3834 auto-reply, and the headers
a redirected message carries to its new destination."""

from __future__ import annotations

import datetime as dt
import logging
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from channels.mail.parse import Mail, clean
from gateway.api import Outcome, ReplyChannel
from policy_core.london import london
from policy_core.models import Action, Channel

log = logging.getLogger("contact_gateway.mail")
DECISION_HEADER = "X-Contact-Gateway-Decision"
REASON_HEADER = "X-Contact-Gateway-Reason"
LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help")
ROBOT_LOCAL_PART = re.compile(
    r"^(mailer-daemon|postmaster|owner-.*|.*-request|no-?reply|do-?not-?reply|bounces?(\+.*)?)$"
)


def reply_blocked(mail: Mail, reply_to: str | None) -> str | None:
    """Why RFC 3834 forbids an auto-reply to this message, or None when one may be sent."""
    if not reply_to or reply_to.strip("<> ") == "":
        return "null sender"
    auto = mail.header("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if mail.header("precedence").strip().lower() in ("bulk", "list", "junk"):
        return "bulk"
    if any(mail.header(name) for name in LIST_HEADERS):
        return "mailing list"
    suppress = mail.header("x-auto-response-suppress").lower()
    if any(word in suppress for word in ("all", "autoreply", "oof")):
        return "suppressed"
    if ROBOT_LOCAL_PART.match(reply_to.strip("<> ").rpartition("@")[0].lower()):
        return "automated sender"
    return None


def auto_reply(
    mail: Mail,
    notice_text: str,
    *,
    from_address: str,
    from_name: str,
    to_address: str,
    at: dt.datetime,
) -> bytes:
    """The notice as a plain-text reply in the original's thread."""
    reply = EmailMessage(policy=SMTP)
    reply["From"] = formataddr((clean(from_name, one_line=True), from_address))
    reply["To"] = to_address
    subject = mail.subject or "your message"
    reply["Subject"] = clean(f"Auto: {subject}", one_line=True)[:200]
    reply["Date"] = format_datetime(london(at))
    reply["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    if mail.message_id:
        reply["In-Reply-To"] = mail.message_id
        earlier = re.findall(r"<[^<>\s]+>", mail.header("references"))[-20:]
        reply["References"] = " ".join([*earlier, mail.message_id])
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    reply.set_content(notice_text + "\n")
    return reply.as_bytes()


def reply_channel(mail: Mail, reply_to: str | None) -> ReplyChannel | None:
    """How the gateway may answer this message: by auto-reply, or not at all (RFC 3834). The
    gateway sends a notice only if `reply_to` (or an authenticated From) is the customer's
    own address on record, and says where in `Outcome.notice_to`."""
    if reply_blocked(mail, reply_to) is not None:
        return None
    return ReplyChannel(channel=Channel.email, to=(reply_to or "").strip("<> ") or None)


def log_no_reply(outcome: Outcome, mail: Mail, reply_to: str | None) -> None:
    """Why a refused message gets no auto-reply (by contact id: no addresses in the log)."""
    if outcome.action is Action.refuse and outcome.notice is None:
        why = reply_blocked(mail, reply_to) or (
            "daily allowance of notices spent"
            if outcome.notice_to
            else "no address of the customer's on record to send it to"
        )
        log.info("contact %s: no auto-reply (%s)", outcome.contact_id, why)


def redirect_headers(outcome: Outcome) -> bytes:
    """Prepended to a redirected message, the way a relay adds its trace headers."""
    decision = outcome.decision
    reasons = "; ".join(
        f"{hit.rule}: {hit.detail}" if hit.detail else hit.rule for hit in decision.reasons
    )
    values = {
        DECISION_HEADER: f"{decision.action.value}; contact={outcome.contact_id or '-'}",
        REASON_HEADER: reasons or decision.action.value,
    }
    lines = []
    for name, value in values.items():
        ascii_value = clean(value, one_line=True).encode("ascii", "replace").decode("ascii")
        lines.append(f"{name}: {ascii_value[:900]}\r\n")
    return "".join(lines).encode("ascii")
