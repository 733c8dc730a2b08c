"""What channels ask of the gateway besides `handle`: an audit entry, a call's duration, a
flag acknowledged, whether a sender is known, whether an address is a protected destination.
Channels never see the store; these are its few operations they need, in the policy's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.clock import Clock
from gateway.store.base import AuditEntry, StoredFlag, StoreError
from gateway.store.ports import Store
from policy_core.identities import Identity
from policy_core.models import Channel
from policy_core.profiles import Profile
from policy_core.rules.matching import compiled


class ChannelServices:
    """Mixed into Gateway (gateway/runtime.py), which provides these attributes."""

    store: Store
    profile: Profile
    clock: Clock

    async def audit(
        self, actor: str, action: str, subject: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        """One entry in the audit trail, at the gateway's clock."""
        entry = AuditEntry(
            at=self.clock.now(), actor=actor, action=action, subject=subject,
            detail=dict(detail or {}),
        )  # fmt: skip
        await self.store.audit(entry)

    async def set_duration(self, channel: Channel, external_id: str, seconds: int) -> bool:
        """A completed call's length, kept with its contact; False for a call not recorded."""
        return await self.store.set_duration(channel, external_id, seconds)

    async def is_known(self, identity: Identity) -> bool:
        """Whether the identity is a customer's or a representative's. True when the store
        cannot say: the contact is then handled, and fails open like any other."""
        try:
            snapshot = await self.store.resolve(identity)
        except StoreError:
            return True
        return snapshot.customer is not None or snapshot.representative is not None

    async def find_flag(self, customer_key: str, flag_id: str) -> StoredFlag | None:
        return next((f for f in await self.store.list_flags(customer_key) if f.id == flag_id), None)

    async def acknowledge_flag(self, flag_id: str, actor: str, **detail: Any) -> StoredFlag:
        """Marks the flag acknowledged by `actor` and records it in the audit trail with
        `detail` (how, by whom there); NotFound for an unknown flag."""
        flag = await self.store.acknowledge_flag(flag_id, actor)
        about = {"customer": flag.customer_key, "kind": flag.kind.value, **detail}
        await self.audit(actor, "flag.acknowledged", f"flag:{flag.id}", about)
        return flag

    def is_protected(self, destination: str) -> bool:
        """Whether the profile protects this destination (complaints, data protection, ...),
        by the very matcher the decision's protected-destination rule uses."""
        return compiled(self.profile).protected.match(destination)
