"""A Gateway in this process (real SQLite store, the 2020 profile), for tests that drive a
channel's applier directly, and the hold decision no rule gives an e-mail (see test_hold)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.api import Outcome
from gateway.profiles import load_profile
from gateway.runtime import Gateway
from gateway.settings import Settings
from gateway.store import open_store
from policy_core.models import Action, Contact, Decision, RuleHit

HOLD = Decision(action=Action.hold, reasons=(RuleHit(rule="held_for_triage", action=Action.hold),))


def outcome_of(contact: Contact, decision: Decision, contact_id: str) -> Outcome:
    """The outcome of `decision` as the gateway would hand it to a channel, with no notice."""
    return Outcome(
        action=decision.action, destination=decision.destination, notice=None, contact=contact,
        contact_id=contact_id, customer_key=contact.sender.key, decision=decision,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def local_gateway(directory: Path) -> AsyncIterator[Gateway]:
    url = f"sqlite:///{directory / 'gateway.db'}"
    settings = Settings(store={"url": url}, data_dir=directory)
    gateway = Gateway(settings, open_store(url), load_profile("derby-homes-2020"))
    await gateway.store.open()
    try:
        yield gateway
    finally:
        await gateway.store.close()
