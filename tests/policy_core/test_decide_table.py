"""The decision table of DESIGN.md: every restriction kind against every channel, and the
combinations, with the action and destination a sender would see."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policy_core import Routes, decide
from policy_core.models import (
    Action,
    AppointmentOnly,
    Channel,
    FlagKind,
    Officer,
    Restriction,
    WitnessRequired,
)
from policy_core.profiles import Profile, word_list
from tests.policy_core.builders import (
    DESTINATION,
    ENDS,
    INSIDE,
    OFFICER,
    OUTSIDE,
    SOLICITOR,
    STARTED,
    contact,
    letter_only,
    phone_via_third_party,
    snapshot,
    social,
    spoc,
)

E, P, S, SO, L, V = (Channel.email, Channel.phone, Channel.sms, Channel.social,
                     Channel.letter, Channel.visit)  # fmt: skip
D, RD, H, RF = Action.deliver, Action.redirect, Action.hold, Action.refuse
SAME, MAILBOX, LINE = "same", "officer-mailbox", "officer-line"


def appointment() -> AppointmentOnly:
    return AppointmentOnly(id="r-appt", starts_on=STARTED, ends_on=ENDS, office="Council House")


def witness() -> WitnessRequired:
    return WitnessRequired(id="r-witness", starts_on=STARTED, ends_on=ENDS)


KINDS = {
    "letter_only": lambda: (letter_only(),),
    "phone_via_third_party": lambda: (phone_via_third_party(),),
    "spoc": lambda: (spoc(),),
    "appointment_only": lambda: (appointment(),),
    "witness_required": lambda: (witness(),),
    "social_restricted": lambda: (social("restricted"),),
    "social_denied": lambda: (social("denied"),),
    "letter_only+spoc": lambda: (letter_only(), spoc()),
    "spoc+social_denied": lambda: (spoc(), social("denied")),
    "phone_via_third_party+letter_only": lambda: (phone_via_third_party(), letter_only()),
    "spoc+phone_via_third_party": lambda: (spoc(), phone_via_third_party()),
    "social_restricted+letter_only": lambda: (social("restricted"), letter_only()),
    "appointment+witness+spoc": lambda: (appointment(), witness(), spoc()),
    "none": lambda: (),
}

# kind -> {channel: (action, destination)} at INSIDE (Tuesday 10:30, inside the window).
TABLE: dict[str, dict[Channel, tuple[Action, str | None]]] = {
    "letter_only": {E: (RF, None), P: (RF, None), S: (RF, None), SO: (RF, None),
                    L: (D, SAME), V: (D, SAME)},
    "phone_via_third_party": {E: (D, SAME), P: (RF, None), S: (D, SAME), SO: (D, SAME),
                              L: (D, SAME), V: (D, SAME)},
    "spoc": {E: (RD, MAILBOX), P: (RD, LINE), S: (RD, LINE), SO: (D, SAME), L: (D, SAME),
             V: (D, SAME)},
    "appointment_only": {c: (D, SAME) for c in Channel},
    "witness_required": {c: (D, SAME) for c in Channel},
    "social_restricted": {E: (D, SAME), P: (D, SAME), S: (D, SAME), SO: (H, None),
                          L: (D, SAME), V: (D, SAME)},
    "social_denied": {E: (D, SAME), P: (D, SAME), S: (D, SAME), SO: (RF, None),
                      L: (D, SAME), V: (D, SAME)},
    "letter_only+spoc": {E: (RF, None), P: (RF, None), S: (RF, None), SO: (RF, None),
                         L: (D, SAME), V: (D, SAME)},
    "spoc+social_denied": {E: (RD, MAILBOX), P: (RD, LINE), S: (RD, LINE), SO: (RF, None),
                           L: (D, SAME), V: (D, SAME)},
    "phone_via_third_party+letter_only": {E: (RF, None), P: (RF, None), S: (RF, None),
                                          SO: (RF, None), L: (D, SAME), V: (D, SAME)},
    "spoc+phone_via_third_party": {E: (RD, MAILBOX), P: (RF, None), S: (RD, LINE),
                                   SO: (D, SAME), L: (D, SAME), V: (D, SAME)},
    "social_restricted+letter_only": {E: (RF, None), P: (RF, None), S: (RF, None),
                                      SO: (RF, None), L: (D, SAME), V: (D, SAME)},
    "appointment+witness+spoc": {E: (RD, MAILBOX), P: (RD, LINE), S: (RD, LINE),
                                 SO: (D, SAME), L: (D, SAME), V: (D, SAME)},
    "none": {c: (D, SAME) for c in Channel},
}  # fmt: skip
# Outside every contact window (Tuesday 14:00) only a call to the single point of contact
# changes: it is refused with the next window instead of reaching the officer's line.
OUTSIDE_TABLE = {
    kinds: {**row, P: (RF, None)} if "spoc" in kinds else row for kinds, row in TABLE.items()
}
CASES = [
    pytest.param(k, c, at, *table[k][c], id=f"{k}-{c.value}-{label}")
    for label, at, table in (("inside", INSIDE, TABLE), ("outside", OUTSIDE, OUTSIDE_TABLE))
    for k in table
    for c in Channel
]


def where(expected: str | None, channel: Channel) -> str | None:
    if expected == SAME:
        return DESTINATION[channel]
    if expected == MAILBOX:
        return OFFICER.email
    if expected == LINE:
        return OFFICER.phone
    return None


@pytest.mark.parametrize(("kinds", "channel", "at", "action", "destination"), CASES)
def test_every_kind_on_every_channel(
    kinds: str,
    channel: Channel,
    at: dt.datetime,
    action: Action,
    destination: str | None,
    profile: Profile,
    routes: Routes,
) -> None:
    decision = decide(contact(channel, at), snapshot(*KINDS[kinds]()), profile, at, routes=routes)
    assert (decision.action, decision.destination) == (action, where(destination, channel))
    assert (decision.notice is not None) == (action is RF)
    assert decision.safety is False
    breach = [f for f in decision.flags if f.kind is FlagKind.restriction_breach]
    assert bool(breach) == (action in (RF, H))


NEXT_TUESDAY = "2026-11-17T10:00:00+00:00"


@pytest.mark.parametrize(
    ("restrictions", "key", "kind", "officer", "window"),
    [
        # Letter only: write; the officer is not offered.
        ((letter_only(), spoc()), "letter_only", "letter_only", None, None),
        # Phone only through a representative: the officer, but no window to ring in.
        ((spoc(), phone_via_third_party()), "phone_via_third_party", "phone_via_third_party",
         "Sam Officer", None),
        ((spoc(),), "spoc_outside_window", "single_point_of_contact", "Sam Officer",
         NEXT_TUESDAY),
        ((spoc(), social("denied")), "spoc_outside_window", "single_point_of_contact",
         "Sam Officer", NEXT_TUESDAY),
    ],
)  # fmt: skip
def test_a_refused_call_gets_the_notice_of_the_lasting_restriction(
    restrictions: tuple[Restriction, ...],
    key: str,
    kind: str,
    officer: str | None,
    window: str | None,
    profile: Profile,
    routes: Routes,
) -> None:
    decision = decide(contact(P, OUTSIDE), snapshot(*restrictions), profile, OUTSIDE, routes=routes)
    assert decision.action is RF and decision.notice is not None
    facts = decision.notice.facts
    assert (decision.notice.key, facts["kind"]) == (key, kind)
    assert (facts.get("officer_name"), facts.get("next_window")) == (officer, window)


def test_spoc_calls_follow_the_window_and_email_and_sms_do_not(
    profile: Profile, routes: Routes
) -> None:
    at = {True: INSIDE, False: OUTSIDE}
    for inside, when in at.items():
        call = decide(contact(P, when), snapshot(spoc()), profile, when, routes=routes)
        assert call.action is (RD if inside else RF)
        for channel in (E, S):
            other = decide(contact(channel, when), snapshot(spoc()), profile, when, routes=routes)
            assert other.action is RD


def test_spoc_without_windows_takes_calls_at_any_time(profile: Profile, routes: Routes) -> None:
    decision = decide(contact(P, OUTSIDE), snapshot(spoc(windows=())), profile, OUTSIDE)
    assert (decision.action, decision.destination) == (RD, OFFICER.phone)


def test_an_officer_without_an_address_for_the_channel_lets_it_through(
    profile: Profile, routes: Routes
) -> None:
    no_email = spoc(officer=Officer(name="Sam Officer", phone="+441332000111"))
    no_phone = spoc(officer=Officer(name="Sam Officer", email="sam@landlord.example"))
    email = decide(contact(E), snapshot(no_email), profile, INSIDE, routes=routes)
    call = decide(contact(P, OUTSIDE), snapshot(no_phone), profile, OUTSIDE, routes=routes)
    assert (email.action, email.destination) == (D, DESTINATION[E])
    assert (call.action, call.destination) == (D, DESTINATION[P])


def test_the_refusal_notice_says_what_until_when_and_how_else(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(contact(E), snapshot(letter_only()), profile, INSIDE, routes=routes)
    assert decision.notice is not None
    facts = decision.notice.facts
    assert decision.notice.key == "letter_only"
    assert facts["kind"] == "letter_only" and facts["kinds"] == ["letter_only"]
    assert facts["ends_on"] == "2027-02-28"
    assert facts["postal_address"] == routes.postal_address
    assert facts["appeal_address"] == routes.postal_address  # no separate appeal address
    assert facts["representatives"] == [{"name": "Ada Brief", "role": "solicitor"}]
    assert facts["appeal_open"] is False
    # The renderer supplies these itself; a fact of the same name would clash.
    assert not {"channel", "notice", "org"} & facts.keys()


def test_the_notice_gives_the_appeal_address_when_there_is_one(
    profile: Profile, routes: Routes
) -> None:
    own = routes.model_copy(update={"appeal_address": "Customer Experience Team, PO Box 1"})
    decision = decide(contact(S), snapshot(letter_only()), profile, INSIDE, routes=own)
    assert decision.notice is not None
    assert decision.notice.facts["appeal_address"] == "Customer Experience Team, PO Box 1"
    bare = decide(contact(S), snapshot(letter_only()), profile, INSIDE)
    assert bare.notice is not None and "appeal_address" not in bare.notice.facts


def test_reasons_list_every_hit_in_order_without_personal_data(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(
        contact(E), snapshot(letter_only(), spoc(), witness()), profile, INSIDE, routes=routes
    )
    assert [(r.rule, r.action, r.restriction_id) for r in decision.reasons] == [
        ("letter_only", RF, "r-letter"),
        ("single_point_of_contact", RD, "r-spoc"),
        ("witness_required", D, "r-witness"),
    ]
    text = " ".join(r.detail for r in decision.reasons)
    assert "sam.officer@" not in text and "tenant@" not in text and "Sam" not in text


def test_restrictions_apply_only_on_their_dates_and_in_their_service_areas(
    profile: Profile, routes: Routes
) -> None:
    def email_on(day: dt.date, **fields: object) -> Action:
        at = dt.datetime.combine(day, dt.time(12), tzinfo=INSIDE.tzinfo)
        restriction = letter_only(**fields)
        return decide(contact(E, at), snapshot(restriction), profile, at, routes=routes).action

    assert email_on(STARTED) is RF and email_on(ENDS) is RF
    assert email_on(STARTED - dt.timedelta(days=1)) is D
    assert email_on(ENDS + dt.timedelta(days=1)) is D  # expired: does nothing
    areas = {"service_areas": ("repairs",)}
    at = INSIDE
    for area, expected in (("repairs", RF), ("rents", D), (None, RF)):
        decision = decide(
            contact(E, service_area=area), snapshot(letter_only(**areas)), profile, at
        )
        assert decision.action is expected, area


def test_the_local_date_decides_whether_a_restriction_is_active(profile: Profile) -> None:
    # 23:30 UTC on 28 Feb 2027 is still 28 Feb in London (GMT): the last day, still in force.
    last_evening = dt.datetime(2027, 2, 28, 23, 30, tzinfo=dt.UTC)
    decision = decide(contact(E, last_evening), snapshot(letter_only()), profile, last_evening)
    assert decision.action is RF
    # 23:30 UTC on 31 Aug is 00:30 on 1 Sep in London (BST): not yet started.
    starting = letter_only(starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 8, 31))
    before = dt.datetime(2026, 8, 31, 22, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 8, 31, 23, 30, tzinfo=dt.UTC)
    assert decide(contact(E, before), snapshot(starting), profile, before).action is D
    assert decide(contact(E, after), snapshot(starting), profile, after).action is RF


def test_an_open_appeal_relaxes_nothing(profile: Profile, routes: Routes) -> None:
    decision = decide(
        contact(E), snapshot(letter_only(), appeal_open=True), profile, INSIDE, routes=routes
    )
    assert decision.action is RF and decision.notice is not None
    assert decision.notice.facts["appeal_open"] is True


def test_unknown_senders_are_delivered(profile: Profile, routes: Routes) -> None:
    from policy_core.models import Snapshot

    decision = decide(contact(E), Snapshot(), profile, INSIDE, routes=routes)
    assert (decision.action, decision.destination) == (D, DESTINATION[E])
    assert [r.rule for r in decision.reasons] == ["unknown_sender"]


def test_no_restriction_is_delivered_with_a_reason(profile: Profile) -> None:
    decision = decide(contact(E), snapshot(), profile, INSIDE)
    assert [(r.rule, r.action) for r in decision.reasons] == [("otherwise", D)]


@pytest.mark.parametrize("channel", [P, E, S])
def test_a_representative_gets_through_or_reaches_the_single_point_of_contact(
    channel: Channel, profile: Profile, routes: Routes
) -> None:
    for restrictions, expected in (
        ((phone_via_third_party(), letter_only()), (D, DESTINATION[channel])),
        ((letter_only(), spoc()), (RD, OFFICER.email if channel is E else OFFICER.phone)),
    ):
        decision = decide(
            contact(channel, OUTSIDE),
            snapshot(*restrictions, representative=SOLICITOR),
            profile,
            OUTSIDE,
            routes=routes,
        )
        assert (decision.action, decision.destination) == expected
        assert [r.rule for r in decision.reasons] == ["representative"]
        assert decision.flags == ()


@pytest.mark.parametrize("channel", [E, P, S, SO])
def test_an_adjustment_channel_is_never_refused(
    channel: Channel, profile: Profile, routes: Routes
) -> None:
    restrictions = (letter_only(), social("denied"), phone_via_third_party())
    plain = decide(contact(channel), snapshot(*restrictions), profile, INSIDE, routes=routes)
    adjusted = decide(
        contact(channel),
        snapshot(*restrictions, adjustments=(channel,)),
        profile,
        INSIDE,
        routes=routes,
    )
    assert plain.action is RF
    assert (adjusted.action, adjusted.destination) == (D, DESTINATION[channel])
    assert adjusted.reasons[-1].rule == "adjustment"


def test_a_naive_time_is_refused(profile: Profile) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(contact(E), snapshot(), profile, dt.datetime(2026, 11, 10, 10, 30))


def test_decisions_are_deterministic(profile: Profile, routes: Routes) -> None:
    args = (contact(P, OUTSIDE), snapshot(spoc(), letter_only()), profile, OUTSIDE)
    assert decide(*args, routes=routes) == decide(*args, routes=routes)


# Safety: emergencies and protected destinations.

GAS = "There is a GAS LEAK in the kitchen, please send someone."


@pytest.mark.parametrize(
    ("channel", "route"),
    [(E, "emergency_email"), (SO, "emergency_email"), (P, "emergency_phone"),
     (S, "emergency_phone")],
)  # fmt: skip
def test_an_emergency_from_a_restricted_customer_goes_to_the_emergency_route(
    channel: Channel, route: str, profile: Profile, routes: Routes
) -> None:
    restrictions = (letter_only(), social("restricted"))
    decision = decide(
        contact(channel, text=GAS), snapshot(*restrictions), profile, INSIDE, routes=routes
    )
    assert (decision.action, decision.destination) == (RD, getattr(routes, route))
    assert decision.safety is True and decision.notice is None
    assert (decision.reasons[0].rule, decision.reasons[0].action) == ("emergency", RD)
    assert [f.kind for f in decision.flags] == [FlagKind.emergency_override]
    evidence = decision.flags[0].evidence
    assert evidence["instead_of"] == "refuse" and evidence["overridden_rule"] == "letter_only"
    assert "gas" not in str(evidence).lower()


def test_the_phone_menus_emergency_option_overrides_a_refusal(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(
        contact(P, OUTSIDE, emergency_option=True, text=""),
        snapshot(spoc(), phone_via_third_party()),
        profile,
        OUTSIDE,
        routes=routes,
    )
    assert (decision.action, decision.destination) == (RD, routes.emergency_phone)


def test_an_emergency_held_on_social_media_is_redirected_too(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(
        contact(SO, text="Flood from the flat above!"),
        snapshot(social("restricted")),
        profile,
        INSIDE,
        routes=routes,
    )
    assert (decision.action, decision.destination) == (RD, routes.emergency_email)


def test_without_an_emergency_route_the_emergency_is_delivered(profile: Profile) -> None:
    decision = decide(contact(E, text=GAS), snapshot(letter_only()), profile, INSIDE)
    assert (decision.action, decision.destination) == (D, DESTINATION[E])
    assert decision.safety is True
    assert [f.kind for f in decision.flags] == [FlagKind.emergency_override]


def test_an_emergency_from_an_unrestricted_sender_is_delivered_as_usual(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(contact(E, text=GAS), snapshot(), profile, INSIDE, routes=routes)
    assert (decision.action, decision.destination) == (D, DESTINATION[E])
    assert [(r.rule, r.action) for r in decision.reasons] == [("emergency", None), ("otherwise", D)]
    assert decision.safety is True and decision.flags == ()


def test_an_emergency_through_the_single_point_of_contact_goes_to_the_emergency_team(
    profile: Profile, routes: Routes
) -> None:
    # The officer may be away; an emergency does not wait for their mailbox.
    decision = decide(contact(E, text=GAS), snapshot(spoc()), profile, INSIDE, routes=routes)
    assert decision.action is RD


@pytest.mark.parametrize(
    ("subject", "text", "emergency"),
    [
        ("", "The FIRE! brigade came", True),
        ("", "I lit the fireplace", False),
        ("", "worried about self harm", True),
        ("", "worried about Self  -  Harm", True),
        ("", "I can\u2019t breathe with this mould", True),
        ("Smell gas", "", True),
        ("no", "heating is fine now", False),
        ("", "no-heating since Monday", True),
        ("", "firefighters are lovely", False),
        ("", "CARBON\nMONOXIDE alarm", True),
        ("", "Un feu: fire\u00e9", False),
        ("", "caf\u00e9 on fire", True),
    ],
)
def test_emergency_words_match_whole_words_and_phrases(
    subject: str, text: str, emergency: bool, profile: Profile, routes: Routes
) -> None:
    decision = decide(
        contact(E, subject=subject, text=text),
        snapshot(letter_only()),
        profile,
        INSIDE,
        routes=routes,
    )
    assert (decision.action is RD) == emergency
    assert decision.safety == emergency


@pytest.mark.parametrize(
    "destination",
    ["Complaints@Landlord.example", "dpo@landlord.example", "emergency-repairs@landlord.example"],
)
def test_a_protected_destination_is_delivered_whatever_the_restrictions(
    destination: str, profile: Profile, routes: Routes
) -> None:
    restrictions = (letter_only(), spoc(), social("denied"))
    decision = decide(
        contact(E, destination=destination, text=GAS),
        snapshot(*restrictions),
        profile,
        INSIDE,
        routes=routes,
    )
    assert (decision.action, decision.destination) == (D, destination)
    assert decision.safety is True and decision.notice is None
    assert [(r.rule, r.action) for r in decision.reasons[:2]] == [
        ("protected_destination", D),
        ("emergency", None),
    ]
    assert decision.flags[0].evidence["rule"] == "protected_destination"


def test_a_protected_destination_for_an_unrestricted_sender_is_just_delivered(
    profile: Profile, routes: Routes
) -> None:
    decision = decide(
        contact(E, destination="complaints@landlord.example"), snapshot(), profile, INSIDE
    )
    assert decision.action is D and decision.safety is True and decision.flags == ()
    assert decision.reasons[0].action is None


SHIPPED = Path(__file__).resolve().parents[2] / "config" / "words"


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("I can smell gas on the landing", True),
        ("Water is pouring through the ceiling, it's flooding the kitchen", True),
        ("We have had no heating for three days and the baby is cold", True),
        ("The socket is sparking when I plug anything in", True),
        ("My neighbour is being violent and I am scared", True),
        ("Black mould all over the bedroom wall and my son has asthma", True),
        ("I feel suicidal and don't know what to do", True),
        ("The carbon monoxide alarm keeps beeping", True),
        ("Please can you send me a copy of my rent statement", False),
        ("I would like to complain about how long my repair is taking", False),
        ("When is the bin collection changing over Christmas?", False),
        ("Can I have permission to put up a garden fence?", False),
        ("I want to swap my flat for a house nearer my mum", False),
    ],
)
def test_the_shipped_safety_list_finds_emergencies_and_leaves_everyday_contact_alone(
    text: str, emergency: bool, profile: Profile, routes: Routes
) -> None:
    words = word_list((SHIPPED / "safety.txt").read_text(encoding="utf-8"))
    shipped = profile.model_copy(update={"safety_words": words})
    restricted = snapshot(letter_only())
    decision = decide(contact(E, text=text), restricted, shipped, INSIDE, routes=routes)
    assert (decision.action is RD) == emergency


@pytest.mark.parametrize(
    ("restrictions", "own"),
    [
        ((letter_only(),), (RF, None)),
        ((letter_only(), spoc()), (RF, None)),
        ((), (D, DESTINATION[E])),
    ],
    ids=["letter_only", "letter_only+spoc", "none"],
)
def test_an_unauthenticated_representative_address_is_decided_as_the_customers_own(
    restrictions: tuple[Restriction, ...],
    own: tuple[Action, str | None],
    profile: Profile,
    routes: Routes,
) -> None:
    def decided(authenticated: bool | None, representative: bool) -> tuple[object, ...]:
        decision = decide(
            contact(E, OUTSIDE, authenticated=authenticated),
            snapshot(*restrictions, representative=SOLICITOR if representative else None),
            profile,
            OUTSIDE,
            routes=routes,
        )
        rules = [r.rule for r in decision.reasons]
        return decision.action, decision.destination, rules

    customers_own = decided(True, representative=False)
    assert customers_own[:2] == own
    forged = decided(False, representative=True)
    assert forged[:2] == own
    assert forged[2] == ["unverified_sender", *customers_own[2]]
    bypass = (RD, OFFICER.email) if spoc() in restrictions else (D, DESTINATION[E])
    for authenticated in (True, None):  # None: a channel that cannot say, as before
        action, destination, rules = decided(authenticated, representative=True)
        assert ((action, destination), rules) == (bypass, ["representative"])


def test_an_unauthenticated_customer_address_is_decided_as_before_and_noted(
    profile: Profile, routes: Routes
) -> None:
    for restrictions in ((letter_only(),), (spoc(),), ()):
        verified = decide(
            contact(E, authenticated=True), snapshot(*restrictions), profile, INSIDE, routes=routes
        )
        forged = decide(
            contact(E, authenticated=False), snapshot(*restrictions), profile, INSIDE, routes=routes
        )
        assert (forged.action, forged.destination) == (verified.action, verified.destination)
        assert forged.reasons[0].rule == "unverified_sender"
        assert forged.reasons[1:] == verified.reasons
