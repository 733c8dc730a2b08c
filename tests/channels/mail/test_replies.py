"""The auto-reply (RFC 3834) and the headers a redirected message carries."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from channels.mail.parse import read_mail
from channels.mail.replies import auto_reply, redirect_headers, reply_blocked
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact, Decision, RuleHit
from tests.channels.mail.local import outcome_of
from tests.clock import NOW

ORIGINAL = (
    b"From: Ann <ann@example.org>\r\nTo: housing@landlord.example\r\nSubject: Repairs again\r\n"
    b"Message-ID: <three@example.org>\r\nReferences: <one@example.org> <two@example.org>\r\n\r\n"
    b"Where is my repair?\r\n"
)


def test_a_person_may_get_an_auto_reply() -> None:
    assert reply_blocked(read_mail(ORIGINAL), "ann@example.org") is None


@pytest.mark.parametrize(
    ("extra", "reply_to", "reason"),
    [
        (b"", "", "null sender"),
        (b"", "<>", "null sender"),
        (b"Auto-Submitted: auto-replied\r\n", "ann@example.org", "auto-submitted"),
        (b"Auto-Submitted: auto-generated; x\r\n", "ann@example.org", "auto-submitted"),
        (b"Precedence: bulk\r\n", "ann@example.org", "bulk"),
        (b"List-Id: <tenants.lists.example.org>\r\n", "ann@example.org", "mailing list"),
        (b"List-Unsubscribe: <mailto:u@example.org>\r\n", "ann@example.org", "mailing list"),
        (b"X-Auto-Response-Suppress: All\r\n", "ann@example.org", "suppressed"),
        (b"", "MAILER-DAEMON@example.org", "automated sender"),
        (b"", "tenants-request@example.org", "automated sender"),
    ],
)
def test_rfc_3834_cases_get_no_auto_reply(extra: bytes, reply_to: str, reason: str) -> None:
    assert reply_blocked(read_mail(extra + ORIGINAL), reply_to) == reason


def test_auto_submitted_no_is_a_person_writing() -> None:
    mail = read_mail(b"Auto-Submitted: no\r\n" + ORIGINAL)
    assert reply_blocked(mail, "ann@example.org") is None


def test_the_auto_reply_is_marked_and_threaded() -> None:
    raw = auto_reply(
        read_mail(ORIGINAL),
        "Your contact with us is restricted.\n\nIn an emergency ring 01332 000999.",
        from_address="housing@landlord.example",
        from_name="Test Homes",
        to_address="ann@example.org",
        at=NOW,
    )
    reply = email.message_from_bytes(raw, policy=email.policy.default)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<three@example.org>"
    assert reply["References"].split() == [
        "<one@example.org>",
        "<two@example.org>",
        "<three@example.org>",
    ]
    assert reply["Subject"] == "Auto: Repairs again"
    assert reply["To"] == "ann@example.org"
    assert reply["From"].addresses[0].addr_spec == "housing@landlord.example"
    assert reply["Message-ID"].endswith("@landlord.example>")
    assert "In an emergency ring" in reply.get_content()
    assert reply["Date"].datetime == NOW  # on the gateway's clock, in London time


def test_redirect_headers_carry_the_contact_and_cannot_be_split() -> None:
    contact = Contact(
        channel=Channel.email,
        sender=Identity.of("email", "ann@example.org"),
        received_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    decision = Decision(
        action=Action.redirect,
        destination="jo@landlord.example",
        reasons=(
            RuleHit(rule="single_point_of_contact", detail="to the officer\r\nBcc: x@evil.example"),
        ),
    )
    headers = redirect_headers(outcome_of(contact, decision, "c-42"))
    message = email.message_from_bytes(headers + ORIGINAL, policy=email.policy.default)
    assert message["X-Contact-Gateway-Decision"] == "redirect; contact=c-42"
    assert message["X-Contact-Gateway-Reason"].startswith("single_point_of_contact: to the officer")
    assert message["Bcc"] is None
    assert message["Subject"] == "Repairs again"
