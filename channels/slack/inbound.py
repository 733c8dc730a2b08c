"""Messages posted in the landlord's Slack space become Contacts on the `social` channel, and
the decision is applied the way the big networks "restrict" an account:

- hold (social media restricted): the message is kept for moderation, the member is not
  told; with `hide_messages` and an admin token it is deleted from the channel;
- refuse (social media denied, letter only): kept, and the member gets an ephemeral notice
  (as many a day as the profile's allowance) saying what the restriction is and how to make
  contact instead; with `remove_refused` they are removed from the landlord's public
  channels, and each removal goes into the audit trail;
- anything else: nothing happens in Slack.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from channels.slack.calls import SlackCall, SlackCalls, record
from channels.slack.settings import SlackSettings
from gateway.api import Gateway, Outcome, ReplyChannel
from policy_core.identities import Identity, IdentityError, IdentityKind
from policy_core.models import Action, Channel, Contact

log = logging.getLogger("contact_gateway.slack")
POSTS = frozenset({None, "file_share", "thread_broadcast"})  # a member's own new post
DIRECT = frozenset({"im", "mpim"})  # direct messages: nothing to hide from or remove from
EPHEMERAL = ReplyChannel(channel=Channel.social)  # a member's post can always be answered


def contact_from_event(body: dict[str, Any], event: dict[str, Any]) -> Contact | None:
    """One member's message as a Contact; None for edits, joins, bots and the app itself."""
    subtype = event.get("subtype")
    if event.get("type") != "message" or event.get("bot_id"):
        return None
    if not (subtype is None or isinstance(subtype, str)) or subtype not in POSTS:
        return None
    user = event.get("user")
    team = event.get("user_team") or event.get("team") or body.get("team_id")
    channel, ts, text = event.get("channel"), event.get("ts"), event.get("text") or ""
    fields = (user, team, channel, ts, text)
    if not (all(isinstance(f, str) for f in fields) and user and team and channel and ts):
        return None  # not a member's message as Slack sends one: ignored, not a contact
    try:
        sender = Identity.of(IdentityKind.slack, f"{team}/{user}")
        received_at = dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (IdentityError, ValueError, OverflowError, OSError):  # "inf", "1e99", "nan"
        return None
    event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else None
    return Contact(
        channel=Channel.social,
        sender=sender,
        received_at=received_at,
        destination=channel,
        text=text,
        external_id=event_id or f"{channel}/{ts}",
        raw={
            "team": team, "user": user, "channel": channel, "ts": ts,
            "channel_type": kind if isinstance(kind := event.get("channel_type"), str) else None,
            "event_id": event_id,
        },
    )  # fmt: skip


class Inbound:
    def __init__(self, gateway: Gateway, config: SlackSettings, calls: SlackCalls) -> None:
        self.gateway = gateway
        self.config = config
        self.calls = calls

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        contact = contact_from_event(body, event)
        # Only members linked to a customer are contacts.
        if contact is None or not await self.gateway.is_known(contact.sender):
            return
        outcome = await self.gateway.handle(contact, EPHEMERAL)
        if outcome.duplicate or outcome.fail_open:
            return  # a retried event was applied the first time
        if outcome.action is Action.hold:
            self._hide(outcome)
        elif outcome.action is Action.refuse:
            self._notify(outcome)
            self._hide(outcome)
            self._remove(outcome)

    def _hide(self, outcome: Outcome) -> None:
        raw = outcome.contact.raw
        if not self.config.can_hide or raw.get("channel_type") in DIRECT:
            return
        hidden = record(
            "social.hidden", f"customer:{outcome.customer_key}",
            channel=raw["channel"], contact_id=outcome.contact_id,
        )  # fmt: skip
        params = {"channel": raw["channel"], "ts": raw["ts"]}
        self.calls.queue(SlackCall("chat.delete", params, self.config.admin_token, hidden))

    def _notify(self, outcome: Outcome) -> None:
        if outcome.notice is None:
            return  # the day's allowance of notices is spent
        raw = outcome.contact.raw
        params = {"channel": raw["channel"], "user": raw["user"], "text": outcome.notice}
        self.calls.queue(SlackCall("chat.postEphemeral", params))

    def _remove(self, outcome: Outcome) -> None:
        if not self.config.remove_refused:
            return
        raw = outcome.contact.raw
        channels = list(self.config.public_channels)
        if raw.get("channel_type") not in DIRECT and raw["channel"] not in channels:
            channels.insert(0, raw["channel"])
        for channel in channels:
            removed = record(
                "social.removed", f"customer:{outcome.customer_key}",
                channel=channel, contact_id=outcome.contact_id, slack_user=raw["user"],
            )  # fmt: skip
            params = {"channel": channel, "user": raw["user"]}
            self.calls.queue(SlackCall("conversations.kick", params, record=removed))
