"""The restricted-contact policy as a pure library: no I/O, no asyncio, no clock.

    decision = decide(contact, snapshot, profile, now, routes=routes)
    flags = compute_flags(contact, decision, recent, profile)  # the decision's own flags too

Names are loaded on first use, so importing policy_core.models stays cheap."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policy_core.chain import decide
    from policy_core.flags import compute_flags
    from policy_core.models import (
        Action,
        Channel,
        Contact,
        Decision,
        Flag,
        FlagKind,
        Notice,
        RecentContacts,
        Routes,
        RuleHit,
        Snapshot,
    )
    from policy_core.profiles import Profile
    from policy_core.windows import inside_window, next_window

_WHERE = {
    "decide": "policy_core.chain",
    "compute_flags": "policy_core.flags",
    "inside_window": "policy_core.windows",
    "next_window": "policy_core.windows",
    "Profile": "policy_core.profiles",
    **dict.fromkeys(
        (
            "Action",
            "Channel",
            "Contact",
            "Decision",
            "Flag",
            "FlagKind",
            "Notice",
            "RecentContacts",
            "Routes",
            "RuleHit",
            "Snapshot",
        ),
        "policy_core.models",
    ),
}
__all__ = [
    "Action",
    "Channel",
    "Contact",
    "Decision",
    "Flag",
    "FlagKind",
    "Notice",
    "Profile",
    "RecentContacts",
    "Routes",
    "RuleHit",
    "Snapshot",
    "compute_flags",
    "decide",
    "inside_window",
    "next_window",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'policy_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
