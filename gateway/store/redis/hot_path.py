"""`record` on the Redis store: one script (scripts.RECORD) finds a duplicate, or records and
counts the contact, saves its decision and held item and counts its notice, atomically."""

from __future__ import annotations

from gateway.store import common
from gateway.store.base import Recorded, StoredDecision, Windows
from gateway.store.redis.connection import Connection
from policy_core.models import Channel, Contact, Decision, RecentContacts

RECENT_TTL = 8 * 86_400
NOTICE_TTL = 2 * 86_400
HELD_IDS = {"id", "contact_id", "customer_key"}  # the script writes them: it knows the key


class Recorder:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def record(
        self,
        contact: Contact,
        decision: Decision,
        windows: Windows,
        notice_limit: int | None = None,
    ) -> Recorded:
        bounds = common.Bounds.of(contact.received_at, windows)
        day = common.local_day(contact.received_at).isoformat()
        contact_id = common.new_contact_id()
        item = common.held_item(contact_id, "", contact, decision)
        held = "" if item is None else item.model_dump_json(fallback=str, exclude=HELD_IDS)
        reply = await self.conn.script(
            "RECORD",
            *(contact.sender.key, contact.channel.value, contact.external_id or ""),
            *(contact_id, bounds.at, day),
            *(common.contact_json(contact), common.similarity_text(contact)),
            *(bounds.hour, bounds.day, bounds.week, bounds.scattergun, bounds.repeated),
            *(common.DAILY_TTL_SECONDS, RECENT_TTL, (windows.repeated_days + 1) * 86_400),
            -(common.EARLIER_TEXTS + 2),  # keeps this contact's text and the earlier ones
            decision.model_dump_json(fallback=str),
            held,
            *("" if notice_limit is None else notice_limit, NOTICE_TTL),
        )
        key, contact_id, earlier, allowed, hour, last_day, week, channels, texts = reply
        shown = [t for i, _, t in (text.partition("|") for text in texts) if i != contact_id]
        recent = RecentContacts(
            last_hour=hour,
            last_day=last_day,
            last_week=week,
            channels_in_window=frozenset(Channel(m.rpartition("|")[2]) for m in channels),
            earlier_texts=tuple(shown[: common.EARLIER_TEXTS]),
        )
        duplicate = _stored(contact_id, contact.channel, earlier)
        return Recorded(contact_id, key, recent, bool(allowed), duplicate)


def _stored(
    contact_id: str, channel: Channel, stored: list[str | None] | None
) -> StoredDecision | None:
    """The decision saved for a contact seen before (the script's HMGET of it)."""
    if stored is None:
        return None
    key, at, decision, duration, notice = stored
    if key is None or at is None or decision is None:
        return None
    return common.stored_decision(contact_id, key, channel.value, at, decision, duration, notice)
