"""Rule 1 (safety), emergencies: a word or phrase of the profile's safety list in the subject
or text, or the emergency option chosen in the phone menu. An emergency is never refused or
held: the chain sends it to the emergency route when the sender's restrictions would stop it."""

from __future__ import annotations

from policy_core.models import RuleHit
from policy_core.rules import Context

NAME = "emergency"
OPTION = RuleHit(rule=NAME, detail="emergency option chosen")
WORDS = RuleHit(rule=NAME, detail="emergency word list matched")


class Emergency:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        contact = ctx.contact
        if contact.emergency_option:
            return OPTION
        # One search over both; the NUL between them keeps a phrase from spanning the two.
        text = f"{contact.subject}\0{contact.text}" if contact.subject else contact.text
        return WORDS if ctx.compiled.safety.search(text) else None
