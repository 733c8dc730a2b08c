"""The decision: the rules in order, as data, walked by one loop that records every hit.

Each link of the chain says what a hit of its rule does:
- `override` (safety): recorded; when the rest of the chain would not deliver, the link's own
  action and target win instead (the emergency route, or the protected destination), and the
  decision is flagged. Otherwise the hit stays a reason with no action.
- `stop`: the hit decides (unknown sender, representative, adjustment); later rules are not
  checked, so a restriction never outweighs these exceptions.
- `note`: recorded as a reason, decides nothing (an unverified sender).
- `strictest`: a candidate (one restriction kind); the strictest candidate decides, the first
  of equals. Deliver < redirect < hold < refuse.
Nothing hit: deliver. Pure and deterministic: the same arguments give the same Decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from policy_core.flags import emergency_override, restriction_breach
from policy_core.models import (
    NO_ROUTES,
    Action,
    Channel,
    Contact,
    Decision,
    Flag,
    Routes,
    RuleHit,
    Snapshot,
)
from policy_core.notices import refusal_notice
from policy_core.profiles import Profile
from policy_core.rules import Context, Rule
from policy_core.rules.adjustment import ReasonableAdjustment
from policy_core.rules.otherwise import HIT as OTHERWISE_HIT
from policy_core.rules.otherwise import Otherwise
from policy_core.rules.protected import ProtectedDestination
from policy_core.rules.representative import AuthorisedRepresentative
from policy_core.rules.restrictions import (
    AppointmentOnly,
    LetterOnly,
    PhoneViaThirdParty,
    SinglePointOfContactRule,
    SocialMediaRule,
    WitnessRequired,
)
from policy_core.rules.safety import Emergency
from policy_core.rules.unknown import UnknownSender
from policy_core.rules.unreadable import Unreadable
from policy_core.rules.unverified import UnverifiedSender


class Then(StrEnum):
    override = "override"
    stop = "stop"
    note = "note"
    strictest = "strictest"


class Target(StrEnum):
    destination = "destination"  # where the contact was addressed
    officer = "officer"  # the single point of contact's address for the channel
    emergency = "emergency"  # the organisation's emergency route for the channel


@dataclass(frozen=True, slots=True)
class Link:
    rule: Rule
    then: Then
    action: Action | None = None  # what an override imposes; None: the hit's own action
    target: Target = Target.destination  # where a redirect goes
    notice: str | None = None  # the notice key when the hit refuses; default: the rule's name


CHAIN: tuple[Link, ...] = (
    Link(ProtectedDestination(), Then.override, Action.deliver),
    Link(Emergency(), Then.override, Action.redirect, Target.emergency),
    Link(UnverifiedSender(), Then.note),
    Link(Unreadable(), Then.stop),  # held for a person, from anyone
    Link(UnknownSender(), Then.stop),
    Link(AuthorisedRepresentative(), Then.stop, target=Target.officer),
    Link(ReasonableAdjustment(), Then.stop),
    # Of equally strict restrictions the first here names the notice: the lasting one.
    Link(LetterOnly(), Then.strictest),
    Link(PhoneViaThirdParty(), Then.strictest),
    Link(SocialMediaRule(), Then.strictest),
    Link(
        SinglePointOfContactRule(),
        Then.strictest,
        target=Target.officer,
        notice="spoc_outside_window",
    ),
    Link(AppointmentOnly(), Then.strictest),
    Link(WitnessRequired(), Then.strictest),
)
OTHERWISE = Link(Otherwise(), Then.stop)  # when nothing above decided
# Enum members looked up once: class attribute look-ups on enums are slow on Python 3.11.
OVERRIDE, STOP, NOTE, STRICTEST = Then.override, Then.stop, Then.note, Then.strictest
DELIVER, REDIRECT, HOLD, REFUSE = Action.deliver, Action.redirect, Action.hold, Action.refuse
OFFICER, EMERGENCY = Target.officer, Target.emergency
STRICTNESS: dict[Action | None, int] = {None: -1, **{a: a.strictness for a in Action}}
EMERGENCY_ROUTE = {
    Channel.email: "emergency_email",
    Channel.social: "emergency_email",
    Channel.phone: "emergency_phone",
    Channel.sms: "emergency_phone",
}


def decide(
    contact: Contact,
    snapshot: Snapshot,
    profile: Profile,
    now: dt.datetime,
    *,
    routes: Routes = NO_ROUTES,
) -> Decision:
    """What to do with one contact, and why."""
    ctx = Context(contact, snapshot, profile, now, routes)
    reasons: list[RuleHit] = []
    safety: list[tuple[int, Link]] = []
    chosen: tuple[Link, RuleHit] | None = None
    for link in CHAIN:
        hit = link.rule.check(ctx)
        if hit is None:
            continue
        reasons.append(hit)
        if link.then is OVERRIDE:
            safety.append((len(reasons) - 1, link))
            continue
        if link.then is NOTE:
            continue
        if chosen is None or STRICTNESS[hit.action] > STRICTNESS[chosen[1].action]:
            chosen = (link, hit)
        if link.then is STOP:
            break
    if chosen is None:
        chosen = (OTHERWISE, OTHERWISE_HIT)
        reasons.append(OTHERWISE_HIT)
    link, hit = chosen
    action = hit.action or DELIVER
    if safety and action is not DELIVER:
        return _overridden(ctx, reasons, safety[0], hit)
    destination = _target(ctx, link.target) if action is REDIRECT else None
    if action is DELIVER or (action is REDIRECT and destination is None):
        action, destination = DELIVER, contact.destination
    flags: tuple[Flag, ...] = ()
    notice = None
    if link.then is STRICTEST and (action is REFUSE or action is HOLD):
        flags = (restriction_breach(contact.channel, action, hit),)
        if action is REFUSE:
            notice = refusal_notice(ctx, link.notice or hit.rule, hit.rule)
    return Decision(
        action=action,
        destination=destination,
        notice=notice,
        reasons=tuple(reasons),
        flags=flags,
        safety=bool(safety),
    )


def _target(ctx: Context, target: Target) -> str | None:
    if target is OFFICER:
        route = ctx.officer_route()
        return None if route is None else route[1]
    if target is EMERGENCY:
        route_name = EMERGENCY_ROUTE.get(ctx.contact.channel)
        if route_name is None:
            return None
        address: str | None = getattr(ctx.routes, route_name)
        return address
    return ctx.contact.destination


def _overridden(
    ctx: Context, reasons: list[RuleHit], safety: tuple[int, Link], hit: RuleHit
) -> Decision:
    """A safety exception wins over what the rest of the chain decided."""
    index, override = safety
    instead_of = hit.action or DELIVER
    action = override.action or DELIVER
    destination = _target(ctx, override.target)
    if destination is None:
        action, destination = DELIVER, ctx.contact.destination
    first = reasons[index]
    reasons[index] = first.model_copy(
        update={"action": action, "detail": f"{first.detail}; instead of {instead_of.value}"}
    )
    flag = emergency_override(ctx.contact.channel, override.rule.name, instead_of, hit)
    return Decision(
        action=action, destination=destination, reasons=tuple(reasons), flags=(flag,), safety=True
    )
