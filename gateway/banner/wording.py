"""The banner in an agent's words: `gateway.banner.models.Banner` (the same data as
`GET /api/v1/banner`) turned into a one-glance headline, a severity said in words, and what to
do now on each channel. Pure wording: every fact comes from the Banner, the next contact window
from policy_core.windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers

from gateway.banner.models import Banner, ChannelNow, RestrictionNow
from gateway.settings import Organisation
from policy_core.cases import CaseState
from policy_core.identities import DEFAULT_REGION
from policy_core.london import london
from policy_core.models import Action, Channel, ContactWindow, SinglePointOfContact
from policy_core.windows import inside_window, next_window

Severity = Literal["restricted", "caution", "review", "clear"]
SEVERITY_WORDS: dict[Severity, str] = {
    "restricted": "Restricted contact",
    "caution": "Take care: conditions apply",
    "review": "Restriction expired: awaiting review",
    "clear": "No restrictions",
}
# Restrictions that only shape visits and meetings: the person may still be spoken to.
VISIT_ONLY = {"appointment_only", "witness_required"}
SHORT = {
    "letter_only": "Letter only",
    "phone_via_third_party": "Phone only through a third party",
    "single_point_of_contact": "Single point of contact only",
    "appointment_only": "Visits by appointment only",
    "witness_required": "Witness required",
}
CHANNEL_WORDS = {
    Channel.phone: "Phone calls",
    Channel.email: "E-mail",
    Channel.sms: "Text messages",
    Channel.social: "Social media",
    Channel.letter: "Letters",
    Channel.visit: "Visits",
}
DAYS = {"mon": "Mondays", "tue": "Tuesdays", "wed": "Wednesdays", "thu": "Thursdays",
        "fri": "Fridays", "sat": "Saturdays", "sun": "Sundays"}  # fmt: skip


def display_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """An E.164 number as people write it: `01332 000001` at home, `+33 1 23 45 67 89`
    abroad; anything that is not a phone number unchanged."""
    if not value.startswith("+"):
        return value
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return value
    home = number.country_code == phonenumbers.country_code_for_region(region)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def weekday_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


@dataclass(frozen=True)
class Instruction:
    channel: str
    text: str
    tone: Literal["stop", "go", "info"]


@dataclass(frozen=True)
class BannerView:
    banner: Banner
    severity: Severity
    severity_words: str
    headline: str
    who: str
    instructions: list[Instruction] = field(default_factory=list)
    appeal: str = ""
    review: str = ""


def describe_window(window: ContactWindow) -> str:
    when = DAYS[window.weekday] if window.weekday else weekday_date(window.date or dt.date.min)
    return f"{when} {window.start:%H:%M}-{window.end:%H:%M}"


def restriction_phrase(item: RestrictionNow) -> str:
    restriction = item.restriction
    if restriction.kind == "social_media":
        return f"Social media {restriction.level}"
    if restriction.kind == "single_point_of_contact":
        return f"Contact only through {restriction.officer.name}"
    return SHORT[restriction.kind]


def headline(banner: Banner) -> str:
    """ "Letter only until 14 March 2027"; several restrictions: each with its end date."""
    by_end: dict[dt.date, list[str]] = {}
    for item in sorted(banner.restrictions, key=lambda r: r.kind in VISIT_ONLY):
        by_end.setdefault(item.until, []).append(restriction_phrase(item))
    parts = []
    for until, phrases in by_end.items():
        words = [phrases[0], *(p[0].lower() + p[1:] for p in phrases[1:])]
        joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        parts.append(f"{joined} until {long_date(until)}")
    return "; ".join(parts)


def spoc_text(spoc: SinglePointOfContact, now: dt.datetime) -> str:
    phone = spoc.officer.phone
    officer = spoc.officer.name + (f" ({display_phone(phone)})" if phone else "")
    if not spoc.windows:
        return f"Transfer to {officer}"
    times = ", ".join(describe_window(w) for w in spoc.windows)
    if inside_window(spoc.windows, now):
        return f"Transfer to {officer}: the contact window is open now ({times})"
    upcoming = next_window(spoc.windows, now)
    after = f", next window {weekday_date(upcoming.date())} at {upcoming:%H:%M}" if upcoming else ""
    return f"Do not take this call. {spoc.officer.name} takes calls on {times}{after}"


def channel_text(item: ChannelNow, banner: Banner, org: Organisation) -> Instruction:
    words = CHANNEL_WORDS[item.channel]
    # The rule that decided: the first hit with the decision's action (the chain's tie-break).
    decider = next((hit.rule for hit in item.reasons if hit.action is item.action), "")
    spoc = next((r.restriction for r in banner.restrictions
                 if isinstance(r.restriction, SinglePointOfContact)), None)  # fmt: skip
    if item.action is Action.deliver:
        return Instruction(words, "As normal" + NOTES.get(decider, ""), "go")
    if item.channel is Channel.phone and decider == "single_point_of_contact" and spoc:
        text = spoc_text(spoc, banner.at)
        return Instruction(words, text, "stop" if item.action is Action.refuse else "info")
    if item.action is Action.redirect:
        where = display_phone(item.destination) if item.destination else "the officer"
        return Instruction(words, f"Goes to {where}", "info")
    if item.action is Action.hold:
        return Instruction(words, "Held for the officer to triage. Do not reply", "stop")
    if item.channel is Channel.phone and decider == "phone_via_third_party":
        text = (
            "Do not take this call from the customer's own number; "
            "calls from their representatives can be taken"
        )
    elif item.channel is Channel.phone:
        address = f" to {org.postal_address}" if org.postal_address else ""
        text = f"Do not take this call. Ask them to write{address}"
    else:
        text = "Refused automatically with a notice and kept for the officer. Do not reply"
    return Instruction(words, text, "stop")


NOTES = {
    "adjustment": " (agreed reasonable adjustment)",
    "representative": " (authorised representative)",
}


def emergency(org: Organisation) -> Instruction:
    route = f": transfer to {display_phone(org.emergency_phone)}" if org.emergency_phone else ""
    text = f"Always help with danger, gas, fire, flood or an emergency repair{route}"
    return Instruction("Emergencies", text, "go")


def visit_instructions(banner: Banner) -> list[Instruction]:
    out = []
    for item in banner.restrictions:
        restriction = item.restriction
        if restriction.kind == "appointment_only":
            text = f"By appointment at the {restriction.office} office only"
            out.append(Instruction("Visits", text, "stop"))
        elif restriction.kind == "witness_required":
            text = "A witness must be present at any visit or meeting in person"
            out.append(Instruction("In person", text, "stop"))
    return out


def severity_of(banner: Banner) -> Severity:
    if any(r.kind not in VISIT_ONLY for r in banner.restrictions):
        return "restricted"
    if banner.restrictions:
        return "caution"
    open_case = any(
        c.state in (CaseState.restricted, CaseState.appeal_lodged) for c in banner.cases
    )
    return "review" if banner.review_overdue and open_case else "clear"


def appeal_text(banner: Banner) -> str:
    for case in banner.cases:
        due = case.deadlines.appeal_decision_due
        if case.state is CaseState.appeal_lodged:
            return (
                f"Appeal lodged (case {case.id})"
                + (f"; decision due {long_date(due)}" if due else "")
                + ". Restrictions stay in force meanwhile"
            )
        if case.deadlines.appeal_window_open and case.deadlines.appeal_request_by:
            return (
                f"May appeal until {long_date(case.deadlines.appeal_request_by)} (case {case.id})"
            )
    return "No appeal open"  # fmt: skip


def review_text(banner: Banner) -> str:
    if banner.review_due_on is None:
        return ""
    if banner.review_overdue:
        return f"Review overdue: it was due on {long_date(banner.review_due_on)}"
    return f"Review due on {long_date(banner.review_due_on)}"


def who(banner: Banner) -> str:
    if banner.customer is None:
        return "Not linked to any customer: an unknown sender"
    name = (
        f"{banner.customer.name} ({banner.customer.ref})"
        if banner.customer.name
        else banner.customer.ref
    )
    if banner.representative is not None:
        rep = banner.representative.name
        return f"This address belongs to {rep}, authorised representative of {name}"
    return name


def view(banner: Banner, org: Organisation) -> BannerView:
    severity = severity_of(banner)
    if severity == "review":
        title = "Restriction expired: awaiting review"
    elif severity == "clear":
        title = "No restrictions"
    else:
        title = headline(banner)
    instructions: list[Instruction] = []
    if banner.restrictions:
        instructions = [
            channel_text(c, banner, org) for c in banner.channels if c.channel is not Channel.visit
        ]
        instructions += visit_instructions(banner)
        if severity == "restricted":
            instructions.append(emergency(org))
    return BannerView(
        banner=banner, severity=severity, severity_words=SEVERITY_WORDS[severity],
        headline=title, who=who(banner), instructions=instructions,
        appeal=appeal_text(banner) if banner.cases else "", review=review_text(banner),
    )  # fmt: skip


def local_time(moment: dt.datetime) -> str:
    return f"{london(moment):%H:%M:%S}"
