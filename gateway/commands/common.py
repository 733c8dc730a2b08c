"""What every command starts with: the configuration, the profile and the store."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.plugins import check_installed
from gateway.profiles import load_profile
from gateway.runtime import Gateway
from gateway.settings import ConfigError, Settings, load_settings
from gateway.store import open_store
from policy_core.profiles import ProfileError


def config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", required=True, type=Path, metavar="FILE", help="the gateway's TOML file"
    )


def build_gateway(settings: Settings, source: str) -> Gateway:
    check_installed(settings, source)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{source}: data_dir: cannot create {settings.data_dir}: {exc}") from exc
    try:
        profile = load_profile(settings.policy.profile)
    except ProfileError as exc:
        raise ConfigError(f"{source}: policy.profile: {exc}") from exc
    try:
        store = open_store(settings.store.url)
    except ValueError as exc:
        raise ConfigError(f"{source}: store.url: {exc}") from exc
    return Gateway(settings, store, profile)


def gateway_from(path: Path) -> Gateway:
    return build_gateway(load_settings(path), str(path))


@contextlib.asynccontextmanager
async def opened(path: Path) -> AsyncIterator[Gateway]:
    """A gateway whose store is open, for one-shot commands."""
    gateway = gateway_from(path)
    await gateway.store.open()
    try:
        yield gateway
    finally:
        await gateway.store.close()
