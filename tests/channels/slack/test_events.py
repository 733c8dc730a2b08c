"""Which Slack events are a customer's contact: their own new posts, not edits, joins or
bots, each identified by its event_id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from channels.slack.inbound import contact_from_event
from policy_core.models import Channel


def body(**event: Any) -> dict[str, Any]:
    message = {
        "type": "message", "user": "U0carol", "team": "T0TEAM", "channel": "C0COMMUNITY",
        "channel_type": "channel", "text": "hello", "ts": "1795385070.000100", **event,
    }  # fmt: skip
    return {"team_id": "T0TEAM", "type": "event_callback", "event_id": "Ev01", "event": message}


def test_a_members_post_is_a_social_contact_from_their_slack_identity() -> None:
    payload = body()
    contact = contact_from_event(payload, payload["event"])
    assert contact is not None
    assert contact.channel is Channel.social and contact.sender.key == "slack:T0TEAM/U0CAROL"
    assert contact.external_id == "Ev01" and contact.destination == "C0COMMUNITY"
    assert contact.received_at == dt.datetime(2026, 11, 22, 22, 4, 30, 100, tzinfo=dt.UTC)


def test_a_slack_connect_member_is_known_by_their_own_workspace() -> None:
    payload = body(user_team="T0OTHER")
    contact = contact_from_event(payload, payload["event"])
    assert contact is not None and contact.sender.key == "slack:T0OTHER/U0CAROL"


def test_edits_joins_and_bots_are_not_contacts() -> None:
    for extra in (
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
        {"subtype": "bot_message", "bot_id": "B01"},
        {"bot_id": "B01"},
        {"user": None},
    ):
        payload = body(**extra)
        assert contact_from_event(payload, payload["event"]) is None, extra


def test_a_file_shared_with_a_comment_is_a_contact() -> None:
    payload = body(subtype="file_share")
    assert contact_from_event(payload, payload["event"]) is not None
