"""Flags: a prompt for an officer at each threshold, with evidence that never quotes a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz import fuzz, utils

from policy_core import Routes, compute_flags, decide
from policy_core.models import Channel, Decision, Flag, FlagKind, RecentContacts
from policy_core.profiles import Profile, RepeatedComplaintThreshold, word_list
from tests.policy_core.builders import INSIDE, contact, letter_only, snapshot, social

COMPLAINT = (
    "The repair to the bathroom window was never finished and the draught is getting worse "
    "every week, I want a manager to look at it."
)
REWORDED = (
    "The repair to the bathroom window was never finished and the draught gets worse every "
    "week, I want a manager to look at it now."
)
UNRELATED = "Could you tell me when the next estate walkabout is planned for our block please?"


def flags_for(
    profile: Profile,
    recent: RecentContacts,
    *,
    channel: Channel = Channel.email,
    subject: str = "",
    text: str = "Please call me back.",
    decision: Decision | None = None,
) -> dict[FlagKind, Flag]:
    c = contact(channel, subject=subject, text=text)
    decision = decision or decide(c, snapshot(), profile, INSIDE)
    found = compute_flags(c, decision, recent, profile)
    kinds = [f.kind for f in found]
    assert len(kinds) == len(set(kinds)), "one flag per kind"
    return {f.kind: f for f in found}


def with_repeat(profile: Profile, **limits: float) -> Profile:
    current = profile.thresholds.repeated_complaint.model_dump()
    repeated = RepeatedComplaintThreshold(**{**current, **limits})
    thresholds = profile.thresholds.model_copy(update={"repeated_complaint": repeated})
    return profile.model_copy(update={"thresholds": thresholds})


def test_nothing_unusual_raises_no_flag(profile: Profile) -> None:
    assert flags_for(profile, RecentContacts(last_hour=1, last_day=1, last_week=1)) == {}


@pytest.mark.parametrize(
    ("counts", "over"),
    [
        ({"last_hour": 5, "last_day": 15, "last_week": 40}, None),  # exactly at every limit
        ({"last_hour": 6, "last_day": 6, "last_week": 6}, ["hour"]),
        ({"last_hour": 1, "last_day": 16, "last_week": 16}, ["day"]),
        ({"last_hour": 1, "last_day": 1, "last_week": 41}, ["week"]),
        ({"last_hour": 6, "last_day": 16, "last_week": 41}, ["hour", "day", "week"]),
    ],
)
def test_excessive_volume_above_any_threshold(
    counts: dict[str, int], over: list[str] | None, profile: Profile
) -> None:
    flag = flags_for(profile, RecentContacts(**counts)).get(FlagKind.excessive_volume)
    if over is None:
        assert flag is None
        return
    assert flag is not None
    assert flag.evidence["over"] == over
    assert flag.evidence["counts"] == {
        "hour": counts["last_hour"],
        "day": counts["last_day"],
        "week": counts["last_week"],
    }
    assert flag.evidence["limits"] == {"hour": 5, "day": 15, "week": 40}


@pytest.mark.parametrize(
    ("channels", "flagged"),
    [
        ({Channel.email}, False),
        ({Channel.email, Channel.phone}, False),
        ({Channel.email, Channel.phone, Channel.sms}, True),  # at the limit of 3
        ({Channel.email, Channel.phone, Channel.sms, Channel.social}, True),
    ],
)
def test_scattergun_at_the_number_of_channels(
    channels: set[Channel], flagged: bool, profile: Profile
) -> None:
    recent = RecentContacts(last_hour=1, channels_in_window=frozenset(channels))
    flag = flags_for(profile, recent).get(FlagKind.scattergun)
    assert (flag is not None) == flagged
    if flag is not None:
        assert flag.evidence["channels"] == sorted(c.value for c in channels)
        assert flag.evidence["window_minutes"] == 120


def test_a_reworded_complaint_is_flagged_and_a_new_one_is_not(profile: Profile) -> None:
    recent = RecentContacts(earlier_texts=(UNRELATED, COMPLAINT))
    flag = flags_for(profile, recent, text=REWORDED).get(FlagKind.repeated_complaint)
    assert flag is not None
    assert flag.evidence["earlier_index"] == 1 and flag.evidence["compared"] == 2
    assert flag.evidence["similarity"] >= 90
    recent = RecentContacts(earlier_texts=(COMPLAINT,))
    assert FlagKind.repeated_complaint not in flags_for(profile, recent, text=UNRELATED)
    # New material added to an old complaint is new information, not a repeat.
    longer = COMPLAINT + " Also the boiler in the kitchen has been making a banging noise."
    assert FlagKind.repeated_complaint not in flags_for(profile, recent, text=longer)


def test_repeated_complaint_at_exactly_the_similarity_limit(profile: Profile) -> None:
    score = fuzz.token_sort_ratio(REWORDED, COMPLAINT, processor=utils.default_process)
    assert 90 < score < 100
    recent = RecentContacts(earlier_texts=(COMPLAINT,))
    at_limit = flags_for(with_repeat(profile, similarity=score), recent, text=REWORDED)
    above = flags_for(with_repeat(profile, similarity=score + 0.01), recent, text=REWORDED)
    assert FlagKind.repeated_complaint in at_limit
    assert FlagKind.repeated_complaint not in above


def test_short_texts_are_not_compared(profile: Profile) -> None:
    short = "Where is my repair?"  # under min_length (40)
    recent = RecentContacts(earlier_texts=(short, short))
    assert FlagKind.repeated_complaint not in flags_for(profile, recent, text=short)
    recent = RecentContacts(earlier_texts=(COMPLAINT[:39],))
    assert FlagKind.repeated_complaint not in flags_for(profile, recent, text=COMPLAINT[:39])
    shorter = with_repeat(profile, min_length=10)
    assert FlagKind.repeated_complaint in flags_for(shorter, recent, text=COMPLAINT[:39])


@pytest.mark.parametrize(
    ("subject", "text", "occurrences"),
    [
        ("", "You are an IDIOT.", 1),
        ("Idiot", "idiot, total scum", 3),
        ("", "I know   where you live", 1),
        ("", "That was an idiotic decision", 0),
        ("", "Scumble paint", 0),
    ],
)
def test_abusive_language_by_whole_words(
    subject: str, text: str, occurrences: int, profile: Profile
) -> None:
    flag = flags_for(profile, RecentContacts(), subject=subject, text=text).get(
        FlagKind.abusive_language
    )
    if not occurrences:
        assert flag is None
        return
    assert flag is not None and flag.evidence["occurrences"] == occurrences


def test_refused_and_held_contact_is_flagged_by_decide(profile: Profile) -> None:
    refused = decide(contact(Channel.email), snapshot(letter_only()), profile, INSIDE)
    held = decide(contact(Channel.social), snapshot(social("restricted")), profile, INSIDE)
    for decision, action in ((refused, "refuse"), (held, "hold")):
        (flag,) = decision.flags
        assert flag.kind is FlagKind.restriction_breach
        assert flag.evidence["action"] == action
    assert refused.flags[0].evidence == {
        "channel": "email",
        "action": "refuse",
        "rule": "letter_only",
        "restriction_id": "r-letter",
    }


def test_compute_flags_keeps_the_decisions_own_flags_first_and_one_of_each_kind(
    profile: Profile, routes: Routes
) -> None:
    c = contact(Channel.email, text="Gas leak! you idiot")
    decision = decide(c, snapshot(letter_only()), profile, INSIDE, routes=routes)
    assert [f.kind for f in decision.flags] == [FlagKind.emergency_override]
    recent = RecentContacts(last_hour=9, channels_in_window=frozenset(Channel))
    found = compute_flags(c, decision, recent, profile)
    assert [f.kind for f in found] == [
        FlagKind.emergency_override,
        FlagKind.excessive_volume,
        FlagKind.scattergun,
        FlagKind.abusive_language,
    ]
    merged = decision.model_copy(update={"flags": found})
    again = compute_flags(c, merged, recent, profile)
    assert again == found  # merging twice adds nothing


def test_evidence_never_quotes_the_message(profile: Profile) -> None:
    subject = "Window repair idiot"
    text = REWORDED + " You scum."
    c = contact(Channel.email, subject=subject, text=text)
    decision = decide(c, snapshot(letter_only()), profile, INSIDE)
    recent = RecentContacts(
        last_hour=20,
        last_day=20,
        last_week=20,
        channels_in_window=frozenset({Channel.email, Channel.phone, Channel.sms}),
        earlier_texts=(COMPLAINT,),
    )
    found = compute_flags(c, decision, recent, profile)
    assert {f.kind for f in found} == set(FlagKind) - {FlagKind.emergency_override}
    dumped = json.dumps([f.model_dump(mode="json") for f in found]).lower()
    words = {w.strip(".,!").lower() for w in (subject + " " + text).split()}
    quoted = {w for w in words if len(w) >= 4 and w in dumped}
    assert quoted <= {"window", "week"}  # the flags' own words (window_minutes, week)
    assert "scum" not in dumped and "idiot" not in dumped and "draught" not in dumped
    assert "tenant@example.org" not in dumped


@pytest.mark.parametrize(
    ("text", "abusive"),
    [
        ("I know where you live and you'll regret this", True),
        ("You useless idiots never fix anything", True),
        ("This is bullshit", True),
        ("Thank you for fixing the shower so quickly", False),
        ("I am pressing charges against the man who broke in", False),
        ("Please assess the damage to the Scunthorpe office wall", False),
    ],
)
def test_the_shipped_abusive_list(text: str, abusive: bool, profile: Profile) -> None:
    words = (Path(__file__).resolve().parents[2] / "config" / "words" / "abusive.txt").read_text()
    shipped = profile.model_copy(update={"abusive_words": word_list(words)})
    found = flags_for(shipped, RecentContacts(), text=text)
    assert (FlagKind.abusive_language in found) == abusive
