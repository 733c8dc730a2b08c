"""The `[twilio]` section of the gateway's configuration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from policy_core.identities import IdentityError, normalize_phone


class TwilioSettings(BaseModel):
    """```toml
    [twilio]
    auth_token = "..."             # the account's Auth Token: signs every webhook
    forward_to = "+441332000000"   # where delivered calls and SMS go (the contact centre)
    voice = "Polly.Amy"            # any Twilio voice
    language = "en-GB"
    notices_per_day = 1            # SMS notices per sender per day; the rest are held silently
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    auth_token: SecretStr = Field(min_length=1)
    forward_to: str
    voice: str = Field(default="Polly.Amy", min_length=1)
    language: str = Field(default="en-GB", min_length=2)
    notices_per_day: int = Field(default=1, ge=0)

    @field_validator("forward_to")
    @classmethod
    def _a_phone_number(cls, value: str) -> str:
        try:
            return normalize_phone(value)
        except IdentityError as exc:
            raise ValueError(str(exc)) from exc
