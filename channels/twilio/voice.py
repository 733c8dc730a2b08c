"""Incoming calls. Delivered calls are put through to the contact centre, redirected ones to
the single point of contact or the emergency line; a refused caller hears the notice and may
press 1 for an emergency, which always puts them through to a person and raises a flag."""

from __future__ import annotations

import logging

from channels.twilio import twiml as t
from channels.twilio.common import (
    NO_CONTENT,
    UNIDENTIFIED,
    Answer,
    caller,
    evidence,
    phone_or_none,
    plain,
    twiml,
)
from channels.twilio.settings import TwilioSettings
from gateway.api import Gateway, Outcome, ReplyChannel, StoreError
from policy_core.models import Action, Channel, Contact, Notice

log = logging.getLogger("contact_gateway.twilio")
PROMPT = Notice(key="emergency_prompt")
EMERGENCY_KEY = "1"
SPOKEN = ReplyChannel(channel=Channel.phone, live=True)  # the caller is on the line


class Voice:
    def __init__(self, gateway: Gateway, config: TwilioSettings, emergency_url: str) -> None:
        self.gateway = gateway
        self.config = config
        self.emergency_url = emergency_url
        self.region = gateway.settings.policy.phone_region
        org = gateway.settings.organisation
        self.emergency_line = phone_or_none(org.emergency_phone, self.region) or config.forward_to

    def _contact(self, form: dict[str, str], emergency: bool) -> Contact | None:
        sender = caller(form["From"], self.region)
        if sender is None:
            UNIDENTIFIED.labels(Channel.phone.value).inc()
            return None
        suffix = ":emergency" if emergency else ""
        return Contact(
            channel=Channel.phone, sender=sender, received_at=self.gateway.clock.now(),
            destination=form["To"], external_id=form["CallSid"] + suffix,
            emergency_option=emergency, raw=evidence(form),
        )  # fmt: skip

    async def incoming(self, form: dict[str, str]) -> Answer:
        contact = self._contact(form, emergency=False)
        if contact is None:
            return twiml(t.response(t.dial(self.config.forward_to)))
        try:
            outcome = await self.gateway.handle(contact, SPOKEN)
        except Exception:  # a caller is waiting: put them through rather than fail
            log.exception("call not handled: put through to the contact centre")
            return twiml(t.response(t.dial(self.config.forward_to)))
        return twiml(self.answer(outcome))

    def answer(self, outcome: Outcome) -> str:
        if outcome.action is Action.deliver:
            return t.response(t.dial(self.config.forward_to))
        if outcome.action is Action.redirect:
            return t.response(t.dial(outcome.destination or self.emergency_line))
        # refuse (and hold, which on a live call cannot mean silence): the notice, then the
        # emergency option; no key press ends the call.
        spoken = [self._say(outcome.notice)] if outcome.notice else []
        return t.response(*spoken, self._emergency_option(), t.HANGUP)

    def _say(self, text: str) -> str:
        return t.say(text, self.config.voice, self.config.language)

    def _emergency_option(self) -> str:
        prompt = self.gateway.notices.render(PROMPT, Channel.phone)
        return t.gather(self.emergency_url, self._say(prompt))

    async def emergency(self, form: dict[str, str]) -> Answer:
        """The caller pressed a key after the notice: 1 puts them through to the emergency
        line, recorded as a second contact of the same call so the safety rule decides and
        flags it; any other key repeats the option."""
        if form["Digits"].strip() != EMERGENCY_KEY:
            return twiml(t.response(self._emergency_option(), t.HANGUP))
        target = self.emergency_line
        contact = self._contact(form, emergency=True)
        if contact is not None:
            try:
                outcome = await self.gateway.handle(contact, None)  # no notice: put through
                if outcome.action is Action.redirect:
                    target = outcome.destination or target
            except Exception:  # the emergency line is dialled whatever happens
                log.exception("emergency call not handled: put through all the same")
        return twiml(t.response(t.dial(target)))

    async def status(self, form: dict[str, str]) -> Answer:
        """Call status callbacks: a completed call's duration is kept with its contact, so a
        review sees the time spent as well as the number of calls."""
        if form["CallStatus"] != "completed":
            return NO_CONTENT
        seconds = form.get("CallDuration", "")
        if not (seconds.isascii() and seconds.isdigit() and len(seconds) < 9):
            return plain("CallDuration must be a whole number of seconds", 400)
        try:
            known = await self.gateway.set_duration(Channel.phone, form["CallSid"], int(seconds))
        except StoreError:
            log.warning("store unreachable: a call's duration was not kept")
            return plain("store unavailable", 503)
        if not known:
            log.info("status callback for a call the gateway did not record")
        return NO_CONTENT
