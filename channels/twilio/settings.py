"""The `[twilio]` section of the gateway's configuration."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from policy_core.identities import IdentityError, normalize_phone

log = logging.getLogger("contact_gateway.twilio")


class TwilioSettings(BaseModel):
    """```toml
    [twilio]
    auth_token = "..."             # the account's Auth Token: signs every webhook
    forward_to = "+441332000000"   # where delivered calls and SMS go (the contact centre)
    voice = "Polly.Amy"            # any Twilio voice
    language = "en-GB"
    ```
    How many notices a sender gets a day is the policy profile's `notices_per_sender_per_day`,
    the same on every channel.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    auth_token: SecretStr = Field(min_length=1)
    forward_to: str
    voice: str = Field(default="Polly.Amy", min_length=1)
    language: str = Field(default="en-GB", min_length=2)

    @model_validator(mode="before")
    @classmethod
    def _notices_per_day_is_gone(cls, data: Any) -> Any:
        """`notices_per_day` was the SMS channel's own allowance. A configuration that still
        has it starts (the phones keep working after an upgrade), with a warning."""
        if isinstance(data, dict) and "notices_per_day" in data:
            log.warning(
                "[twilio]: notices_per_day is no longer read and is ignored: the policy "
                "profile's notices_per_sender_per_day applies to texts as to every channel"
            )
            data = {k: v for k, v in data.items() if k != "notices_per_day"}
        return data

    @field_validator("forward_to")
    @classmethod
    def _a_phone_number(cls, value: str) -> str:
        try:
            return normalize_phone(value)
        except IdentityError as exc:
            raise ValueError(str(exc)) from exc
