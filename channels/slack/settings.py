"""The `[slack]` section: one Slack app for the landlord's social space (a tenants' community
workspace or Slack Connect channels) and for telling case officers about flags."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signing_secret: str = Field(min_length=8)
    bot_token: str = Field(min_length=8)
    api_url: str = "https://slack.com/api/"
    officer_channel: str = Field(min_length=1, description="flags for officers with no Slack id")
    bot_user_id: str | None = Field(default=None, description="the app's own user: ignored")
    # Hiding held and refused messages needs a workspace admin's user token (chat.delete of
    # another member's message); without one, messages stay visible and are only held.
    hide_messages: bool = False
    admin_token: str | None = None
    # Removing a refused customer from the landlord's public channels (conversations.kick):
    # the channel they posted in, and every channel listed here.
    remove_refused: bool = False
    public_channels: list[str] = Field(default_factory=list)
    notify_flags: bool = True

    @model_validator(mode="after")
    def _admin_token_to_hide(self) -> SlackSettings:
        if self.hide_messages and not self.admin_token:
            raise ValueError("hide_messages needs admin_token (a workspace admin's user token)")
        return self

    @property
    def can_hide(self) -> bool:
        return self.hide_messages and bool(self.admin_token)
