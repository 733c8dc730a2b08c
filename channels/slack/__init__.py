"""Slack: the landlord's social space (restrict or deny a customer's access to it) and the
place case officers hear about flags. Configured by a `[slack]` section."""

from __future__ import annotations

from fastapi import APIRouter

from channels.slack.app import slack_channel
from channels.slack.settings import SlackSettings
from gateway.api import ChannelPlugin, Gateway, Stop


def routes(gateway: Gateway, config: SlackSettings) -> APIRouter:
    return slack_channel(gateway, config).router()


async def start(gateway: Gateway, config: SlackSettings) -> Stop:
    channel = slack_channel(gateway, config)
    await channel.start()
    return channel.stop


plugin = ChannelPlugin(name="slack", settings=SlackSettings, routes=routes, start=start)

__all__ = ["SlackSettings", "plugin"]
