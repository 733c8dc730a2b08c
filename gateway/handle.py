"""`Gateway.handle`: the one call every channel makes. It dispatches the contact, turns the
decision's destination into the channel's address form, and renders the notice once the
sender's one daily allowance (the profile's `notices_per_sender_per_day` per sender, channel
and London day, counted by the store as it records the contact) says it may go."""

from __future__ import annotations

import logging

from gateway.clock import Clock
from gateway.notices import NoticeRenderer
from gateway.outcome import Dispatched, Outcome, ReplyChannel
from gateway.settings import Settings
from policy_core.identities import IdentityError, normalize_phone
from policy_core.models import Action, Channel, Contact, Notice
from policy_core.profiles import Profile

log = logging.getLogger("contact_gateway.dispatch")
RESTRICTED = Notice(key="restricted")
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
    profile: Profile
    clock: Clock
    notices: NoticeRenderer

    async def dispatch(
        self, contact: Contact, *, notice: bool = False, reply_to: str | None = None
    ) -> Dispatched:
        raise NotImplementedError

    async def handle(self, contact: Contact, reply: ReplyChannel | None) -> Outcome:
        """Dispatches the contact and says what the channel must do. `reply` is None when no
        reply may be sent at all on the channel (RFC 3834 for mail): no allowance is spent."""
        # A live caller always hears the notice; a written one counts against the allowance,
        # in the same store call that records the contact (a retry gets the first answer).
        counted = reply is not None and not reply.live
        # An e-mail's notice goes only to the customer's own address on record (notice_to.py).
        reply_to = reply.to if reply is not None else None
        dispatched = await self.dispatch(contact, notice=counted, reply_to=reply_to)
        decision = dispatched.decision
        notice = None
        if reply is not None and (
            decision.action is Action.refuse or (reply.live and decision.action is Action.hold)
        ):
            if reply.live or dispatched.notice_allowed:
                notice = self.notices.render(decision.notice or RESTRICTED, reply.channel)
        destination = address_for(
            decision.destination, contact.channel, self.settings.policy.phone_region
        )
        return Outcome(
            action=decision.action, destination=destination, notice=notice, contact=contact,
            contact_id=dispatched.contact_id, customer_key=dispatched.customer_key,
            decision=decision, duplicate=dispatched.duplicate, fail_open=dispatched.fail_open,
            notice_to=dispatched.notice_to,
        )  # fmt: skip
