"""The gateway's public interface: everything a channel may use, and nothing else. A channel
turns its input into a `Contact`, calls `Gateway.handle` once, and renders the `Outcome`; it
knows no store, no allowance and no policy (tests/test_import_direction.py holds it to this
module). Besides `handle`, the Gateway offers channels `audit`, `set_duration`, `is_known`,
`find_flag`, `acknowledge_flag` and `is_protected` (gateway/services.py)."""

from __future__ import annotations

from gateway import metrics
from gateway.durable import append_durably, fsync_dir, replace_durably
from gateway.flags.mail import goes_by_email
from gateway.flags.report import FlagReport, describe_flag
from gateway.group_commit import GroupCommit, all_or_nothing, io_thread
from gateway.outbox import GiveUp, Outbox
from gateway.outcome import Outcome, ReplyChannel
from gateway.plugins import ChannelPlugin, Stop
from gateway.redact import redact
from gateway.runtime import Gateway
from gateway.settings import ConfigError
from gateway.store.base import NotFound, StoredFlag, StoreError
from gateway.tasks import cancel_and_wait

__all__ = [
    "ChannelPlugin",
    "ConfigError",
    "FlagReport",
    "Gateway",
    "GiveUp",
    "GroupCommit",
    "NotFound",
    "Outbox",
    "Outcome",
    "ReplyChannel",
    "Stop",
    "StoreError",
    "StoredFlag",
    "all_or_nothing",
    "append_durably",
    "cancel_and_wait",
    "describe_flag",
    "fsync_dir",
    "goes_by_email",
    "io_thread",
    "metrics",
    "redact",
    "replace_durably",
]
