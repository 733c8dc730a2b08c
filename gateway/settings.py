"""The gateway's configuration: one TOML file, overridable by `CG_` environment variables
(`CG_STORE__URL=redis://...`). Channel sections (`[smtp]`, `[twilio]`, ...) are kept raw here
and validated by the channel plugin that owns them; so is `[flags]`, validated where the
gateway starts its e-mail flag notifier (gateway.flags.mail)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from gateway.credentials import SecretFileError, read_secret_files


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key.
    The CLI prints it and exits with status 2."""


class Role(StrEnum):
    agent = "agent"
    officer = "officer"
    manager = "manager"
    admin = "admin"
    # Outside the ladder: reads /metrics and nothing else (a Prometheus scraper's token).
    metrics = "metrics"

    def includes(self, other: Role) -> bool:
        """A role may do what every lower role may: agent < officer < manager < admin.
        `metrics` may only read the metrics, which admin may too."""
        if Role.metrics in (self, other):
            return self is other or self is Role.admin
        order = list(Role)
        return order.index(self) >= order.index(other)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organisation(Section):
    name: str = "Your landlord"
    postal_address: str = ""
    emergency_email: str | None = None
    emergency_phone: str | None = None
    appeal_address: str = ""
    ombudsman: str = "Housing Ombudsman Service, 0300 111 3000, www.housing-ombudsman.org.uk"


class ClockSection(Section):
    """`fixed`: an instant with a UTC offset at which the whole process stands still (demos
    and tests); unset, the real time."""

    fixed: dt.datetime | None = None

    @field_validator("fixed")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("needs a UTC offset, for example 2026-11-24T10:30:00+00:00")
        return value


class StoreSection(Section):
    url: str = "sqlite:///var/gateway.db"


class PolicySection(Section):
    profile: str = "derby-homes-2020"
    phone_region: str = "GB"


class Token(Section):
    token: str = Field(min_length=16)
    role: Role
    name: str = "api"


class User(Section):
    username: str = Field(min_length=1)
    password_hash: str
    role: Role


class HttpSection(Section):
    listen: str = "127.0.0.1:8080"
    public_url: str = "http://127.0.0.1:8080"
    tokens: list[Token] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    session_secret: str = ""
    # Origins only (scheme://host[:port]): they go into the fragment's frame-ancestors header.
    crm_origins: list[
        Annotated[str, Field(pattern=r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")]
    ] = Field(default_factory=list)
    trusted_user_header: str | None = None
    trusted_role_header: str | None = None
    # Request bodies: larger ones get 413 before they are read (webhooks: their own limit).
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    max_webhook_body_bytes: int = Field(default=262_144, gt=0)

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)


FLAGS_SECTION = "flags"  # the gateway's own, kept raw like a channel's: gateway.flags.mail


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CG_", env_nested_delimiter="__", extra="allow", frozen=True
    )

    organisation: Organisation = Field(default_factory=Organisation)
    store: StoreSection = Field(default_factory=StoreSection)
    policy: PolicySection = Field(default_factory=PolicySection)
    http: HttpSection = Field(default_factory=HttpSection)
    clock: ClockSection = Field(default_factory=ClockSection)
    data_dir: Path = Path("var")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file, which arrives as init arguments.
        return (env_settings, init_settings)

    @model_validator(mode="before")
    @classmethod
    def _secret_files(cls, data: Any) -> Any:
        """`token_file = "/run/secrets/x"` and the like: read once the sources are merged."""
        return read_secret_files(data)

    @property
    def channel_sections(self) -> dict[str, dict[str, Any]]:
        """`[smtp]`, `[twilio]`...: every section that is not the gateway's own."""
        extra = self.model_extra or {}
        return {k: v for k, v in extra.items() if isinstance(v, dict) and k != FLAGS_SECTION}

    @property
    def flags_section(self) -> dict[str, Any] | None:
        """`[flags]` as written (flags to officers by e-mail), or None."""
        section = (self.model_extra or {}).get(FLAGS_SECTION)
        return section if isinstance(section, dict) else None

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.jsonl"


def load_settings(path: str | Path) -> Settings:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        settings = Settings(**channel_environment(data))
    except ValidationError as exc:
        raise ConfigError(describe(path, exc)) from exc
    except SecretFileError as exc:
        raise ConfigError(f"{path}: {exc.key}: {exc.message}") from exc
    for key, value in (settings.model_extra or {}).items():
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {key}: unknown setting")
    return settings


def channel_environment(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with `CG_<CHANNEL>__<KEY>` variables merged into channel sections
    (`CG_TWILIO__AUTH_TOKEN`), which pydantic-settings leaves out as they are not fields."""
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for name, value in os.environ.items():
        parts = name.lower().split("__")
        if not parts[0].startswith("cg_") or len(parts) < 2:
            continue
        section = parts[0].removeprefix("cg_")
        if section in Settings.model_fields or not all(parts[1:]):
            continue
        target = merged.setdefault(section, {})
        if not isinstance(target, dict):
            continue
        for part in parts[1:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[parts[-1]] = _env_value(value)
    return merged


def _env_value(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


def describe(source: Path | str, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        lines.append(f"{source}: {key}: {error['msg']}")
    return "\n".join(lines)
