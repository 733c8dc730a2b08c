"""A Gateway in this process (real SQLite store, the 2020 profile), for tests that drive a
channel's applier directly, and the hold decision no rule gives an e-mail (see test_hold)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.profiles import load_profile
from gateway.runtime import Gateway
from gateway.settings import Settings
from gateway.store import open_store
from policy_core.models import Action, Decision, RuleHit

HOLD = Decision(action=Action.hold, reasons=(RuleHit(rule="held_for_triage", action=Action.hold),))


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
