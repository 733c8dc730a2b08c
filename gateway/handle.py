"""`Gateway.handle`: the one call every channel makes. It dispatches the contact, turns the
decision's destination into the channel's address form, and renders the notice once the
sender's one daily allowance says it may go."""

from __future__ import annotations

import logging

from gateway.clock import Clock
from gateway.notices import NoticeRenderer
from gateway.outcome import Dispatched, Outcome, ReplyChannel
from gateway.settings import Settings
from gateway.store.base import AuditEntry, Store, StoreError
from policy_core.identities import IdentityError, normalize_phone
from policy_core.london import london_day
from policy_core.models import Action, Channel, Contact, Notice
from policy_core.profiles import Profile

log = logging.getLogger("contact_gateway.dispatch")
RESTRICTED = Notice(key="restricted")
NOTICE_SENT, NOTICE_HELD = "notice.sent", "notice.held"
PHONE_CHANNELS = frozenset({Channel.phone, Channel.sms})


def address_for(destination: str | None, channel: Channel, region: str) -> str | None:
    """A decision's destination as `channel` addresses it; None when it cannot."""
    if not destination:
        return None
    if channel in PHONE_CHANNELS:
        try:
            return normalize_phone(destination, region)
        except IdentityError:
            return None  # an e-mail address, say: the officer has no phone number
    if channel is Channel.email:
        return destination.strip() if "@" in destination else None
    return destination


class Handling:
    """Mixed into Gateway (gateway/runtime.py), which provides these attributes and dispatch."""

    settings: Settings
    store: Store
    profile: Profile
    clock: Clock
    notices: NoticeRenderer

    async def dispatch(self, contact: Contact) -> Dispatched:
        raise NotImplementedError

    async def handle(self, contact: Contact, reply: ReplyChannel | None) -> Outcome:
        """Dispatches the contact and says what the channel must do. `reply` is None when no
        reply may be sent at all on the channel (RFC 3834 for mail): no allowance is spent."""
        dispatched = await self.dispatch(contact)
        decision = dispatched.decision
        notice = None
        if reply is not None and (
            decision.action is Action.refuse or (reply.live and decision.action is Action.hold)
        ):
            if reply.live or await self._allow_notice(dispatched, reply.channel):
                notice = self.notices.render(decision.notice or RESTRICTED, reply.channel)
        destination = address_for(
            decision.destination, contact.channel, self.settings.policy.phone_region
        )
        return Outcome(
            action=decision.action, destination=destination, notice=notice, contact=contact,
            contact_id=dispatched.contact_id, customer_key=dispatched.customer_key,
            decision=decision, duplicate=dispatched.duplicate, fail_open=dispatched.fail_open,
        )  # fmt: skip

    async def _allow_notice(self, dispatched: Dispatched, channel: Channel) -> bool:
        """The one daily allowance: the profile's `notices_per_sender_per_day` per sender on
        each channel, counted by the London day. Whether a contact got its notice is kept in
        the audit trail under its channel and external id, so a retry of the same contact (to
        any gateway instance) gets the same answer and spends nothing. When the store cannot
        say, the notice goes: a refused sender is told rather than left in silence."""
        contact = dispatched.contact
        subject = f"notice:{contact.channel.value}:{contact.external_id}"
        try:
            if dispatched.duplicate:
                earlier = await self.store.audit_trail(subject)
                if earlier:
                    return earlier[-1].action == NOTICE_SENT
            day = london_day(contact.received_at)
            limit = self.profile.notices_per_sender_per_day
            allowed = await self.store.allow_notice(contact.sender.key, channel, day, limit)
            if contact.external_id is not None:
                await self.store.audit(
                    AuditEntry(
                        at=self.clock.now(), actor="gateway", subject=subject,
                        action=NOTICE_SENT if allowed else NOTICE_HELD,
                        detail={"contact_id": dispatched.contact_id, "channel": channel.value},
                    )
                )  # fmt: skip
        except StoreError:
            log.warning("store unreachable: notice on %s sent without the daily allowance",
                        channel.value)  # fmt: skip
            return True
        return allowed
