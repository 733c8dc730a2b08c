"""Incoming texts. Delivered texts are forwarded to the contact centre, redirected ones to the
single point of contact, each prefixed with the sender's number; a refused sender gets the
notice by reply, at most `notices_per_day` a day (the rest are held silently); a held text
gets no reply. A retried MessageSid gets the answer the first request got."""

from __future__ import annotations

import logging

from channels.twilio import twiml as t
from channels.twilio.common import (
    UNIDENTIFIED,
    Answer,
    caller,
    evidence,
    phone_or_none,
    twiml,
)
from channels.twilio.settings import TwilioSettings
from gateway.runtime import Dispatched, Gateway
from gateway.store.base import AuditEntry, StoreError
from policy_core.london import london_day
from policy_core.models import Action, Channel, Contact, Notice

log = logging.getLogger("contact_gateway.twilio")
MAX_SMS = 1600  # the longest message Twilio sends
NOTICE_SENT, NOTICE_HELD = "sms_notice_sent", "sms_notice_held"


def forward(sender: str, body: str, to: str) -> str:
    return t.response(t.message(f"From {sender}: {body}"[:MAX_SMS], to=to))


class Sms:
    def __init__(self, gateway: Gateway, config: TwilioSettings) -> None:
        self.gateway = gateway
        self.config = config
        self.region = gateway.settings.policy.phone_region

    async def incoming(self, form: dict[str, str]) -> Answer:
        body, sender = form["Body"], caller(form["From"], self.region)
        if sender is None:
            UNIDENTIFIED.labels(Channel.sms.value).inc()
            return twiml(forward(form["From"], body, self.config.forward_to))
        contact = Contact(
            channel=Channel.sms, sender=sender, received_at=self.gateway.clock.now(),
            destination=form["To"], text=body, external_id=form["MessageSid"], raw=evidence(form),
        )  # fmt: skip
        try:
            dispatched = await self.gateway.dispatch(contact)
        except Exception:  # forwarded rather than lost
            log.exception("text not dispatched: forwarded to the contact centre")
            return twiml(forward(sender.value, body, self.config.forward_to))
        decision = dispatched.decision
        if decision.action is Action.deliver:
            return twiml(forward(sender.value, body, self.config.forward_to))
        if decision.action is Action.redirect:
            to = phone_or_none(decision.destination, self.region) or self.config.forward_to
            return twiml(forward(sender.value, body, to))
        if decision.action is Action.hold:
            return twiml(t.EMPTY)
        notice = self.gateway.notices.render(
            decision.notice or Notice(key="restricted"), Channel.sms
        )
        if await self._notice_allowed(dispatched):
            return twiml(t.response(t.message(notice)))
        return twiml(t.EMPTY)

    async def _notice_allowed(self, dispatched: Dispatched) -> bool:
        """One notice per sender per day. Whether this text got one is kept in the audit trail,
        so a retry (from Twilio, to any gateway instance) gets the same answer."""
        contact = dispatched.contact
        subject = f"sms:{contact.external_id}"
        store = self.gateway.store
        try:
            if dispatched.duplicate:
                earlier = await store.audit_trail(subject)
                if earlier:
                    return earlier[-1].action == NOTICE_SENT
            day = london_day(contact.received_at)
            allowed = await store.allow_notice(
                contact.sender.key, Channel.sms, day, self.config.notices_per_day
            )
            action = NOTICE_SENT if allowed else NOTICE_HELD
            detail = {"contact_id": dispatched.contact_id}
            entry = AuditEntry(
                at=self.gateway.clock.now(),
                actor="gateway:twilio",
                action=action,
                subject=subject,
                detail=detail,
            )
            await store.audit(entry)
        except StoreError:
            log.warning("store unreachable: notice sent without the daily limit")
            return True
        return allowed
