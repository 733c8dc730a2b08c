"""Telephone and SMS through Twilio: webhooks that turn calls and texts into Contacts and
answer each with TwiML that applies the decision.

On the landlord's Twilio number, point
- "A call comes in" at `{http.public_url}/webhooks/twilio/voice` (HTTP POST),
- "Call status changes" at `{http.public_url}/webhooks/twilio/status` (HTTP POST),
- "A message comes in" at `{http.public_url}/webhooks/twilio/sms` (HTTP POST).
`http.public_url` must be the address Twilio calls (scheme, host and any port or path prefix
exactly as configured in Twilio): signatures are computed over it.

Calls and texts are taken to arrive at the gateway's clock, which decides whether they fall in
a contact window (see `[clock] fixed` for demonstrations and tests).
"""

from __future__ import annotations

from channels.twilio.settings import TwilioSettings
from channels.twilio.webhooks import routes
from gateway.api import ChannelPlugin

plugin = ChannelPlugin(name="twilio", settings=TwilioSettings, routes=routes)

__all__ = ["TwilioSettings", "plugin", "routes"]
