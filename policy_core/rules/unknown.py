"""Unknown senders (not yet linked to a customer) are delivered, and counted under their own
address so their history follows them once an agent links it."""

from __future__ import annotations

from policy_core.models import Action, RuleHit
from policy_core.rules import Context

NAME = "unknown_sender"
HIT = RuleHit(rule=NAME, action=Action.deliver, detail="sender not linked to a customer")


class UnknownSender:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        return HIT if ctx.customer is None else None
