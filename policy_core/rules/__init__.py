"""The decision rules, one class a rule (in the manner of Mailman 3's rules): each has a `name`
and `check(ctx)`, which returns a RuleHit when the rule applies to the contact, else None.
The order they run in, and what a hit does, is the table in policy_core.chain."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from policy_core.london import LONDON
from policy_core.models import (
    Action,
    Channel,
    Contact,
    Customer,
    Restriction,
    Routes,
    RuleHit,
    SinglePointOfContact,
    Snapshot,
)
from policy_core.rules.matching import Compiled, compiled

if TYPE_CHECKING:
    from policy_core.profiles import Profile


class Context:
    """Everything a rule may look at for one contact, worked out once."""

    __slots__ = (
        "by_kind",
        "compiled",
        "contact",
        "customer",
        "local",
        "now",
        "profile",
        "routes",
        "snapshot",
        "today",
    )

    def __init__(
        self,
        contact: Contact,
        snapshot: Snapshot,
        profile: Profile,
        now: dt.datetime,
        routes: Routes,
    ) -> None:
        self.contact = contact
        self.snapshot = snapshot
        self.profile = profile
        self.now = now
        self.routes = routes
        self.customer: Customer | None = snapshot.customer
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        self.local = now.astimezone(LONDON)  # the London wall clock, for windows and dates
        self.today = self.local.date()
        self.compiled: Compiled = compiled(profile)
        # The restrictions in force today in the contact's service area, by kind, in the
        # snapshot's order. An unknown sender has none.
        by_kind: dict[str, list[Restriction]] = {}
        self.by_kind = by_kind
        if self.customer is not None and snapshot.restrictions:
            area, today = contact.service_area, self.today
            for r in snapshot.restrictions:
                if r.active_on(today) and r.covers(area):
                    found = by_kind.get(r.kind)
                    if found is None:
                        by_kind[r.kind] = [r]
                    else:
                        found.append(r)

    def officer_route(self) -> tuple[SinglePointOfContact, str] | None:
        """The first active single point of contact whose officer can take this channel, and
        the officer's address for it (e-mail for e-mail; phone for calls and SMS)."""
        by = _OFFICER_BY.get(self.contact.channel)
        if by is None:
            return None
        for r in self.by_kind.get("single_point_of_contact", ()):
            assert isinstance(r, SinglePointOfContact)
            address = r.officer.email if by == "email" else r.officer.phone
            if address:
                return r, address
        return None


_OFFICER_BY = {Channel.email: "email", Channel.phone: "phone", Channel.sms: "phone"}


@lru_cache(maxsize=4096)
def hit(rule: str, action: Action | None, detail: str, restriction_id: str | None) -> RuleHit:
    """A rule hit; hits are immutable, so equal ones are built once and shared."""
    return RuleHit(rule=rule, action=action, detail=detail, restriction_id=restriction_id)


class Rule(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, ctx: Context) -> RuleHit | None: ...


__all__ = ["LONDON", "Context", "Rule", "hit"]
