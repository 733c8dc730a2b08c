"""Rule 1 (safety), protected destinations: complaints, data protection, emergency repairs.
Contact to one of them always gets through, whatever the sender's restrictions."""

from __future__ import annotations

from policy_core.models import RuleHit
from policy_core.rules import Context

NAME = "protected_destination"
HIT = RuleHit(rule=NAME, detail="addressed to a protected destination")


class ProtectedDestination:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        return HIT if ctx.compiled.protected.match(ctx.contact.destination) else None
