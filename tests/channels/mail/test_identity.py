"""One message identity: copies of one message are one, different messages never merge."""

from __future__ import annotations

from channels.mail.identity import MessageIdentity, identity_of
from channels.mail.parse import read_mail, sender_of

HEAD = (
    b"From: Ann Tenant <ann@example.org>\r\nTo: housing@landlord.example\r\n"
    b"Subject: Damp\r\nDate: Mon, 2 Nov 2026 09:30:00 +0000\r\n"
)
ID = b"Message-ID: <m-1@example.org>\r\n"
BODY = b"\r\nThe bedroom wall is wet.\r\n\r\nAnn\r\n"
RELAYED = (
    b"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
    b"\tby mail.landlord.example with ESMTPS; Mon, 2 Nov 2026 09:31:07 +0000\r\n"
    b"Received: from [198.51.100.7] by mx.example.org; Mon, 2 Nov 2026 09:30:59 +0000\r\n"
    b"Return-Path: <bounces+ann@example.org>\r\n"
    b"Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org\r\n"
)


def identity(raw: bytes, envelope_from: str | None = None) -> MessageIdentity | None:
    mail = read_mail(raw)
    return identity_of(mail, sender_of(mail, envelope_from))


def test_a_copy_that_differs_only_in_trace_headers_is_the_same_message() -> None:
    first = identity(HEAD + ID + BODY)
    assert first is not None
    assert identity(RELAYED + HEAD + ID + BODY, "someone-else@example.org") == first
    assert identity((HEAD + ID + BODY).replace(b"\r\n", b"\n")) == first  # line ends as stored
    assert identity(HEAD + ID + BODY + b"\r\n") == first  # a trailing line end added


def test_a_different_body_under_the_same_message_id_is_another_message() -> None:
    first = identity(HEAD + ID + BODY)
    assert identity(HEAD + ID + BODY.replace(b"wet", b"dry")) != first
    assert identity(HEAD + ID + b"\r\n") != first  # the body gone


def test_the_authors_subject_date_and_sender_are_part_of_the_message() -> None:
    first = identity(HEAD + ID + BODY)
    others = [
        HEAD.replace(b"Subject: Damp", b"Subject: Damp again") + ID + BODY,
        HEAD.replace(b"09:30:00", b"09:45:00") + ID + BODY,
        HEAD.replace(b"ann@example.org", b"bob@example.org") + ID + BODY,
        HEAD + b"Message-ID: <m-2@example.org>\r\n" + BODY,
    ]
    found = [identity(raw) for raw in others]
    assert None not in found and first not in found and len(set(found)) == len(found)


def test_a_message_without_a_message_id_has_no_identity() -> None:
    assert identity(HEAD + BODY) is None
    assert identity(HEAD + b"Message-ID:   \r\n" + BODY) is None


def test_the_external_id_is_the_identity_and_holds_no_personal_data() -> None:
    found = identity(HEAD + ID + BODY)
    assert found is not None
    assert found.external_id == f"mail:{found.key}"
    assert len(found.key) == 32 and int(found.key, 16) >= 0
    assert identity(RELAYED + HEAD + ID + BODY) == found  # the same across copies and restarts
