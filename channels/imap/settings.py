"""The [imap] section: hosted mailboxes (Microsoft 365, Google, any IMAP server) the gateway
polls, applying each decision by moving the message to a folder."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from channels.mail.auth_settings import SenderAuthSettings
from channels.mail.outbound import Endpoint


class Mailbox(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = Field(default=993, gt=0, lt=65536)
    username: str
    password: str = Field(repr=False)
    folder: str = "INBOX"
    tls: bool = True
    poll_seconds: float = Field(default=60.0, gt=0)  # also the longest IDLE before a re-check
    # The mailbox's own address: the From of its auto-replies and the envelope sender of its
    # forwards. Defaults to the username when that is an e-mail address.
    address: str | None = None
    redirected_folder: str = "Redirected"
    restricted_folder: str = "Restricted"
    # On the very first connection, messages already in the folder are left alone unless
    # `backlog` is true; after that, every message that arrives is handled exactly once.
    backlog: bool = False

    @model_validator(mode="before")
    @classmethod
    def _address_from_username(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("address"):
            if "@" in str(data.get("username", "")):
                data = {**data, "address": data["username"]}
        return data

    @model_validator(mode="after")
    def _has_address(self) -> Mailbox:
        if self.address is None:
            raise ValueError("address: needed when the username is not an e-mail address")
        return self

    @property
    def sender(self) -> str:
        assert self.address is not None
        return self.address

    @property
    def label(self) -> str:
        """How logs name the mailbox without its address: host and folder only."""
        return f"{self.host}:{self.port}/{self.folder}"


class ImapSettings(SenderAuthSettings):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mailboxes: list[Mailbox] = Field(min_length=1)
    # Where forwards (redirect) and auto-replies (refuse) leave, HOST:PORT. Without it the
    # [smtp] section's `outbound`, else its `downstream`, is used; with neither, `serve`
    # refuses to start.
    outbound: str | None = None
    outbound_username: str | None = None
    outbound_password: str | None = Field(default=None, repr=False)
    outbound_starttls: bool = False
    max_message_bytes: int = Field(default=26_214_400, gt=0)  # larger: left where it is
    retry_max_seconds: float = Field(default=300.0, gt=0)  # reconnect backoff cap
    max_attempts: int = Field(default=5, gt=0)  # a message whose forward keeps failing

    @field_validator("outbound")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            Endpoint.parse(value)
        return value
