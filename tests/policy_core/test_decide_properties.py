"""Properties the policy promises whatever the restrictions, the sender and the time."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_core import Routes, compute_flags, decide
from policy_core.models import (
    Action,
    Adjustment,
    AppointmentOnly,
    Channel,
    Contact,
    ContactWindow,
    LetterOnly,
    Officer,
    PhoneViaThirdParty,
    RecentContacts,
    Restriction,
    SinglePointOfContact,
    Snapshot,
    SocialMedia,
    WitnessRequired,
)
from policy_core.rules.matching import WordList
from tests.policy_core.builders import DESTINATION, SENDER, SOLICITOR, customer
from tests.policy_core.conftest import ROUTES, SAFETY_WORDS, make_profile

PROFILE = make_profile()
SOME = settings(max_examples=200, deadline=None)
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2027, 12, 31)

# Dense rather than wide: most restrictions in force, most calls near a window's edges, so
# that combinations (two of a kind, one inside and one outside a window) come up often.
nows = st.builds(
    lambda day, minute: (
        dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    ),
    st.dates(min_value=FIRST, max_value=LAST - dt.timedelta(1)),
    st.sampled_from([0, 539, 540, 600, 659, 660, 719, 720, 1020, 1380]),
)
in_force = st.one_of(
    st.just((dt.date(2025, 6, 1), dt.date(2028, 6, 1))),
    st.just((dt.date(2025, 6, 1), dt.date(2028, 6, 1))),
    st.tuples(
        st.dates(min_value=dt.date(2025, 1, 1), max_value=LAST),
        st.integers(min_value=0, max_value=800),
    ).map(lambda p: (p[0], p[0] + dt.timedelta(days=p[1]))),
)
areas = st.sampled_from([(), (), ("repairs",), ("repairs", "rents"), ("gardens",)])
EVERY_DAY = tuple(
    ContactWindow(weekday=d, start=dt.time(10), end=dt.time(12))
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
SUNDAY_EARLY = ContactWindow(weekday="sun", start=dt.time(0), end=dt.time(9))
windows = st.sampled_from([(), EVERY_DAY, EVERY_DAY[1:2], (SUNDAY_EARLY,)])
KINDS = [
    "letter_only",
    "phone_via_third_party",
    "single_point_of_contact",
    "appointment_only",
    "witness_required",
    "social_media",
]
PLAIN = {
    "letter_only": LetterOnly,
    "phone_via_third_party": PhoneViaThirdParty,
    "witness_required": WitnessRequired,
}


@st.composite
def restrictions(
    draw: st.DrawFn,
    dates: st.SearchStrategy[tuple[dt.date, dt.date]] = in_force,
    area: st.SearchStrategy[tuple[str, ...]] = areas,
    kinds: tuple[str, ...] = tuple(KINDS),
) -> Restriction:
    kind = draw(st.sampled_from(kinds))
    starts_on, ends_on = draw(dates)
    common = {"starts_on": starts_on, "ends_on": ends_on, "service_areas": draw(area), "id": kind}
    if kind == "single_point_of_contact":
        officer = Officer(
            name="Sam Officer",
            email=draw(st.sampled_from([None, "sam@landlord.example"])),
            phone=draw(st.sampled_from([None, "+441332000111"])),
        )
        return SinglePointOfContact(officer=officer, windows=draw(windows), **common)
    if kind == "social_media":
        return SocialMedia(level=draw(st.sampled_from(["restricted", "denied"])), **common)
    if kind == "appointment_only":
        return AppointmentOnly(office="Council House", **common)
    return PLAIN[kind](**common)  # type: ignore[no-any-return]


TEXTS = [
    "About my rent statement, please call me back.",
    "There is a gas leak in the flat!",
    "Water is everywhere, a real FLOOD",
    "You idiot, I know where you live.",
    "",
]


@st.composite
def contacts(draw: st.DrawFn, channel: st.SearchStrategy[Channel] | None = None) -> Contact:
    chosen = draw(channel if channel is not None else st.sampled_from(list(Channel)))
    return Contact(
        channel=chosen,
        sender=SENDER[chosen],
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        destination=draw(
            st.sampled_from([DESTINATION[chosen], DESTINATION[chosen], "complaints@landlord.x"])
        ),
        subject=draw(st.sampled_from(["", "Rent", "No heating"])),
        text=draw(st.sampled_from(TEXTS)),
        emergency_option=draw(st.booleans()) if chosen is Channel.phone else False,
        service_area=draw(st.sampled_from([None, "repairs", "rents"])),
    )


@st.composite
def snapshots(draw: st.DrawFn, each: st.SearchStrategy[Restriction] | None = None) -> Snapshot:
    adjusted = draw(st.lists(st.sampled_from(list(Channel)), max_size=2, unique=True))
    return Snapshot(
        customer=customer(tuple(adjusted)),
        representative=draw(st.sampled_from([None, None, SOLICITOR])),
        restrictions=tuple(draw(st.lists(restrictions() if each is None else each, max_size=4))),
        appeal_open=draw(st.booleans()),
    )


routes = st.sampled_from([ROUTES, Routes()])


# A restriction that cannot be in force for any `now` drawn: over before, or not yet begun,
# or for another service area than any contact's.
not_in_force = st.one_of(
    restrictions(dates=st.just((dt.date(2024, 1, 1), FIRST - dt.timedelta(1)))),
    restrictions(dates=st.just((LAST + dt.timedelta(1), dt.date(2029, 1, 1)))),
    restrictions(area=st.just(("gardens",))),
)


@SOME
@given(contacts(), snapshots(not_in_force), nows, routes)
def test_without_an_active_restriction_every_contact_is_delivered(
    contact: Contact, snapshot: Snapshot, now: dt.datetime, route: Routes
) -> None:
    if contact.service_area is None:  # a contact with no area is covered by every restriction
        contact = contact.model_copy(update={"service_area": "repairs"})
    decision = decide(contact, snapshot, PROFILE, now, routes=route)
    assert (decision.action, decision.destination) == (Action.deliver, contact.destination)
    assert decision.notice is None and decision.flags == ()


# Ways a contact says it is an emergency: a listed phrase in the subject or the text, or (on a
# call) the emergency option of the phone menu.
emergencies = st.sampled_from(
    [
        {"subject": "GAS LEAK"},
        {"text": "Water everywhere, a real flood, please help"},
        {"text": "I think there's carbon monoxide in the flat"},
        {"text": "worried about self-harm"},
        {"emergency_option": True},
    ]
)


@SOME
@given(contacts(), emergencies, snapshots(), nows, routes)
def test_an_emergency_is_never_refused_or_held(
    contact: Contact, said: dict[str, object], snapshot: Snapshot, now: dt.datetime, route: Routes
) -> None:
    if "emergency_option" in said:
        contact = contact.model_copy(update={"channel": Channel.phone, **said})
    else:
        contact = contact.model_copy(update=said)
    decision = decide(contact, snapshot, PROFILE, now, routes=route)
    assert decision.action in (Action.deliver, Action.redirect)
    assert decision.safety and decision.notice is None
    assert not any(f.kind.value == "restriction_breach" for f in decision.flags)


@SOME
@given(contacts(st.just(Channel.phone)), snapshots(), nows, routes, st.integers(0, 4))
def test_a_representatives_call_is_never_refused_under_phone_via_third_party(
    contact: Contact, snapshot: Snapshot, now: dt.datetime, route: Routes, at: int
) -> None:
    rules = list(snapshot.restrictions)
    rules.insert(min(at, len(rules)), PhoneViaThirdParty(starts_on=FIRST, ends_on=LAST))
    acting = snapshot.model_copy(update={"representative": SOLICITOR, "restrictions": tuple(rules)})
    assert decide(contact, acting, PROFILE, now, routes=route).action is not Action.refuse


@SOME
@given(contacts(), snapshots(), nows, routes)
def test_an_adjustment_channel_is_never_refused(
    contact: Contact, snapshot: Snapshot, now: dt.datetime, route: Routes
) -> None:
    assert snapshot.customer is not None
    adjusted = snapshot.customer.model_copy(
        update={"adjustments": (Adjustment(channel=contact.channel),)}
    )
    snapshot = snapshot.model_copy(update={"customer": adjusted})
    decision = decide(contact, snapshot, PROFILE, now, routes=route)
    assert decision.action not in (Action.refuse, Action.hold)


@settings(max_examples=300, deadline=None)
@given(contacts(), snapshots(), restrictions(), st.integers(0, 4), nows, routes)
def test_adding_a_restriction_never_makes_a_decision_less_strict(
    contact: Contact,
    snapshot: Snapshot,
    extra: Restriction,
    at: int,
    now: dt.datetime,
    route: Routes,
) -> None:
    before = decide(contact, snapshot, PROFILE, now, routes=route)
    rules = list(snapshot.restrictions)
    rules.insert(min(at, len(rules)), extra)
    after = decide(
        contact,
        snapshot.model_copy(update={"restrictions": tuple(rules)}),
        PROFILE,
        now,
        routes=route,
    )
    assert after.action.strictness >= before.action.strictness


@SOME
@given(
    contacts(st.sampled_from([Channel.phone, Channel.email, Channel.sms, Channel.social])),
    st.lists(restrictions(kinds=("single_point_of_contact", "social_media")), min_size=2),
    nows,
    st.data(),
)
def test_the_order_of_restrictions_does_not_matter(
    contact: Contact, rules: list[Restriction], now: dt.datetime, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(rules))
    first, again = (
        decide(contact, Snapshot(customer=customer(), restrictions=tuple(r)), PROFILE, now)
        for r in (rules, shuffled)
    )
    assert first.action is again.action


@SOME
@given(contacts(), snapshots(), nows, routes)
def test_every_decision_explains_itself_and_flags_never_change_it(
    contact: Contact, snapshot: Snapshot, now: dt.datetime, route: Routes
) -> None:
    decision = decide(contact, snapshot, PROFILE, now, routes=route)
    assert decision == decide(contact, snapshot, PROFILE, now, routes=route)
    assert decision.reasons and any(r.action is decision.action for r in decision.reasons)
    assert (decision.notice is not None) == (decision.action is Action.refuse)
    if decision.action is Action.deliver:
        assert decision.destination == contact.destination
    else:
        assert (decision.destination is None) == (decision.action is not Action.redirect)
    recent = RecentContacts(last_hour=99, channels_in_window=frozenset(Channel))
    flags = compute_flags(contact, decision, recent, PROFILE)
    assert flags[: len(decision.flags)] == decision.flags
    assert len({f.kind for f in flags}) == len(flags)


# The word matcher skips its pattern when a cheap look at the words says nothing can match;
# it must agree with the plain pattern on any text.
PIECES = [*SAFETY_WORDS, "gas", "leak", "self", "harm", "can", "t", "breathe", "fire", "fly"]
PIECES += [" ", "  ", "-", "'", "\u2019", "!", ".", "\n", "\t", "\x00", "_", "é", "É", "K", "X"]


def plain(words: tuple[str, ...], text: str) -> bool:
    folded = text.lower().replace("\u2018", "'").replace("\u2019", "'")
    return any(
        re.search(
            r"(?<!\w)" + r"[\s\-]+".join(map(re.escape, re.split(r"[\s\-]+", w))) + r"(?!\w)",
            folded,
        )
        for w in words
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_the_word_matcher_agrees_with_the_plain_pattern(text: str) -> None:
    assert WordList(SAFETY_WORDS).search(text) == plain(SAFETY_WORDS, text)
