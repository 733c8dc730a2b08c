"""Rule 4, the customer's active restrictions, one rule a kind. Each rule hits when the customer
has an active restriction of its kind and says what that kind does on the contact's channel;
of several of one kind the strictest counts (the first of equals). The chain then keeps the
strictest hit of all kinds. What a kind does on each channel is a table, except for the single
point of contact, whose answer depends on the officer and the contact windows."""

from __future__ import annotations

from typing import ClassVar

from policy_core.models import (
    Action,
    Channel,
    Restriction,
    RuleHit,
    SinglePointOfContact,
    SocialMedia,
)
from policy_core.rules import Context, hit
from policy_core.windows import inside_local

Judgement = tuple[Action, str]
DELIVER, REDIRECT, HOLD, REFUSE = Action.deliver, Action.redirect, Action.hold, Action.refuse
STRICTNESS = {a: a.strictness for a in Action}
EMAIL, PHONE, SMS = Channel.email, Channel.phone, Channel.sms  # looked up once: enum
WRITTEN = (Channel.letter, Channel.visit)  # attribute look-ups are slow on Python 3.11


def _table(restricted: tuple[Channel, ...], action: Action, label: str) -> dict[Channel, Judgement]:
    return {
        c: (action, f"{label}: {c.value} {'refused' if action is REFUSE else 'held'}")
        if c in restricted
        else (DELIVER, f"{label}: {c.value} delivered")
        for c in Channel
    }


LETTER_ONLY = _table(tuple(c for c in Channel if c not in WRITTEN), REFUSE, "letter only")
PHONE_VIA_THIRD_PARTY = _table((Channel.phone,), REFUSE, "phone only through a representative")
SOCIAL_DENIED = _table((Channel.social,), REFUSE, "social media denied")
SOCIAL_RESTRICTED = _table((Channel.social,), HOLD, "social media restricted")
APPOINTMENT_ONLY = {c: (DELIVER, "appointment only: shown on the banner") for c in Channel}
WITNESS_REQUIRED = {c: (DELIVER, "witness required: shown on the banner") for c in Channel}


class KindRule:
    name: ClassVar[str]
    table: ClassVar[dict[Channel, Judgement]] = {}

    def judge(self, ctx: Context, restriction: Restriction) -> Judgement:
        return self.table[ctx.contact.channel]

    def check(self, ctx: Context) -> RuleHit | None:
        found = ctx.by_kind.get(self.name)
        if not found:
            return None
        best: tuple[Restriction, Action, str] | None = None
        for restriction in found:
            action, detail = self.judge(ctx, restriction)
            if best is None or STRICTNESS[action] > STRICTNESS[best[1]]:
                best = (restriction, action, detail)
        assert best is not None
        restriction, action, detail = best
        return hit(self.name, action, detail, restriction.id or None)


class LetterOnly(KindRule):
    name = "letter_only"
    table = LETTER_ONLY


class PhoneViaThirdParty(KindRule):
    """Calls from the customer are refused; representatives' calls never reach this rule."""

    name = "phone_via_third_party"
    table = PHONE_VIA_THIRD_PARTY


class AppointmentOnly(KindRule):
    name = "appointment_only"
    table = APPOINTMENT_ONLY


class WitnessRequired(KindRule):
    name = "witness_required"
    table = WITNESS_REQUIRED


class SocialMediaRule(KindRule):
    name = "social_media"

    def judge(self, ctx: Context, restriction: Restriction) -> Judgement:
        assert isinstance(restriction, SocialMedia)
        table = SOCIAL_DENIED if restriction.level == "denied" else SOCIAL_RESTRICTED
        return table[ctx.contact.channel]


BANNER = {c: (DELIVER, f"single point of contact: {c.value} shown on the banner") for c in Channel}
NO_ADDRESS = {c: (DELIVER, f"single point of contact: officer takes no {c.value}") for c in Channel}
TO_MAILBOX = (REDIRECT, "single point of contact: to the officer's mailbox")
TO_NUMBER = (REDIRECT, "single point of contact: to the officer's number")
IN_WINDOW = (REDIRECT, "single point of contact: inside a window, to the officer")
OUT_OF_WINDOW = (REFUSE, "single point of contact: outside the contact windows")


def spoc_judgement(ctx: Context, restriction: SinglePointOfContact) -> Judgement:
    """What one single point of contact does with this contact. E-mail goes to the officer's
    mailbox, SMS to the officer's number, a call to the officer's line inside a contact window
    (or at any time when no window is set) and is refused outside them. Other channels, and
    channels the officer has no address for, are delivered."""
    channel = ctx.contact.channel
    officer = restriction.officer
    if channel is EMAIL:
        return TO_MAILBOX if officer.email else NO_ADDRESS[channel]
    if channel is SMS:
        return TO_NUMBER if officer.phone else NO_ADDRESS[channel]
    if channel is PHONE:
        if not officer.phone:
            return NO_ADDRESS[channel]
        if not restriction.windows or inside_local(restriction.windows, ctx.local):
            return IN_WINDOW
        return OUT_OF_WINDOW
    return BANNER[channel]


class SinglePointOfContactRule(KindRule):
    name = "single_point_of_contact"

    def judge(self, ctx: Context, restriction: Restriction) -> Judgement:
        assert isinstance(restriction, SinglePointOfContact)
        return spoc_judgement(ctx, restriction)
