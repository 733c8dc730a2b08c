"""Flags to the case officer on Slack: a Block Kit message to the officer (or to
`officer_channel` when the officer has no Slack id) with the customer reference, the flag,
its evidence (no message bodies) and two buttons, "Acknowledge" and "Open case". Pressing
Acknowledge is recorded against the flag and in the audit trail."""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.slack.calls import SlackCall, SlackCalls
from channels.slack.settings import SlackSettings
from gateway.api import (
    FlagReport,
    Gateway,
    NotFound,
    Outbox,
    StoredFlag,
    describe_flag,
    goes_by_email,
)
from policy_core.models import Officer

log = logging.getLogger("contact_gateway.slack")

ACKNOWLEDGE = "flag_acknowledge"
OPEN_CASE = "flag_open_case"
ACTIONS_BLOCK = "flag_actions"


def _text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def flag_blocks(report: FlagReport) -> list[dict[str, Any]]:
    flag = report.flag
    fields = [
        _text(f"*Customer*\n{report.customer_ref}"),
        _text(f"*Raised on*\n{report.raised_on}"),
    ]
    if report.case is not None:
        officer = report.officer.name if report.officer is not None else "none"
        fields += [_text(f"*Case*\n{report.case.id}"), _text(f"*Officer*\n{officer}")]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Flag: {report.title}"}},
        {"type": "section", "fields": fields},
    ]
    if flag.flag.detail:
        blocks.append({"type": "section", "text": _text(flag.flag.detail)})
    if report.evidence:
        lines = "\n".join(f"• {label}: {value}" for label, value in report.evidence)
        blocks.append({"type": "section", "text": _text(f"*Evidence*\n{lines}")})
    if report.rule_hits:
        hits = "; ".join(report.rule_hits)
        blocks.append({"type": "context", "elements": [_text(f"Rule hits: {hits}")]})
    blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": _buttons(report)})
    return blocks


def _buttons(report: FlagReport) -> list[dict[str, Any]]:
    value = json.dumps(
        {"flag": report.flag.id, "customer": report.customer_ref, "kind": report.flag.kind.value}
    )
    buttons: list[dict[str, Any]] = [
        {
            "type": "button", "action_id": ACKNOWLEDGE, "style": "primary", "value": value,
            "text": {"type": "plain_text", "text": "Acknowledge"},
        },
    ]  # fmt: skip
    if report.case_url is not None:
        buttons.append(
            {
                "type": "button",
                "action_id": OPEN_CASE,
                "url": report.case_url,
                "text": {"type": "plain_text", "text": "Open case"},
            }
        )
    return buttons


def fallback_text(report: FlagReport) -> str:
    return f"Flag for customer {report.customer_ref}: {report.title}"


class FlagNotifier:
    def __init__(self, gateway: Gateway, config: SlackSettings, calls: SlackCalls) -> None:
        self.gateway = gateway
        self.config = config
        self.calls = calls
        self.outbox: Outbox[StoredFlag] = Outbox("slack-flags", self.send)

    async def send(self, flag: StoredFlag) -> None:
        report = await describe_flag(self.gateway, flag)
        if goes_by_email(self.gateway.settings, report.officer):
            return
        officer = report.officer
        channel = officer.slack_id if officer and officer.slack_id else self.config.officer_channel
        params = {"channel": channel, "text": fallback_text(report), "blocks": flag_blocks(report)}
        await self.calls.send(SlackCall("chat.postMessage", params))

    async def on_acknowledge(self, body: dict[str, Any]) -> None:
        """The officer pressed Acknowledge: record who, then mark the message done."""
        action = (body.get("actions") or [{}])[0]
        try:
            value = json.loads(action.get("value") or "{}")
            flag_id, customer = str(value["flag"]), str(value["customer"])
        except (ValueError, KeyError, TypeError):
            log.warning("slack: an Acknowledge button without a flag")
            return
        user = body.get("user") or {}
        slack_user = f"{user.get('team_id') or (body.get('team') or {}).get('id')}/{user.get('id')}"
        flag = await self.gateway.find_flag(customer, flag_id)
        if flag is None:
            log.warning("slack: Acknowledge pressed for an unknown flag")
            return
        if flag.acknowledged_by is not None:
            self._mark_acknowledged(body, user.get("id"))  # pressed twice: recorded once
            return
        actor = _actor((await describe_flag(self.gateway, flag)).officer, user)
        try:
            await self.gateway.acknowledge_flag(flag_id, actor, via="slack", slack_user=slack_user)
        except NotFound:
            return
        self._mark_acknowledged(body, user.get("id"))

    def _mark_acknowledged(self, body: dict[str, Any], user_id: Any) -> None:
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or message.get("ts")
        if not channel or not ts:
            return
        blocks = []
        for block in message.get("blocks") or []:
            if block.get("block_id") == ACTIONS_BLOCK:
                kept = [e for e in block.get("elements", []) if e.get("action_id") != ACKNOWLEDGE]
                block = {**block, "elements": kept}
                done = {"type": "context", "elements": [_text(f"Acknowledged by <@{user_id}>")]}
                blocks.append(done)
                if not kept:
                    continue
            blocks.append(block)
        text = str(message.get("text") or "Flag acknowledged")
        params = {"channel": channel, "ts": ts, "blocks": blocks, "text": text}
        self.calls.queue(SlackCall("chat.update", params))


def _actor(officer: Officer | None, user: dict[str, Any]) -> str:
    """The case officer's name when they pressed it, else the Slack member's name."""
    if officer is not None and officer.slack_id and officer.slack_id == user.get("id"):
        return officer.name
    name = user.get("name") or user.get("username") or user.get("id") or "unknown"
    return f"slack:{name}"
