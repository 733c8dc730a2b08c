"""`contact-gateway check`: what the gateway would decide for one contact; records nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from pydantic import ValidationError

from gateway.commands.common import config_argument, opened
from policy_core.identities import Identity, IdentityKind
from policy_core.models import Channel, Contact

SENDER_KIND = {Channel.email: IdentityKind.email, Channel.social: IdentityKind.slack}


def arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)
    parser.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    parser.add_argument("--from", dest="sender", required=True, metavar="ADDRESS")
    parser.add_argument("--to", dest="destination", metavar="ADDRESS")
    parser.add_argument("--subject", default="")
    parser.add_argument("--text", default="")
    parser.add_argument(
        "--at",
        type=dt.datetime.fromisoformat,
        metavar="ISO-TIME",
        help="when the contact arrives (default: now); naive times are UTC",
    )
    parser.add_argument(
        "--emergency", action="store_true", help="the caller chose the emergency option"
    )


async def run(args: argparse.Namespace) -> int:
    channel = Channel(args.channel)
    async with opened(args.config) as gateway:
        at: dt.datetime = args.at or gateway.clock.now()
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        kind = SENDER_KIND.get(channel, IdentityKind.phone)
        try:
            sender = (
                Identity.guess(args.sender)
                if ":" in args.sender
                else Identity.of(kind, args.sender, gateway.settings.policy.phone_region)
            )
            contact = Contact(channel=channel, sender=sender, received_at=at,
                              destination=args.destination, subject=args.subject,
                              text=args.text, emergency_option=args.emergency)  # fmt: skip
        except (ValidationError, ValueError) as exc:
            message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            print(f"contact-gateway check: --from: {message}", file=sys.stderr)
            return 2
        decision = await gateway.check(contact)
    out = {
        "action": decision.action.value,
        "destination": decision.destination,
        "reasons": [r.model_dump(mode="json", exclude_none=True) for r in decision.reasons],
        "flags": [f.model_dump(mode="json") for f in decision.flags],
        "notice": decision.notice.model_dump(mode="json") if decision.notice else None,
        "notice_text": gateway.notices.render(decision.notice, channel)
        if decision.notice
        else None,
    }
    print(json.dumps(out, indent=2))
    return 0
