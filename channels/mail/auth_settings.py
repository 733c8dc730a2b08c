"""What the [smtp] and [imap] sections say about sender authentication, and the one call the
mail channels make: `Authenticator.check` (a trusted upstream's results, else the gateway's
own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from channels.mail.auth import SenderAuth, domain_of, from_upstream

if TYPE_CHECKING:
    from channels.mail.verify import Seen, Verifier


class SenderAuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The authserv-ids whose Authentication-Results header is believed (the first word of
    # the header, as the upstream stamps it: "mx.google.com" for Google). Any other is ignored.
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    # HOST or HOST:PORT of the DNS servers the gateway's own checks ask; empty: the system's.
    dns_servers: list[str] = Field(default_factory=list)
    dns_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("dns_servers")
    @classmethod
    def _one_port(cls, value: list[str]) -> list[str]:
        ports = {s.rpartition(":")[2] for s in value if ":" in s}
        if len(ports) > 1:
            raise ValueError("dns_servers: all on the same port")
        for port in ports:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"dns_servers: {port!r} is not a port")
        return value


class Authenticator:
    def __init__(self, settings: SenderAuthSettings) -> None:
        from channels.mail.verify import Verifier  # pyspf is loaded only by a mail channel

        self.settings = settings
        self.verifier: Verifier = Verifier(settings)

    async def check(self, raw: bytes, from_address: str | None, seen: Seen) -> SenderAuth:
        trusted = self.settings.trusted_authserv_ids
        upstream = from_upstream(raw, trusted, domain_of(from_address))
        if upstream is not None:
            return upstream
        return await self.verifier.verify(raw, from_address, seen)
