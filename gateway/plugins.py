"""Channels are plugins: each registers a `ChannelPlugin` under the entry-point group
`contact_gateway.channels`, named after its configuration section (`smtp`, `twilio`, ...).
`serve` starts every channel whose section is in the configuration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError

from gateway.settings import ConfigError, Settings, describe

if TYPE_CHECKING:
    from gateway.runtime import Gateway

ENTRY_POINT_GROUP = "contact_gateway.channels"

Stop = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ChannelPlugin:
    """What a channel package offers the gateway.

    - `settings`: the pydantic model of its configuration section;
    - `routes`: webhooks to mount in the HTTP app (optional);
    - `start`: background work (a listener, a poller), returning how to stop it (optional).
    """

    name: str
    settings: type[BaseModel]
    routes: Callable[[Gateway, Any], APIRouter] | None = None
    start: Callable[[Gateway, Any], Awaitable[Stop]] | None = None


@dataclass
class EnabledChannel:
    plugin: ChannelPlugin
    config: Any
    stop: Stop | None = field(default=None)


def installed_plugins() -> dict[str, EntryPoint]:
    """Installed channels by name, not yet loaded: only configured ones are imported."""
    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


def load_plugin(entry: EntryPoint) -> ChannelPlugin:
    plugin = entry.load()
    if not isinstance(plugin, ChannelPlugin):
        raise ConfigError(f"entry point {entry.name!r} ({entry.value}) is not a ChannelPlugin")
    return plugin


def check_installed(settings: Settings, source: str = "config") -> dict[str, EntryPoint]:
    """Every channel section names an installed channel (ConfigError naming it otherwise);
    returns the installed ones. Loads nothing, so every command can afford it."""
    plugins = installed_plugins()
    for name in settings.channel_sections:
        if name not in plugins:
            known = ", ".join(sorted(plugins)) or "none"
            raise ConfigError(
                f"{source}: [{name}]: no channel named {name!r} is installed (installed: {known})"
            )
    return plugins


def enabled_channels(settings: Settings, source: str = "config") -> list[EnabledChannel]:
    """The channels the configuration asks for, each with its validated section."""
    plugins = check_installed(settings, source)
    enabled: list[EnabledChannel] = []
    for name, section in settings.channel_sections.items():
        plugin = load_plugin(plugins[name])
        try:
            config = plugin.settings.model_validate(section)
        except ValidationError as exc:
            raise ConfigError(describe(f"{source}: [{name}]", exc)) from exc
        enabled.append(EnabledChannel(plugin=plugin, config=config))
    return enabled
