"""The recipient the SMTP worker shows the rules is chosen by the policy's own matcher, so the
worker and the protected-destination rule cannot disagree. They did: the worker lower-cased
the address and ran fnmatch, while the rule matches case-insensitively by Unicode case
folding, under which a dotted capital I (U+0130) or a long s (U+017F) matches "i" or "s";
the worker then showed the rules the first recipient, and a protected one was refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.mail.outbound import Endpoint, Relay
from channels.smtp.ledger import Ledger
from channels.smtp.settings import SmtpSettings
from channels.smtp.spool import Spool
from channels.smtp.worker import Worker
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact
from tests.channels.mail.local import local_gateway
from tests.clock import NOW

HOUSING = "housing@landlord.example"


@pytest.mark.parametrize(
    "protected",
    ["COMPLA\u0130NTS@landlord.example", "complaint\u017f@landlord.example",
     "Complaints@Landlord.Example"],
    ids=["dotted-capital-i", "long-s", "ascii-case"],
)  # fmt: skip
async def test_the_worker_picks_the_recipient_the_rule_protects(
    tmp_path: Path, protected: str
) -> None:
    async with local_gateway(tmp_path) as gateway:
        relay = Relay(Endpoint.parse("127.0.0.1:25"))  # never connected: nothing is sent
        config = SmtpSettings(domains=["landlord.example"], downstream="127.0.0.1:25")
        spool, ledger = Spool(tmp_path / "spool"), Ledger(tmp_path / "ledger.log")
        worker = Worker(gateway, config, spool, ledger, {"downstream": relay, "outbound": relay})
        chosen = worker._destination((HOUSING, protected))
        assert chosen == protected
        unknown = Contact(
            channel=Channel.email, sender=Identity.of("email", "ann@example.org"),
            received_at=NOW, destination=chosen, external_id=f"<{protected}>",
        )  # fmt: skip
        decision = await gateway.check(unknown)
    assert decision.action is Action.deliver
    assert "protected_destination" in [r.rule for r in decision.reasons]
