"""`contact-gateway serve`: the HTTP app and every channel in the configuration, one process."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from gateway.commands.common import build_gateway, config_argument
from gateway.credentials import configured_secrets, refusals
from gateway.flags.mail import flag_mail_settings
from gateway.http.app import create_app
from gateway.plugins import enabled_channels
from gateway.runtime import Gateway
from gateway.settings import ConfigError, Settings, load_settings

log = logging.getLogger("contact_gateway.serve")


def arguments(parser: argparse.ArgumentParser) -> None:
    config_argument(parser)


def refuse_weak_secrets(settings: Settings, source: str) -> None:
    """No placeholder, published example or short secret gets as far as listening."""
    sections = dict(settings.channel_sections)
    if settings.flags_section is not None:
        sections["flags"] = settings.flags_section
    secrets = configured_secrets(settings.http.model_dump(mode="json"), sections)
    problems = refusals(secrets)
    if problems:
        raise ConfigError("\n".join(f"{source}: {problem}" for problem in problems))


async def serve(gateway: Gateway, source: str) -> int:
    channels = enabled_channels(gateway.settings, source)
    refuse_weak_secrets(gateway.settings, source)
    app = create_app(gateway, channels, flag_mail_settings(gateway.settings, source))
    host, port = gateway.settings.http.host_port
    # log_config=None: uvicorn's loggers keep no handlers of their own and propagate to the
    # root's, where the personal-data filter is (gateway/log_filter.py).
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on",
        log_config=None,
    )  # fmt: skip
    server = uvicorn.Server(config)
    log.info("serving on http://%s:%d (channels: %s)", host, port,
             ", ".join(c.plugin.name for c in channels) or "none")  # fmt: skip
    if gateway.clock.fixed is not None:
        log.warning("the clock is fixed at %s ([clock] fixed is set)", gateway.clock.fixed)
    await server.serve()
    return 0 if server.started else 1


async def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    return await serve(build_gateway(settings, str(args.config)), str(args.config))
