"""A contact its channel could not read whole is held for a person, whoever sent it; the
safety exceptions still win over the hold."""

from __future__ import annotations

from policy_core import Routes, decide
from policy_core.models import Action, Channel, Snapshot
from policy_core.profiles import Profile
from tests.policy_core.builders import INSIDE, contact, letter_only, snapshot

WHY = "its MIME parts nest more than 100 deep"
E = Channel.email


def test_an_unreadable_contact_is_held_with_its_reason_from_anyone(
    profile: Profile, routes: Routes
) -> None:
    for sender in (Snapshot(), snapshot(), snapshot(letter_only())):
        decision = decide(contact(E, unreadable=WHY), sender, profile, INSIDE, routes=routes)
        assert decision.action is Action.hold and decision.notice is None
        assert decision.reasons[-1].rule == "unreadable" and decision.reasons[-1].detail == WHY
        assert decision.flags == ()  # not a breach of anything: a person reads it


def test_safety_still_wins_over_the_hold(profile: Profile, routes: Routes) -> None:
    emergency = contact(E, unreadable=WHY, subject="I smell gas")
    decision = decide(emergency, Snapshot(), profile, INSIDE, routes=routes)
    assert (decision.action, decision.destination) == (Action.redirect, routes.emergency_email)
    complaint = contact(E, unreadable=WHY, destination="complaints@landlord.example")
    assert decide(complaint, Snapshot(), profile, INSIDE, routes=routes).action is Action.deliver


def test_a_readable_contact_is_decided_as_before(profile: Profile, routes: Routes) -> None:
    assert decide(contact(E), Snapshot(), profile, INSIDE, routes=routes).action is Action.deliver
