"""The facts of a refusal notice: what the restriction is, until when, how to make contact
instead (the postal address, the representatives, the officer and their next contact window)
and how to appeal. The gateway renders them with config/templates/notices/ and adds the
organisation's own facts. `channel`, `notice` and `org` are the renderer's names, never facts."""

from __future__ import annotations

from typing import Any

from policy_core.models import Action, Notice, SinglePointOfContact
from policy_core.rules import Context
from policy_core.rules.restrictions import spoc_judgement
from policy_core.windows import next_window


def refusal_notice(ctx: Context, key: str, kind: str) -> Notice:
    """Notice `key` for a contact refused because of a restriction of `kind`."""
    by_kind = ctx.by_kind
    facts: dict[str, Any] = {"kind": kind, "kinds": sorted(by_kind)}
    of_kind = by_kind.get(kind)
    if of_kind:
        ends_on = of_kind[0].ends_on if len(of_kind) == 1 else max(r.ends_on for r in of_kind)
        facts["ends_on"] = ends_on.isoformat()
    # The officer route, unless the customer may only write (letters go to the postal address).
    spocs = (
        [r for r in by_kind["single_point_of_contact"] if isinstance(r, SinglePointOfContact)]
        if "single_point_of_contact" in by_kind and "letter_only" not in by_kind
        else None
    )
    if spocs:
        spoc = spocs[0]
        if kind == "single_point_of_contact":
            refusing = [s for s in spocs if spoc_judgement(ctx, s)[0] is Action.refuse]
            spoc = refusing[0] if refusing else spoc
        facts["officer_name"] = spoc.officer.name
        # A window is worth offering only when a call in it would reach the officer.
        if "phone_via_third_party" not in by_kind:
            upcoming = next_window(spoc.windows, ctx.now)
            if upcoming is not None:
                facts["next_window"] = upcoming.isoformat()
    customer = ctx.customer
    if customer is not None and customer.representatives:
        facts["representatives"] = [
            {"name": r.name, "role": r.role.value} for r in customer.representatives
        ]
    routes = ctx.routes
    if routes.postal_address:
        facts["postal_address"] = routes.postal_address
    # The appeal route: where to write (the postal address when no other is given), and
    # whether an appeal is already being heard (the restriction stays in force meanwhile).
    appeal_address = routes.appeal_address or routes.postal_address
    if appeal_address:
        facts["appeal_address"] = appeal_address
    facts["appeal_open"] = ctx.snapshot.appeal_open
    return Notice(key=key, facts=facts)
