"""The [smtp] section: the gateway as an SMTP hop in front of the landlord's own mail server."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field, field_validator

from channels.mail.auth_settings import SenderAuthSettings
from channels.mail.outbound import Endpoint


class SmtpSettings(SenderAuthSettings):
    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = "127.0.0.1:2525"
    domains: list[str] = Field(min_length=1)  # recipients outside these: 550, no open relay
    downstream: str  # the real mail server delivered mail goes on to
    # Optional relay for auto-replies and for redirects to other domains; without it they
    # leave through `downstream`, which must then relay them on.
    outbound: str | None = None
    outbound_username: str | None = None
    outbound_password: str | None = None
    outbound_starttls: bool = False
    max_message_bytes: int = Field(default=26_214_400, gt=0)  # larger: 552
    max_header_bytes: int = Field(default=102_400, gt=0)  # a larger header section: 552
    spool_dir: Path | None = None  # default: <data_dir>/smtp-spool
    hostname: str = "contact-gateway"  # the name in the greeting and in EHLO
    notice_from: str | None = None  # auto-replies' From; default: the address written to
    workers: int = Field(default=8, gt=0)  # messages dispatched and relayed at once
    retry_max_seconds: float = Field(default=300.0, gt=0)  # backoff cap while downstream is down

    @field_validator("listen", "downstream", "outbound")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            Endpoint.parse(value)
        return value

    @field_validator("domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().rstrip(".") for d in value]

    def accepts(self, address: str) -> bool:
        domain = address.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
        return domain in self.domains
