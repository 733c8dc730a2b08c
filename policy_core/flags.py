"""Flags: prompts for a case officer to look, never a sanction. A flag never changes the
decision's action, and its evidence holds counts, channels and rule names, never the words of
a message.

`decide` already flags what the decision itself shows (restriction_breach,
emergency_override). `compute_flags` returns those first, then the flags counted from the
customer's recent contact, one flag per kind (the first kept), so a caller writes
`decision.model_copy(update={"flags": compute_flags(contact, decision, recent, profile)})`."""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process, utils

from policy_core.models import (
    Action,
    Channel,
    Contact,
    Decision,
    Flag,
    FlagKind,
    RecentContacts,
    RuleHit,
)
from policy_core.profiles import Profile, RepeatedComplaintThreshold
from policy_core.rules.matching import compiled


@lru_cache(maxsize=1024)
def restriction_breach(channel: Channel, action: Action, hit: RuleHit) -> Flag:
    """Contact on a channel the customer's restriction refuses or holds (set by `decide`).
    Flags are immutable and depend on these arguments only, so equal ones are built once."""
    evidence = {"channel": channel.value, "action": action.value, "rule": hit.rule}
    if hit.restriction_id:
        evidence["restriction_id"] = hit.restriction_id
    detail = f"contact on a {'refused' if action is Action.refuse else 'held'} channel"
    return Flag(kind=FlagKind.restriction_breach, detail=detail, evidence=evidence)


def emergency_override(channel: Channel, rule: str, instead_of: Action, hit: RuleHit) -> Flag:
    """A safety exception (`rule`) let through what `hit` would have stopped (set by `decide`)."""
    evidence = {
        "channel": channel.value,
        "rule": rule,
        "instead_of": instead_of.value,
        "overridden_rule": hit.rule,
    }
    if hit.restriction_id:
        evidence["restriction_id"] = hit.restriction_id
    detail = "safety exception for a restricted customer"
    return Flag(kind=FlagKind.emergency_override, detail=detail, evidence=evidence)


def compute_flags(
    contact: Contact, decision: Decision, recent: RecentContacts, profile: Profile
) -> tuple[Flag, ...]:
    """The decision's own flags followed by the counted ones, deduplicated by kind."""
    thresholds = profile.thresholds
    found: list[Flag | None] = list(decision.flags)
    found.append(_volume(recent, profile))
    channels = recent.channels_in_window
    if len(channels) >= thresholds.scattergun.channels:
        found.append(
            Flag(
                kind=FlagKind.scattergun,
                detail=f"{len(channels)} channels within "
                f"{thresholds.scattergun.window_minutes} minutes",
                evidence={
                    "channels": sorted(c.value for c in channels),
                    "limit": thresholds.scattergun.channels,
                    "window_minutes": thresholds.scattergun.window_minutes,
                },
            )
        )
    found.append(_repeated(contact.text, recent.earlier_texts, thresholds.repeated_complaint))
    words = compiled(profile).abusive
    matches = words.found(contact.subject) + words.found(contact.text)
    if matches:
        found.append(
            Flag(
                kind=FlagKind.abusive_language,
                detail="abusive or threatening language",
                evidence={"occurrences": len(matches), "distinct": len(set(matches))},
            )
        )
    kinds: set[FlagKind] = set()
    result: list[Flag] = []
    for flag in found:
        if flag is not None and flag.kind not in kinds:
            kinds.add(flag.kind)
            result.append(flag)
    return tuple(result)


def _volume(recent: RecentContacts, profile: Profile) -> Flag | None:
    limits = profile.thresholds.volume
    counts = {"hour": recent.last_hour, "day": recent.last_day, "week": recent.last_week}
    allowed = {"hour": limits.hour, "day": limits.day, "week": limits.week}
    over = [span for span, count in counts.items() if count > allowed[span]]
    if not over:
        return None
    return Flag(
        kind=FlagKind.excessive_volume,
        detail="more contacts than the profile's threshold in the last " + ", ".join(over),
        evidence={"counts": counts, "limits": allowed, "over": over},
    )


def _repeated(
    text: str, earlier: tuple[str, ...], threshold: RepeatedComplaintThreshold
) -> Flag | None:
    """Near-duplicate of an earlier contact: rapidfuzz's token_sort_ratio, which forgives
    reordered sentences and small edits but not new material added to an old complaint."""
    if not earlier or len(text.strip()) < threshold.min_length:
        return None
    candidates = {i: t for i, t in enumerate(earlier) if len(t.strip()) >= threshold.min_length}
    # No score_cutoff: rapidfuzz's own cut-off can miss a score exactly at the limit.
    best = process.extractOne(
        text, candidates, scorer=fuzz.token_sort_ratio, processor=utils.default_process
    )
    if best is None or best[1] < threshold.similarity:
        return None
    _, score, index = best
    return Flag(
        kind=FlagKind.repeated_complaint,
        detail=f"near-duplicate of an earlier contact (similarity {score:.0f})",
        evidence={
            "similarity": round(float(score), 1),
            "limit": threshold.similarity,
            "earlier_index": index,
            "compared": len(candidates),
            "days": threshold.days,
        },
    )
