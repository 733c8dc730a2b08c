"""The gateway's public interface: everything a channel may use, and nothing else. A channel
turns its input into a `Contact`, calls the gateway once, and renders the answer; it knows no
store, no allowance and no policy (tests/test_import_direction.py holds it to this module)."""

from __future__ import annotations

from gateway import metrics
from gateway.clock import Clock
from gateway.flags.mail import goes_by_email
from gateway.flags.report import FlagReport, current_case, describe_flag
from gateway.outbox import GiveUp, Outbox
from gateway.plugins import ChannelPlugin, Stop
from gateway.runtime import Dispatched, Gateway
from gateway.settings import ConfigError
from gateway.store.base import AuditEntry, NotFound, Store, StoredFlag, StoreError
from gateway.tasks import cancel_and_wait

__all__ = [
    "AuditEntry",
    "ChannelPlugin",
    "Clock",
    "ConfigError",
    "Dispatched",
    "FlagReport",
    "Gateway",
    "GiveUp",
    "NotFound",
    "Outbox",
    "Stop",
    "Store",
    "StoreError",
    "StoredFlag",
    "cancel_and_wait",
    "current_case",
    "describe_flag",
    "goes_by_email",
    "metrics",
]
