"""The SMTP channel: the gateway as a hop in front of the landlord's own mail server.

Mail for the configured domains is spooled durably, answered 250, dispatched, and then
relayed to `downstream` unchanged (deliver), relayed to the officer or the emergency address
with the decision's headers (redirect), answered with the notice and kept (refuse), or kept
silently (hold). Auto-replies, and redirects to addresses outside `domains`, leave through
`outbound` when it is set, otherwise through `downstream`."""

from __future__ import annotations

import asyncio
import logging

from channels.mail.outbound import Endpoint, Relay
from channels.smtp.ledger import Ledger
from channels.smtp.server import Conversation, Handler
from channels.smtp.settings import SmtpSettings
from channels.smtp.spool import Spool
from channels.smtp.worker import Worker
from gateway.api import ChannelPlugin, Gateway, Stop

log = logging.getLogger("contact_gateway.smtp")


async def start(gateway: Gateway, config: SmtpSettings) -> Stop:
    # aiosmtpd logs every envelope address at INFO: addresses are personal data.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    root = config.spool_dir or gateway.settings.data_dir / "smtp-spool"
    spool = Spool(root)
    backlog = await asyncio.to_thread(spool.open)
    ledger = Ledger(
        root / "delivered.log", io=spool.io, clock=lambda: gateway.clock.now().timestamp()
    )
    await asyncio.to_thread(ledger.open)
    downstream = Relay(Endpoint.parse(config.downstream), local_hostname=config.hostname)
    outbound = downstream
    if config.outbound is not None:
        outbound = Relay(
            Endpoint.parse(config.outbound, default_port=587),
            local_hostname=config.hostname,
            username=config.outbound_username,
            password=config.outbound_password,
            starttls=config.outbound_starttls,
        )
    worker = Worker(
        gateway, config, spool, ledger, {"downstream": downstream, "outbound": outbound}
    )
    worker.start(backlog)
    handler = Handler(config, spool, ledger, worker)
    listen = Endpoint.parse(config.listen)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Conversation(
            handler,
            data_size_limit=config.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=config.hostname,
            ident="Contact Gateway",
        ),
        host=listen.host,
        port=listen.port,
    )
    log.info("smtp listening on %s; %d message(s) in the spool", listen, len(backlog))

    async def stop() -> None:
        server.close()
        await server.wait_closed()
        await worker.stop()
        ledger.close()
        spool.close()
        for relay in {id(downstream): downstream, id(outbound): outbound}.values():
            await relay.close()

    return stop


plugin = ChannelPlugin(name="smtp", settings=SmtpSettings, start=start)
