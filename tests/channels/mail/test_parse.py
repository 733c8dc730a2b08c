"""Reading e-mail into a Contact: what the rules and the people triaging see."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from channels.mail.parse import read_mail, to_contact
from policy_core.identities import IdentityError
from policy_core.models import Channel

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def contact_of(raw: bytes, envelope_from: str | None = "bounce@example.org"):  # type: ignore[no-untyped-def]
    mail = read_mail(raw)
    return to_contact(
        mail,
        envelope_from=envelope_from,
        received_at=NOW,
        destination="housing@landlord.example",
        external_id=mail.message_id or "x",
    )


def test_a_plain_message_becomes_a_contact_from_the_from_address() -> None:
    raw = (
        b"From: Ann Tenant <Ann.Tenant@Example.ORG>\r\nTo: housing@landlord.example\r\n"
        b"Subject: =?utf-8?q?Damp_in_the_caf=C3=A9?=\r\nMessage-ID: <m-1@example.org>\r\n\r\n"
        b"The bedroom wall is wet.\r\n"
    )
    contact = contact_of(raw)
    assert contact.channel is Channel.email
    assert contact.sender.key == "email:ann.tenant@example.org"
    assert contact.subject == "Damp in the café"
    assert contact.text == "The bedroom wall is wet."
    assert contact.external_id == "<m-1@example.org>"
    assert contact.raw["envelope_from"] == "bounce@example.org"


def test_html_only_mail_is_read_as_text_without_markup_or_scripts() -> None:
    raw = (
        b"From: ann@example.org\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Gas smell &amp; noise</p>"
        b"<ul><li>kitchen</li><li>hall</li></ul><script>alert(1)</script></body></html>"
    )
    text = contact_of(raw).text
    assert "Gas smell & noise" in text
    assert "- kitchen" in text and "- hall" in text
    assert "<" not in text and "alert" not in text and "color" not in text


def test_the_plain_alternative_is_preferred_and_attachments_are_listed() -> None:
    raw = (
        b"From: ann@example.org\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n"
        b"--outer\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
        b"--alt\r\nContent-Type: text/html\r\n\r\n<b>html version</b>\r\n"
        b"--alt\r\nContent-Type: text/plain\r\n\r\nplain version\r\n--alt--\r\n"
        b"--outer\r\nContent-Type: image/png\r\nContent-Disposition: attachment; "
        b'filename="mould.png"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n'
        b"--outer--\r\n"
    )
    contact = contact_of(raw)
    assert contact.text == "plain version"
    assert [a["filename"] for a in contact.raw["attachments"]] == ["mould.png"]


@pytest.mark.parametrize(
    "raw",
    [
        "From: José <jose@example.org>\r\nSubject: olá über\r\n\r\nbody é\r\n".encode(),
        "From: jose@example.org\r\nSubject: caf\xe9\r\n\r\nbody\r\n".encode("latin-1"),
    ],
    ids=["utf-8", "latin-1"],
)
def test_8bit_headers_are_read_without_failing(raw: bytes) -> None:
    contact = contact_of(raw)
    assert contact.sender.key == "email:jose@example.org"
    assert contact.subject.startswith(("olá", "caf"))
    contact.model_dump_json()  # storable: no lone surrogates left


def test_broken_mime_still_gives_a_contact() -> None:
    raw = (
        b"From: ann@example.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n--YY\r\n"
    )
    contact = contact_of(raw)
    assert contact.sender.key == "email:ann@example.org"
    contact.model_dump_json()


def test_a_200_kb_header_is_read_quickly() -> None:
    addresses = b",\r\n ".join(b"person%d@example.org" % i for i in range(9000))
    raw = b"From: ann@example.org\r\nTo: " + addresses + b"\r\nSubject: big\r\n\r\nbody\r\n"
    assert len(raw) > 200_000
    started = time.perf_counter()
    mail = read_mail(raw)
    assert time.perf_counter() - started < 1.0
    assert mail.from_address == "ann@example.org" and mail.subject == "big"
    assert mail.header_bytes > 200_000


def test_without_from_the_envelope_sender_is_the_sender() -> None:
    contact = contact_of(b"Subject: hello\r\n\r\nbody\r\n", envelope_from="ann@example.org")
    assert contact.sender.key == "email:ann@example.org"


@pytest.mark.parametrize("envelope_from", [None, "<>", "not an address"])
def test_without_any_sender_there_is_no_contact(envelope_from: str | None) -> None:
    with pytest.raises(IdentityError):
        contact_of(b"Subject: hello\r\n\r\nbody\r\n", envelope_from=envelope_from)


def nested_mime(depth: int) -> bytes:
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
        for n in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--" % n for n in reversed(range(depth)))
    return (
        b"From: ann@example.org\r\nSubject: Boiler\r\n" + opening
        + b"Content-Type: text/plain\r\n\r\nThe boiler is broken." + closing + b"\r\n"
    )  # fmt: skip


def test_mime_nested_too_deep_is_read_for_its_headers_and_says_why() -> None:
    for depth in (101, 2000, 20_000):
        mail = read_mail(nested_mime(depth))
        assert (mail.from_address, mail.subject, mail.text) == ("ann@example.org", "Boiler", "")
        assert "nest more than 100 deep" in mail.unreadable


def test_mime_nested_a_few_levels_deep_is_read_whole() -> None:
    mail = read_mail(nested_mime(30))
    assert (mail.text, mail.unreadable) == ("The boiler is broken.", "")
