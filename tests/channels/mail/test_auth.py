"""Reading an upstream's Authentication-Results, and DMARC alignment: which results prove the
From domain, and which headers are believed at all."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from channels.mail.auth import SenderAuth, aligned, from_upstream
from channels.mail.auth_settings import SenderAuthSettings
from channels.mail.verify import Seen, Verifier
from tests.dnsserver import DnsServer

GOOGLE = "mx.google.com"


def mail(*results: str) -> bytes:
    lines = [f"Authentication-Results: {r}" for r in results]
    return (
        "\r\n".join([*lines, "From: Ann <ann@example.org>", "Subject: hi"]) + "\r\n\r\nx\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("domain", "from_domain", "expected"),
    [
        ("example.org", "example.org", True),
        ("mail.example.org", "example.org", True),  # the same organization
        ("example.co.uk", "mail.example.co.uk", True),
        ("evil.co.uk", "example.co.uk", False),  # a public suffix is no organization
        ("co.uk", "example.co.uk", False),
        ("example.org.evil.example", "example.org", False),
        ("", "example.org", False),
    ],
)
def test_alignment_is_by_organizational_domain(
    domain: str, from_domain: str, expected: bool
) -> None:
    assert aligned(domain, from_domain) is expected


def test_strict_alignment_asks_for_the_very_domain() -> None:
    assert not aligned("mail.example.org", "example.org", strict=True)
    signed = SenderAuth(dkim="pass", from_domain="example.org", dkim_domains=("mail.example.org",))
    assert signed.authenticated
    strict = SenderAuth(
        dkim="pass", from_domain="example.org", dkim_domains=("mail.example.org",),
        strict=(True, False),
    )  # fmt: skip
    assert not strict.authenticated


def test_a_pass_for_another_domain_proves_nothing() -> None:
    other = SenderAuth(
        dkim="pass", spf="pass", from_domain="example.org",
        dkim_domains=("mailer.example",), spf_domain="mailer.example",
    )  # fmt: skip
    assert not other.authenticated
    assert SenderAuth(spf="pass", from_domain="example.org", spf_domain="example.org").authenticated


def test_a_trusted_upstreams_results_are_read() -> None:
    raw = mail(
        f"{GOOGLE}; dkim=pass header.i=@example.org header.s=s1 header.b=abc;"
        " spf=softfail smtp.mailfrom=x@bounce.example;"
        " dmarc=pass (p=REJECT) header.from=example.org"
    )
    found = from_upstream(raw, [GOOGLE], "example.org")
    assert found is not None and found.authenticated
    assert (found.dkim, found.spf, found.dmarc, found.by) == ("pass", "softfail", "pass", GOOGLE)
    assert found.dkim_domains == ("example.org",) and found.spf_domain == "bounce.example"


def test_only_the_first_trusted_header_counts_and_untrusted_ones_are_ignored() -> None:
    raw = mail(
        "mx.anyone.example; dkim=pass header.d=example.org; dmarc=pass header.from=example.org",
        f"{GOOGLE}; dkim=fail header.d=example.org; dmarc=fail header.from=example.org",
        f"{GOOGLE}; dmarc=pass header.from=example.org",  # further down: written by the sender
    )
    found = from_upstream(raw, [GOOGLE], "example.org")
    assert found is not None and (found.dmarc, found.authenticated) == ("fail", False)
    assert from_upstream(raw, [], "example.org") is None
    assert from_upstream(mail("mx.anyone.example; dmarc=pass"), [GOOGLE], "example.org") is None


def test_a_dmarc_pass_for_another_from_domain_is_not_this_messages() -> None:
    raw = mail(f"{GOOGLE}; dmarc=pass header.from=elsewhere.example")
    found = from_upstream(raw, [GOOGLE], "example.org")
    assert found is not None and not found.authenticated


@pytest.mark.parametrize(
    "value",
    [
        "",
        ";;;",
        "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.org",
        "\x00\xff",
        "a" * 5000,
    ],
)
def test_an_unreadable_header_is_skipped(value: str) -> None:
    raw = mail(value, f"{GOOGLE}; dkim=pass header.d=example.org")
    found = from_upstream(raw, [GOOGLE], "example.org")
    assert found is not None and found.authenticated


def test_dns_servers_are_read_or_refused_plainly() -> None:
    settings = SenderAuthSettings(dns_servers=["127.0.0.1:5353", "[::1]:5353"])
    assert settings.nameservers() == (["127.0.0.1", "::1"], 5353)
    assert SenderAuthSettings(dns_servers=["192.0.2.53"]).nameservers() == (["192.0.2.53"], 53)
    for bad in (["127.0.0.1:53", "127.0.0.2:5353"], ["127.0.0.1:x"], [":53"]):
        with pytest.raises(ValidationError):
            SenderAuthSettings(dns_servers=bad)


@pytest.mark.parametrize("domain", ["ex\ufffdample.org", "a" * 70 + ".org", "..org", "-x-.org"])
async def test_a_from_domain_dns_cannot_hold_is_unverified_not_an_error(domain: str) -> None:
    raw = f"From: ann@{domain}\r\nSubject: hello\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n".encode()
    with DnsServer() as dns:
        verifier = Verifier(SenderAuthSettings(dns_servers=[dns.address]))
        found = await verifier.verify(raw, f"ann@{domain}", Seen(mail_from=f"ann@{domain}"))
    assert found.authenticated is False
