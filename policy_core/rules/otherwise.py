"""Rule 5: nothing else decided, so the contact is delivered."""

from __future__ import annotations

from policy_core.models import Action, RuleHit
from policy_core.rules import Context

NAME = "otherwise"
HIT = RuleHit(rule=NAME, action=Action.deliver, detail="no restriction applies")


class Otherwise:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        return HIT
