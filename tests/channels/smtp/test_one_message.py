"""One message identity on the SMTP channel, end to end (a real `serve` between an SMTP client
and a real downstream server): a message is counted once however many transactions carry it,
and reaches each recipient once; a different message under a reused Message-ID is delivered."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.mail.people import OFFICER, SPOC, people
from tests.channels.mail.sink import Received, Sink
from tests.channels.smtp.test_smtp import HOUSING, Mail, message, smtp_section, with_id
from tests.serve import GatewayServer
from tests.servers import free_port

REPAIRS, RENTS = "repairs@landlord.example", "rents@landlord.example"
CARA, DEV, EVE = "cara@example.org", "dev@example.org", "eve@example.org"  # no restrictions
REFS = {CARA: "C-3", DEV: "C-4", EVE: "C-5", SPOC: "C-2"}
RELAYED = (
    b"Received: from mx2.example.org (mx2.example.org [192.0.2.9])\r\n"
    b"\tby mail.landlord.example with ESMTPS; Mon, 2 Nov 2026 09:31:07 +0000\r\n"
)


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mail]:
    directory = tmp_path_factory.mktemp("smtp-identity")
    with Sink() as downstream, Sink() as outbound:
        port, spool = free_port(), directory / "spool"
        section = smtp_section(port, downstream, outbound, spool)
        with GatewayServer(directory, extra={"smtp": section}) as server:
            data = people()
            data["customers"] += [
                {"ref": ref, "name": ref, "identities": [{"kind": "email", "value": address}]}
                for address, ref in REFS.items()
                if address != SPOC
            ]
            path = directory / "people.json"
            path.write_text(json.dumps(data), encoding="utf-8")
            result = server.cli("import", str(path))
            assert result.returncode == 0, result.stdout + result.stderr
            yield Mail(server, port, downstream, outbound, spool)


def transaction(mail: Mail, raw: bytes, sender: str, rcpts: tuple[str, ...]) -> str:
    """One SMTP transaction; the server's answer to DATA."""
    with smtplib.SMTP("127.0.0.1", mail.port, timeout=10) as client:
        client.ehlo()
        client.mail(sender)
        for rcpt in rcpts:
            assert client.rcpt(rcpt)[0] == 250
        code, text = client.data(raw)
    assert code == 250, text
    return text.decode()


def contacts(mail: Mail, sender: str) -> list[dict[str, Any]]:
    with mail.server.client("manager") as http:
        response = http.get(f"/api/v1/customers/{REFS[sender]}/contacts")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def recipients(copies: list[Received]) -> list[str]:
    return sorted(rcpt for copy in copies for rcpt in copy.rcpt_tos)


def test_two_messages_under_one_message_id_are_both_delivered_and_counted(mail: Mail) -> None:
    message_id, first = message(CARA, "Boiler", "The boiler is off.")
    second = first.replace(b"The boiler is off.", b"Now the boiler is leaking too.")
    transaction(mail, first, CARA, (HOUSING,))
    mail.downstream.wait_until(with_id(message_id))
    mail.wait_drained()
    assert "already delivered" not in transaction(mail, second, CARA, (HOUSING,))
    copies = mail.downstream.wait_until(with_id(message_id), count=2)
    assert sorted(copy.data for copy in copies) == sorted([first, second])
    assert len(contacts(mail, CARA)) == 2


def test_one_message_in_two_transactions_reaches_each_recipient_and_is_one_contact(
    mail: Mail,
) -> None:
    """An upstream server splits the recipients into two transactions, back to back."""
    message_id, raw = message(DEV, "Damp in the bedroom")
    transaction(mail, raw, DEV, (HOUSING,))
    transaction(mail, raw, DEV, (REPAIRS,))
    copies = mail.downstream.wait_until(with_id(message_id), count=2)
    mail.wait_drained()
    assert recipients(copies) == [HOUSING, REPAIRS]
    assert all(copy.data == raw for copy in copies)
    assert len(contacts(mail, DEV)) == 1

    # Both recipients again: nothing new to deliver. One of them new: only it gets a copy.
    assert "already delivered" in transaction(mail, raw, DEV, (REPAIRS, HOUSING))
    assert "already delivered" not in transaction(mail, raw, DEV, (HOUSING, RENTS))
    mail.downstream.wait_until(with_id(message_id), count=3)
    mail.wait_drained()
    assert recipients(mail.downstream.wait_until(with_id(message_id))) == [HOUSING, RENTS, REPAIRS]
    assert len(contacts(mail, DEV)) == 1


def test_a_redirect_from_two_transactions_reaches_the_officer_once(mail: Mail) -> None:
    message_id, raw = message(SPOC, "About my case, to everyone")
    transaction(mail, raw, SPOC, (HOUSING,))
    transaction(mail, raw, SPOC, (REPAIRS,))
    [got] = mail.downstream.wait_until(with_id(message_id))
    mail.wait_drained()
    assert got.rcpt_tos == (OFFICER,)
    assert len(mail.downstream.wait_until(with_id(message_id))) == 1
    [contact] = contacts(mail, SPOC)
    assert contact["decision"]["action"] == "redirect"
    assert got.message["X-Contact-Gateway-Decision"] == f"redirect; contact={contact['contact_id']}"


@pytest.mark.parametrize("relayed", [False, True], ids=["byte-identical", "new-trace-headers"])
def test_a_retransmission_after_a_lost_answer_is_delivered_once(mail: Mail, relayed: bool) -> None:
    """The upstream server never saw the 250 and sends the message again, perhaps by another
    route that adds its own Received header."""
    message_id, raw = message(EVE, f"Fence ({'relayed' if relayed else 'again'})")
    before = len(contacts(mail, EVE))
    transaction(mail, raw, EVE, (HOUSING,))
    mail.downstream.wait_until(with_id(message_id))
    mail.wait_drained()
    again = RELAYED + raw if relayed else raw
    assert "already delivered" in transaction(mail, again, EVE, (HOUSING,))
    mail.wait_drained()
    assert len(mail.downstream.wait_until(with_id(message_id))) == 1
    assert len(contacts(mail, EVE)) == before + 1
