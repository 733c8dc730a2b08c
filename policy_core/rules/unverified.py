"""An unverified sender: a contact that claims a customer's (or a representative's) address
without proof of it (for e-mail: no aligned DKIM or SPF pass). It is noted among the
decision's reasons and decides nothing: the contact is still counted and decided, but the
evidence says it may not be theirs, and a representative gets no bypass (rule 2)."""

from __future__ import annotations

from policy_core.models import RuleHit
from policy_core.rules import Context

NAME = "unverified_sender"
CUSTOMER = RuleHit(rule=NAME, detail="the sender's address was not authenticated")
REPRESENTATIVE = RuleHit(
    rule=NAME,
    detail="the representative's address was not authenticated: decided as the customer's own",
)


class UnverifiedSender:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        if ctx.contact.authenticated is not False or ctx.customer is None:
            return None
        return CUSTOMER if ctx.snapshot.representative is None else REPRESENTATIVE
