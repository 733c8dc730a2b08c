"""Rule 3, reasonable adjustment: a channel agreed as an adjustment (Equality Act 2010) is
never switched off by a restriction."""

from __future__ import annotations

from policy_core.models import Action, RuleHit
from policy_core.rules import Context, hit

NAME = "adjustment"


class ReasonableAdjustment:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        customer = ctx.customer
        if customer is None or not customer.adjustments:
            return None
        channel = ctx.contact.channel
        if any(a.channel is channel for a in customer.adjustments):
            return hit(NAME, Action.deliver, f"agreed adjustment: {channel.value}", None)
        return None
