"""The IMAP channel: polls hosted mailboxes and applies each decision by moving the message.

`deliver` leaves a message where it is; `redirect` forwards it by SMTP and moves it to the
`Redirected` folder; `refuse` sends the notice as an auto-reply and moves it to `Restricted`;
`hold` moves it to `Restricted`. Forwards and auto-replies leave through `[imap].outbound`,
else `[smtp].outbound`, else `[smtp].downstream`."""

from __future__ import annotations

import asyncio
import logging

from channels.imap.poller import Poller
from channels.imap.settings import ImapSettings
from channels.mail.outbound import Endpoint, Relay
from gateway.api import ChannelPlugin, ConfigError, Gateway, Stop, cancel_and_wait

log = logging.getLogger("contact_gateway.imap")


def outbound_relay(gateway: Gateway, config: ImapSettings) -> Relay:
    smtp = gateway.settings.channel_sections.get("smtp", {})
    if config.outbound is not None:
        address, username = config.outbound, config.outbound_username
        password, starttls = config.outbound_password, config.outbound_starttls
    elif smtp.get("outbound") or smtp.get("downstream"):
        address = smtp.get("outbound") or smtp["downstream"]
        via_outbound = bool(smtp.get("outbound"))
        username = smtp.get("outbound_username") if via_outbound else None
        password = smtp.get("outbound_password") if via_outbound else None
        starttls = bool(smtp.get("outbound_starttls")) if via_outbound else False
    else:
        raise ConfigError("[imap]: outbound: needed (HOST:PORT) when there is no [smtp] section")
    try:
        endpoint = Endpoint.parse(str(address), default_port=587)
    except ValueError as exc:
        raise ConfigError(f"[imap]: outbound: {exc}") from exc
    return Relay(endpoint, username=username, password=password, starttls=starttls)


async def start(gateway: Gateway, config: ImapSettings) -> Stop:
    relay = outbound_relay(gateway, config)
    pollers = [
        Poller(gateway, config, mailbox, relay, gateway.settings.data_dir)
        for mailbox in config.mailboxes
    ]
    tasks = [
        asyncio.create_task(poller.run(), name=f"imap-{n}") for n, poller in enumerate(pollers)
    ]
    log.info("imap polling %d mailbox(es)", len(pollers))

    async def stop() -> None:
        await cancel_and_wait(tasks)
        await asyncio.gather(*(asyncio.to_thread(p.conn.close) for p in pollers))
        await relay.close()

    return stop


plugin = ChannelPlugin(name="imap", settings=ImapSettings, start=start)
