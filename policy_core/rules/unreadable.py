"""A contact its channel could not read whole (an e-mail whose MIME parts nest deeper than the
gateway reads) is held for a person to read, whoever sent it: the rules that look at the text
(the safety words) could not see all of it. It is not refused: nobody is told off for a
message nobody has read. The safety exceptions still come first (a protected destination, or
the emergency words in what was read)."""

from __future__ import annotations

from policy_core.models import Action, RuleHit
from policy_core.rules import Context, hit

NAME = "unreadable"


class Unreadable:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        why = ctx.contact.unreadable
        return hit(NAME, Action.hold, why, None) if why else None
