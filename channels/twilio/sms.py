"""Incoming texts. Delivered texts are forwarded to the contact centre, redirected ones to the
single point of contact, each prefixed with the sender's number; a refused sender gets the
notice by reply when the gateway's daily allowance lets it go (the rest are held silently); a
held text gets no reply. A retried MessageSid gets the answer the first request got."""

from __future__ import annotations

import logging

from channels.twilio import twiml as t
from channels.twilio.common import UNIDENTIFIED, Answer, caller, evidence, twiml
from channels.twilio.settings import TwilioSettings
from gateway.api import Gateway, ReplyChannel
from policy_core.models import Action, Channel, Contact

log = logging.getLogger("contact_gateway.twilio")
MAX_SMS = 1600  # the longest message Twilio sends
SMS_REPLY = ReplyChannel(channel=Channel.sms)  # a text can always be answered


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
            outcome = await self.gateway.handle(contact, SMS_REPLY)
        except Exception:  # forwarded rather than lost
            log.exception("text not handled: forwarded to the contact centre")
            return twiml(forward(sender.value, body, self.config.forward_to))
        if outcome.action is Action.deliver:
            return twiml(forward(sender.value, body, self.config.forward_to))
        if outcome.action is Action.redirect:
            return twiml(forward(sender.value, body, outcome.destination or self.config.forward_to))
        if outcome.notice is not None:
            return twiml(t.response(t.message(outcome.notice)))
        return twiml(t.EMPTY)
