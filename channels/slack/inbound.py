"""Messages posted in the landlord's Slack space become Contacts on the `social` channel, and
the decision is applied the way the big networks "restrict" an account:

- hold (social media restricted): the message is kept for moderation, the member is not
  told; with `hide_messages` and an admin token it is deleted from the channel;
- refuse (social media denied, letter only): kept, and the member gets one ephemeral
  notice a day saying what the restriction is and how to make contact instead; with
  `remove_refused` they are removed from the landlord's public channels, and each removal
  goes into the audit trail;
- anything else: nothing happens in Slack.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from channels.slack.calls import SlackCall, SlackCalls, audit_entry
from channels.slack.settings import SlackSettings
from gateway.runtime import Dispatched, Gateway
from gateway.store.base import StoreError
from policy_core.identities import Identity, IdentityError, IdentityKind
from policy_core.london import london_day
from policy_core.models import Action, Channel, Contact, Notice

log = logging.getLogger("contact_gateway.slack")
POSTS = frozenset({None, "file_share", "thread_broadcast"})  # a member's own new post
DIRECT = frozenset({"im", "mpim"})  # direct messages: nothing to hide from or remove from


def contact_from_event(body: dict[str, Any], event: dict[str, Any]) -> Contact | None:
    """One member's message as a Contact; None for edits, joins, bots and the app itself."""
    if event.get("type") != "message" or event.get("subtype") not in POSTS or event.get("bot_id"):
        return None
    user = event.get("user")
    team = event.get("user_team") or event.get("team") or body.get("team_id")
    channel = event.get("channel")
    ts = event.get("ts")
    if not (isinstance(user, str) and isinstance(team, str) and channel and ts):
        return None
    try:
        sender = Identity.of(IdentityKind.slack, f"{team}/{user}")
        received_at = dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (IdentityError, ValueError):
        return None
    return Contact(
        channel=Channel.social,
        sender=sender,
        received_at=received_at,
        destination=str(channel),
        text=str(event.get("text") or ""),
        external_id=str(body.get("event_id") or f"{channel}/{ts}"),
        raw={
            "team": team, "user": user, "channel": channel, "ts": ts,
            "channel_type": event.get("channel_type"), "event_id": body.get("event_id"),
        },
    )  # fmt: skip


class Inbound:
    def __init__(self, gateway: Gateway, config: SlackSettings, calls: SlackCalls) -> None:
        self.gateway = gateway
        self.config = config
        self.calls = calls

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        contact = contact_from_event(body, event)
        if contact is None or not await self._linked(contact):
            return
        result = await self.gateway.dispatch(contact)
        if result.duplicate or result.fail_open:
            return
        if result.decision.action is Action.hold:
            self._hide(result)
        elif result.decision.action is Action.refuse:
            await self._notify(result)
            self._hide(result)
            self._remove(result)

    async def _linked(self, contact: Contact) -> bool:
        """Only members linked to a customer are contacts; if the store cannot say, the
        gateway decides (it journals the contact and fails open)."""
        try:
            snapshot = await self.gateway.store.resolve(contact.sender)
        except StoreError:
            return True
        return snapshot.customer is not None or snapshot.representative is not None

    def _hide(self, result: Dispatched) -> None:
        raw = result.contact.raw
        if not self.config.can_hide or raw.get("channel_type") in DIRECT:
            return
        record = audit_entry(
            self.gateway.clock.now(), "social.hidden", f"customer:{result.customer_key}",
            channel=raw["channel"], contact_id=result.contact_id,
        )  # fmt: skip
        params = {"channel": raw["channel"], "ts": raw["ts"]}
        self.calls.queue(SlackCall("chat.delete", params, self.config.admin_token, record))

    async def _notify(self, result: Dispatched) -> None:
        contact = result.contact
        day = london_day(contact.received_at)
        # At most one notice a day on Slack, whatever the profile allows elsewhere.
        limit = min(1, self.gateway.profile.notices_per_sender_per_day)
        try:
            allowed = await self.gateway.store.allow_notice(
                contact.sender.key, Channel.social, day, limit
            )
        except StoreError:
            log.warning("store unreachable: no notice sent on slack")
            return
        if not allowed:
            return
        notice = result.decision.notice or Notice(key="restricted")
        text = self.gateway.notices.render(notice, Channel.social)
        params = {"channel": contact.raw["channel"], "user": contact.raw["user"], "text": text}
        self.calls.queue(SlackCall("chat.postEphemeral", params))

    def _remove(self, result: Dispatched) -> None:
        if not self.config.remove_refused:
            return
        raw = result.contact.raw
        channels = list(self.config.public_channels)
        if raw.get("channel_type") not in DIRECT and raw["channel"] not in channels:
            channels.insert(0, raw["channel"])
        for channel in channels:
            record = audit_entry(
                self.gateway.clock.now(), "social.removed", f"customer:{result.customer_key}",
                channel=channel, contact_id=result.contact_id, slack_user=raw["user"],
            )  # fmt: skip
            params = {"channel": channel, "user": raw["user"]}
            self.calls.queue(SlackCall("conversations.kick", params, record=record))
