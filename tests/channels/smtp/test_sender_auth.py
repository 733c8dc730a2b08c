"""Sender authentication end to end: a real `serve` with [smtp], aiosmtpd servers downstream
and outbound, and a stand-in DNS server (the only internet service here) publishing a test
DKIM key for the customer's and the solicitor's domains, and SPF policies.

Ann (ann@example.org) is restricted to letters; her solicitor writes from sol@lawfirm.example.
A forged From in either name is recorded unverified, gets no notice (a notice would tell a
stranger that Ann is restricted) and no representative bypass; the same messages signed with
the published key are believed."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import dkim
import pytest

from tests.channels.mail.people import LETTER_ONLY, people
from tests.channels.mail.sink import Sink
from tests.channels.smtp.test_smtp import HOUSING, Mail, message, smtp_section, with_id
from tests.dnsserver import DnsServer
from tests.serve import GatewayServer
from tests.servers import free_port

SOLICITOR = "sol@lawfirm.example"
STRANGER = "someone@elsewhere.example"
TRUSTED = "mx.upstream.example"
SELECTOR = b"test"


@pytest.fixture(scope="module")
def private_key(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("dkim") / "key.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True
    )
    return path.read_bytes()


def public_key_record(private_key: bytes) -> str:
    der = subprocess.run(
        ["openssl", "rsa", "-pubout", "-outform", "DER"],
        input=private_key, check=True, capture_output=True,
    ).stdout  # fmt: skip
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode("ascii")


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory, private_key: bytes) -> Iterator[Mail]:
    directory = tmp_path_factory.mktemp("sender-auth")
    with DnsServer() as dns, Sink() as downstream, Sink() as outbound:
        for domain in ("example.org", "lawfirm.example"):
            dns.txt(f"{SELECTOR.decode()}._domainkey.{domain}", public_key_record(private_key))
        dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
        dns.txt("elsewhere.example", "v=spf1 ip4:127.0.0.1 -all")  # the stranger's own mail
        dns.txt("lawfirm.example", "v=spf1 -all")  # the solicitor's firm sends from nowhere here
        port, spool = free_port(), directory / "spool"
        section = {
            **smtp_section(port, downstream, outbound, spool),
            "dns_servers": [dns.address], "trusted_authserv_ids": [TRUSTED],
        }  # fmt: skip
        with GatewayServer(directory, extra={"smtp": section}) as server:
            data = people()
            data["customers"][0]["representatives"] = [
                {"name": "Sol Icitor", "role": "solicitor",
                 "identities": [{"kind": "email", "value": SOLICITOR}]}
            ]  # fmt: skip
            path = directory / "people.json"
            path.write_text(json.dumps(data), encoding="utf-8")
            assert server.cli("import", str(path)).returncode == 0
            yield Mail(server, port, downstream, outbound, spool)


def signed(raw: bytes, domain: str, private_key: bytes) -> bytes:
    """DKIM-signed by `domain` (the signature's t= is the wall clock's, as a signer's is)."""
    headers = [b"from", b"to", b"subject", b"message-id"]
    key = domain.encode()
    signature = dkim.sign(raw, SELECTOR, key, private_key, include_headers=headers)  # wall clock ok
    return bytes(signature) + raw


def held_item(mail: Mail, message_id: str) -> dict[str, Any]:
    mail.wait_drained()
    found = [i for i in mail.held() if i["contact"]["raw"]["message_id"] == message_id]  # type: ignore[index]
    assert len(found) == 1, "the message is not in the held queue"
    return found[0]


def rules(item: dict[str, Any]) -> list[str]:
    return [reason.partition(":")[0] for reason in item["reasons"]]


def notices_for(mail: Mail, message_id: str) -> list[tuple[str, ...]]:
    return [m.rcpt_tos for m in mail.outbound.messages() if m.message["In-Reply-To"] == message_id]


def test_a_forged_from_of_a_restricted_customer_is_unverified_and_tells_no_one(
    mail: Mail,
) -> None:
    message_id, raw = message(LETTER_ONLY, "Forged")
    mail.send(raw, STRANGER)
    item = held_item(mail, message_id)
    contact = item["contact"]
    assert contact["authenticated"] is False
    assert contact["raw"]["sender_auth"]["dkim"] == "none"
    assert contact["raw"]["sender_auth"]["spf"] == "pass"  # the stranger's own domain, not Ann's
    assert contact["raw"]["sender_auth"]["dmarc"] == "fail"
    assert "unverified_sender" in rules(item)
    assert notices_for(mail, message_id) == []  # nothing to the stranger, nor to Ann


def test_the_customers_signed_mail_gets_its_notice_at_the_address_on_record(
    mail: Mail, private_key: bytes
) -> None:
    message_id, raw = message(LETTER_ONLY, "Signed")
    mail.send(signed(raw, "example.org", private_key), "ann.mailer@mailer.example")
    [notice] = mail.outbound.wait_until(lambda m: m.message["In-Reply-To"] == message_id)
    assert notice.rcpt_tos == (LETTER_ONLY,)  # not the envelope sender
    item = held_item(mail, message_id)
    assert item["contact"]["authenticated"] is True
    assert item["contact"]["raw"]["sender_auth"]["dkim_domains"] == ["example.org"]
    assert item["contact"]["raw"]["sender_auth"]["dmarc"] == "pass"
    assert "unverified_sender" not in rules(item)


def test_a_forged_solicitor_gets_no_bypass(mail: Mail) -> None:
    message_id, raw = message(SOLICITOR, "On behalf of my client")
    mail.send(raw, SOLICITOR)
    item = held_item(mail, message_id)
    assert item["contact"]["authenticated"] is False
    assert item["contact"]["raw"]["sender_auth"]["spf"] == "fail"
    assert item["action"] == "refuse" and "representative" not in rules(item)
    assert not [m for m in mail.downstream.messages() if m.message["Message-ID"] == message_id]
    assert notices_for(mail, message_id) == []  # the solicitor's address is not Ann's


def test_a_signed_solicitor_is_delivered_past_the_restriction(
    mail: Mail, private_key: bytes
) -> None:
    message_id, raw = message(SOLICITOR, "On behalf of my client, signed")
    mail.send(signed(raw, "lawfirm.example", private_key), SOLICITOR)
    [got] = mail.downstream.wait_until(with_id(message_id))
    assert got.rcpt_tos == (HOUSING,)


@pytest.mark.parametrize(("by", "delivered"), [(TRUSTED, True), ("mx.anyone.example", False)])
def test_an_upstreams_results_are_believed_only_from_a_trusted_authserv_id(
    mail: Mail, by: str, delivered: bool
) -> None:
    results = (
        f"{by}; dkim=pass header.d=lawfirm.example; spf=pass smtp.mailfrom=lawfirm.example;"
        " dmarc=pass header.from=lawfirm.example"
    )
    message_id, raw = message(SOLICITOR, f"Checked by {by}", Authentication_Results=results)
    mail.send(raw, SOLICITOR)
    if delivered:
        mail.downstream.wait_until(with_id(message_id))
        return
    item = held_item(mail, message_id)
    assert item["contact"]["authenticated"] is False
    assert item["contact"]["raw"]["sender_auth"]["by"] == "gateway"  # its own check instead


def test_a_trusted_upstreams_failure_is_believed_too(mail: Mail, private_key: bytes) -> None:
    """A signature that was valid, but the trusted upstream (which saw the message first) says
    it failed: the upstream is believed."""
    results = (
        f"{TRUSTED}; dkim=fail header.d=lawfirm.example; dmarc=fail header.from=lawfirm.example"
    )
    message_id, raw = message(SOLICITOR, "Failed upstream", Authentication_Results=results)
    mail.send(signed(raw, "lawfirm.example", private_key), SOLICITOR)
    item = held_item(mail, message_id)
    assert item["contact"]["raw"]["sender_auth"]["by"] == TRUSTED
    assert item["contact"]["authenticated"] is False
