"""Rule 2, authorised representative: contact from a registered representative of the
customer is delivered, or redirected to the single point of contact where one is set. A
representative's address that was not authenticated (`Contact.authenticated` False: a forged
From, say) bypasses nothing: the contact is decided as the customer's own would be."""

from __future__ import annotations

from policy_core.models import Action, RuleHit
from policy_core.rules import Context, hit

NAME = "representative"


class AuthorisedRepresentative:
    name = NAME

    def check(self, ctx: Context) -> RuleHit | None:
        representative = ctx.snapshot.representative
        if representative is None or ctx.contact.authenticated is False:
            return None
        role = representative.role.value
        route = ctx.officer_route()
        if route is None:
            return hit(NAME, Action.deliver, f"registered {role}", None)
        detail = f"registered {role}: to the single point of contact"
        return hit(NAME, Action.redirect, detail, route[0].id or None)
